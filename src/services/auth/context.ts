import type { AttemptLimiter } from '../../adapters/attempt-limiter.js';
import type { Clock } from '../../adapters/clock.js';
import type { PasswordHasher } from '../../adapters/password-hasher.js';
import type { ApiTokensRepository } from '../../store/api-tokens-repository.js';
import type { OneTimeTokensRepository } from '../../store/one-time-tokens-repository.js';
import type { SessionsRepository } from '../../store/sessions-repository.js';
import type { UsersRepository } from '../../store/users-repository.js';
import type { MailQueue } from '../mail/mail-queue.js';
import type { AccessTokens } from './access-tokens.js';
import type { CredentialCache } from './credential-cache.js';

/** What the auth services share: stores, adapters and settings, built once by the app. */
export interface AuthContext {
  users: UsersRepository;
  sessions: SessionsRepository;
  apiTokens: ApiTokensRepository;
  oneTimeTokens: OneTimeTokensRepository;
  hasher: PasswordHasher;
  clock: Clock;
  mail: MailQueue;
  accessTokens: AccessTokens;
  cache: CredentialCache;
  /** Failed logins per account. */
  loginAttempts: AttemptLimiter;
  keys: { oneTimeCode: Buffer; csrf: Buffer; refreshToken: Buffer };
  settings: {
    appUrl: string;
    refreshTokenTtlMs: number;
    /** How long a retired refresh token still gets its successor (concurrent refreshes), not reuse detection. */
    refreshReuseGraceMs: number;
    requireEmailVerification: boolean;
    passwordRequireMixed: boolean;
  };
}

/** Who is making a request, and with which credential. */
export interface Principal {
  userId: number;
  method: 'bearer' | 'token' | 'cookie';
  /** Set for bearer and cookie credentials: the session they belong to. */
  sessionId?: number;
  /** Set for personal access tokens. */
  apiTokenId?: number;
}

/**
 * A principal proven by a signed-in session (bearer or cookie), never a personal access token:
 * what every credential-managing operation takes, so a leaked token cannot take the account over.
 */
export type SessionPrincipal = Principal & { method: 'bearer' | 'cookie'; sessionId: number };

export const isSessionPrincipal = (principal: Principal): principal is SessionPrincipal =>
  principal.method !== 'token' && principal.sessionId !== undefined;

/** Where a request came from, recorded on the session it creates. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}
