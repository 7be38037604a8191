import type { HttpServer } from '../http/server.js';

/**
 * One capability (accounts, chats, files…), built from the infrastructure and the modules it needs.
 * Each module's builder returns this, together with what it offers the modules built after it.
 * `buildApp` registers every module's routes, then starts them in order; at shutdown it stops them
 * in reverse order, before HTTP closes (steps that must wait until HTTP has closed go to the
 * infrastructure's `onClose`).
 */
export interface Module {
  readonly name: string;
  routes?: (http: HttpServer) => Promise<void> | void;
  start?: () => Promise<void> | void;
  stop?: () => Promise<void>;
}
