import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, forbidden, unauthorized } from '../../services/errors.js';
import { PAT_PREFIX, type ApiTokenService } from '../../services/auth/api-token-service.js';
import { isSessionPrincipal, type Principal, type SessionPrincipal } from '../../services/auth/context.js';
import type { SessionService } from '../../services/auth/session-service.js';
import { SESSION_COOKIE } from './cookies.js';
import type { RouteGuards } from './route-access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on routes that need a signed-in user. */
    principal: Principal | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Accepts, in this order: `Authorization: Bearer <access token>`, `Authorization: Token <personal
 * access token>`, or the session cookie. Cookie requests that change something must also carry
 * the session's CSRF token in `X-CSRF-Token`.
 */
export function createAuthenticate(services: CredentialServices) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      request.principal = await identify(services, request);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'unauthorized') {
        reply.header('www-authenticate', `Bearer realm="messenger", error="invalid_token"`);
      }
      throw error;
    }
  };
}

/** The guards `requireSignIn` installs: any credential, or a session only. */
export function createRouteGuards(services: CredentialServices): RouteGuards {
  const user = createAuthenticate(services);
  return {
    user,
    session: async (request, reply) => {
      await user(request, reply);
      sessionPrincipalOf(request);
    },
  };
}

export interface CredentialServices {
  sessions: SessionService;
  apiTokens: ApiTokenService;
}

/**
 * Who sent this request. `queryToken` also accepts `?access_token=` (an access token or a
 * personal access token), for browsers opening a WebSocket, which cannot set headers.
 */
export async function identify(services: CredentialServices, request: FastifyRequest, options: { queryToken?: boolean } = {}): Promise<Principal> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space).toLowerCase() : header.toLowerCase();
    const credential = space > 0 ? header.slice(space + 1).trim() : '';
    if (!credential) throw unauthorized('invalid_token', 'The Authorization header has no credential');
    if (scheme === 'bearer') return services.sessions.authenticateBearer(credential);
    if (scheme === 'token') return services.apiTokens.authenticate(credential);
    throw unauthorized('unsupported_scheme', 'Use Authorization: Bearer <access token> or Token <personal access token>');
  }
  const queryToken = options.queryToken ? (request.query as Record<string, unknown> | undefined)?.access_token : undefined;
  if (typeof queryToken === 'string' && queryToken) {
    return queryToken.startsWith(PAT_PREFIX) ? services.apiTokens.authenticate(queryToken) : services.sessions.authenticateBearer(queryToken);
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) {
    const principal = await services.sessions.authenticateCookie(cookie);
    if (!SAFE_METHODS.has(request.method)) {
      const csrf = request.headers['x-csrf-token'];
      services.sessions.verifyCsrf(principal.sessionId as number, typeof csrf === 'string' ? csrf : undefined);
    }
    return principal;
  }
  throw unauthorized('missing_credentials', 'Log in first: send a Bearer token, a personal access token or the session cookie');
}

/** The principal of an authenticated route; the hook has run, so it is set. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('missing_credentials', 'Log in first');
  return request.principal;
}

/** The principal, when it is a signed-in session; 403 `session_required` for a personal access token. */
export function sessionPrincipalOf(request: FastifyRequest): SessionPrincipal {
  const principal = principalOf(request);
  if (!isSessionPrincipal(principal)) {
    throw forbidden('session_required', 'Manage credentials from a signed-in session; a personal access token cannot do this');
  }
  return principal;
}
