import type { HttpServer } from '../http/server.js';

/**
 * A module's HTTP side: one encapsulated Fastify plugin, registered at `prefix`. Hooks, error and
 * 404 handlers, content-security policy and parsers it installs on `scope` apply to its own routes
 * only (a dialect answers in its own error shape; the web client sets its own policy).
 */
export interface ModuleRoutes {
  prefix: string;
  plugin: (scope: HttpServer) => Promise<void> | void;
}

/**
 * One capability (accounts, chats, files…), built from the infrastructure and the modules it needs.
 * Each module's builder returns this, together with what it offers the modules built after it.
 * `buildApp` registers every module's routes, then starts them in order; at shutdown it stops them
 * in reverse order, before HTTP closes (steps that must wait until HTTP has closed go to the
 * infrastructure's `onClose`).
 */
export interface Module {
  readonly name: string;
  routes?: ModuleRoutes;
  start?: () => Promise<void> | void;
  stop?: () => Promise<void>;
}
