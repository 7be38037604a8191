import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signedIn, signedInSession } from '../schemas.js';

/**
 * Who may call a route: anyone (`public`), a signed-in user by any credential (`user`), or a
 * signed-in session, never a personal access token (`session`: the routes that manage credentials).
 */
export type Access = 'public' | 'user' | 'session';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Declared per route as `config: { access }`; in a signed-in scope it defaults to `user`. */
    access?: Access;
  }
}

/** An `onRequest` hook that sets `request.principal` or fails with 401/403. */
export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
export type RouteGuards = Record<Exclude<Access, 'public'>, Guard>;

const securityOf = { user: signedIn, session: signedInSession } as const;

/**
 * Every route registered in `scope` (and in the plugins under it) requires a signed-in caller
 * unless it declares `config: { access: 'public' }`. The guard runs first among the route's
 * `onRequest` hooks, and the route's OpenAPI security requirement follows from the same
 * declaration, so the document cannot say less than the code enforces.
 */
export function requireSignIn(scope: FastifyInstance, guards: RouteGuards): void {
  scope.addHook('onRoute', (route) => {
    const access = route.config?.access ?? 'user';
    if (access === 'public') return;
    const guard = guards[access];
    const hooks = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    // Fastify derives a HEAD route from each GET through this hook too; guard it once.
    if (!hooks.includes(guard)) route.onRequest = [guard, ...hooks];
    route.schema ??= {};
    (route.schema as { security?: unknown }).security ??= securityOf[access];
  });
}
