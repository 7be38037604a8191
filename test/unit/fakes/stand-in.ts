/**
 * Services take some repositories as concrete classes, whose private fields make them nominal: no
 * fake can be assigned to them. A fake with the methods the service calls stands in; the compiler
 * still checks those methods against the class.
 */
export const standIn = <T>(fake: Partial<T>): T => fake as T;
