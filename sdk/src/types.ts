import type { paths } from './generated/api.js';

/**
 * Names for the shapes the SDK hands out, taken from the generated REST types by path, so they
 * follow the schemas whether or not the OpenAPI document names them as components.
 */

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head';
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The JSON body that `method path` answers with `status`. */
export type ResponseBody<P extends keyof paths, M extends Method & keyof paths[P], S extends number = 200> = paths[P][M] extends { responses: infer R }
  ? S extends keyof R
    ? JsonOf<R[S]>
    : never
  : never;

/** The JSON body that `method path` takes. */
export type RequestBody<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

/** The signed-in user, as `GET /api/v1/users/me` answers (with my settings). */
export type Me = ResponseBody<'/api/v1/users/me', 'get'>;
/** Someone else's profile, as `GET /api/v1/users/{id}` answers. */
export type Profile = ResponseBody<'/api/v1/users/{id}', 'get'>;
/** A chat as the REST API shows it to me (with my role, read marker and unread count). */
export type Chat = ResponseBody<'/api/v1/chats/{id}', 'get'>;
/** A chat as events show it to every member at once: without the per-member fields. */
export type SharedChat = Omit<Chat, 'myRole' | 'lastReadSeq' | 'unreadCount'>;
export type ChatMember = Chat['members'][number];
export type Message = ResponseBody<'/api/v1/chats/{id}/messages', 'post', 201>;
export type Post = ResponseBody<'/api/v1/posts/{id}', 'get'>;
export type PostComment = ResponseBody<'/api/v1/posts/{id}/comments', 'post', 201>;
export type SyncPage = ResponseBody<'/api/v1/sync', 'get'>;
export type LoginAnswer = ResponseBody<'/api/v1/auth/login', 'post'>;
/** The signed-in user, as a sign-in answers. */
export type CurrentUser = Extract<LoginAnswer, { accessToken: string }>['user'];
export type SecondFactorMethod = RequestBody<'/api/v1/auth/login/2fa', 'post'>['method'];
/** An uploaded file, as `POST /api/v1/uploads` answers: send its `id` in a message's `attachmentIds`. */
export type Upload = ResponseBody<'/api/v1/uploads', 'post', 201>;
