import type { FastifyRequest } from 'fastify';
import { clientOf } from '../../http/auth/login-answer.js';
import type { LoginChallenge, LoginResult, SessionService } from '../../services/auth/session-service.js';
import { DomainError, forbidden, unauthorized } from '../../services/errors.js';
import type { SimpleJwt } from './simple-jwt.js';

/** A session as a Django dialect hands it out. */
export interface DjangoPair {
  userId: number;
  sessionId: number;
  access: string;
  refresh: string;
}

const tokenNotValid = () => unauthorized('invalid_refresh_token', 'Token is invalid or expired');

/**
 * Logins and refreshes for the Django dialects: our sessions, with SimpleJWT-shaped tokens. A
 * login that needs a second factor the document cannot ask for is refused rather than let through.
 */
export class DjangoTokens {
  constructor(
    readonly jwt: SimpleJwt,
    private readonly sessions: Pick<SessionService, 'login' | 'refresh' | 'sessionOfRefreshToken'>,
  ) {}

  async login(request: FastifyRequest, login: string, password: string): Promise<DjangoPair> {
    return this.pairOf(await this.sessions.login({ login, password, cookie: false }, clientOf(request)));
  }

  /** A session just opened (a login finished in any way) as the dialect's pair. */
  pairOf(result: LoginResult | LoginChallenge): DjangoPair {
    if (result.kind === 'challenge') {
      throw forbidden('second_factor_required', 'This account uses two-factor sign-in, which this client cannot finish; sign in with the web app');
    }
    if (result.kind !== 'tokens') throw new Error('a Django dialect opens token sessions only');
    const { user, sessionId, refreshToken } = result;
    return { userId: user.id, sessionId, access: this.jwt.access(user.id, sessionId), refresh: this.jwt.refresh(user.id, sessionId, refreshToken) };
  }

  /** Trades a refresh JWT for a new pair, retiring it (SimpleJWT's ROTATE_REFRESH_TOKENS). */
  async rotate(refreshJwt: string): Promise<DjangoPair> {
    const claims = this.jwt.readRefresh(refreshJwt);
    if (!claims) throw tokenNotValid();
    try {
      const pair = await this.sessions.refresh(claims.refreshSecret);
      return { userId: claims.userId, sessionId: pair.sessionId, access: this.jwt.access(claims.userId, pair.sessionId), refresh: this.jwt.refresh(claims.userId, pair.sessionId, pair.refreshToken) };
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'unauthorized') throw tokenNotValid();
      throw error;
    }
  }

  /** A new access token for a refresh JWT that stays usable until it expires (no rotation). */
  async access(refreshJwt: string): Promise<string> {
    const claims = this.jwt.readRefresh(refreshJwt);
    if (!claims) throw tokenNotValid();
    try {
      const session = await this.sessions.sessionOfRefreshToken(claims.refreshSecret);
      return this.jwt.access(session.userId, session.sessionId);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'unauthorized') throw tokenNotValid();
      throw error;
    }
  }
}

/** SimpleJWT's answer to wrong credentials; other failures (unverified e-mail, throttling, a second factor) keep theirs. */
export function noActiveAccount(error: unknown): never {
  if (error instanceof DomainError && error.code === 'invalid_credentials') throw unauthorized('invalid_credentials', 'No active account found with the given credentials');
  throw error;
}
