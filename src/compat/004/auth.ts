import type { FastifyReply, FastifyRequest } from 'fastify';
import { publicBase } from '../../http/public-url.js';
import type { Principal } from '../../services/auth/context.js';
import { forbidden, unauthorized } from '../../services/errors.js';
import type { DjangoAuth } from '../django/auth.js';

/** The cookie 004's login sets: the access JWT, HTTP-only. */
export const TOKEN_COOKIE = 'users_access_token';

export interface Auth004Deps {
  /** Checks a `Bearer` JWT (004's or ours) against its live session. */
  auth: DjangoAuth;
  /** Origins, besides this API's own, whose pages may use the cookie (APP_URL, CORS_ORIGINS, …). */
  origins: ReadonlySet<string>;
  publicUrl: string | undefined;
  /** How long the cookie is kept; the session may end sooner, and the cookie with it. */
  cookieSeconds: number;
}

/**
 * Who calls 004: `Authorization: Bearer <token>`, else the `users_access_token` cookie, else (for a
 * browser's WebSocket) `?token=`. A cookie is honoured only from a page of this API's origin or an
 * allowed one: a browser sends it along with requests that other sites' pages start, and the
 * `Origin` header tells those apart (the document's API had no defence against that).
 */
export class Auth004 {
  constructor(private readonly deps: Auth004Deps) {}

  /** For a route's `onRequest`: a signed-in caller, or 401. */
  readonly required = async (request: FastifyRequest): Promise<void> => {
    request.principal = await this.identify(request);
  };

  async identify(request: FastifyRequest, options: { queryToken?: boolean } = {}): Promise<Principal> {
    const header = request.headers.authorization;
    if (header !== undefined && header.trim() !== '') return this.deps.auth.identify(header);
    const cookie = request.cookies[TOKEN_COOKIE];
    if (cookie) {
      if (!this.trustedOrigin(request)) throw forbidden('origin_not_allowed', 'The cookie is not accepted from this page’s origin');
      return this.deps.auth.identify(`Bearer ${cookie}`);
    }
    const query = (request.query as Record<string, unknown> | undefined)?.token;
    if (options.queryToken && typeof query === 'string' && query !== '') return this.deps.auth.identify(`Bearer ${query}`);
    throw unauthorized('missing_credentials', 'No credentials were sent');
  }

  /** The token as an HTTP-only cookie, sent back with every later request of the page. */
  setCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
    reply.setCookie(TOKEN_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: publicBase(request, this.deps.publicUrl).startsWith('https:'),
      maxAge: this.deps.cookieSeconds,
    });
  }

  clearCookie(reply: FastifyReply): void {
    reply.clearCookie(TOKEN_COOKIE, { path: '/' });
  }

  private trustedOrigin(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    return origin === new URL(publicBase(request, this.deps.publicUrl)).origin || this.deps.origins.has(origin);
  }
}
