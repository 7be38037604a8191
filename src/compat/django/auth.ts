import type { FastifyRequest } from 'fastify';
import { PAT_PREFIX, type ApiTokenService } from '../../services/auth/api-token-service.js';
import type { Principal } from '../../services/auth/context.js';
import type { SessionService } from '../../services/auth/session-service.js';
import { DomainError, unauthorized } from '../../services/errors.js';
import type { SimpleJwt } from './simple-jwt.js';
import type { SessionTokens } from './token-auth.js';

export interface DjangoAuthDeps {
  jwt: SimpleJwt;
  sessions: Pick<SessionService, 'authenticateSession' | 'authenticateBearer'>;
  apiTokens: Pick<ApiTokenService, 'authenticate'>;
  /** The dialect's `Token` credentials, when its document has them. */
  sessionTokens?: SessionTokens;
}

const notProvided = () => unauthorized('missing_credentials', 'Authentication credentials were not provided.');
const invalidToken = () => unauthorized('invalid_token', 'Given token not valid for any token type');

/**
 * Who sent a request to a Django dialect: `Authorization: Bearer <access JWT>` (the dialect's, or
 * one of ours), or `Token <token>` (the dialect's session token, or a personal access token).
 * Every credential is checked against its live session, so logout ends it everywhere.
 */
export class DjangoAuth {
  constructor(private readonly deps: DjangoAuthDeps) {}

  /** For a route's `onRequest`: a signed-in caller, or 401 in the dialect's shape. */
  readonly required = async (request: FastifyRequest): Promise<void> => {
    request.principal = await this.identify(request.headers.authorization);
  };

  /** The principal of an `Authorization` header value (or a bare token from a query string, with `scheme`). */
  async identify(header: string | undefined): Promise<Principal> {
    if (header === undefined || header.trim() === '') throw notProvided();
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
    const credential = space > 0 ? header.slice(space + 1).trim() : '';
    if (!credential) throw invalidToken();
    if (scheme === 'bearer' || scheme === 'jwt') return this.bearer(credential);
    if (scheme === 'token') return this.token(credential);
    throw invalidToken();
  }

  /** A `Token` credential alone (a WebSocket's `?token=`). */
  async token(credential: string): Promise<Principal> {
    const sessionId = this.deps.sessionTokens?.read(credential);
    if (sessionId !== undefined) return this.open(() => this.deps.sessions.authenticateSession(sessionId));
    if (credential.startsWith(PAT_PREFIX)) return this.deps.apiTokens.authenticate(credential);
    throw unauthorized('invalid_token', 'Invalid token.');
  }

  private async bearer(credential: string): Promise<Principal> {
    const claims = this.deps.jwt.readAccess(credential);
    if (claims) return this.open(() => this.deps.sessions.authenticateSession(claims.sessionId, claims.userId));
    try {
      return await this.deps.sessions.authenticateBearer(credential);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'session_ended') throw error;
      throw invalidToken();
    }
  }

  /** An ended session reads as DRF says of a deleted token. */
  private async open(check: () => Promise<Principal>): Promise<Principal> {
    try {
      return await check();
    } catch (error) {
      if (error instanceof DomainError && error.code === 'session_ended') throw unauthorized('session_ended', 'Invalid token.');
      throw error;
    }
  }
}
