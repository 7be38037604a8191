import type { QrCodes } from '../../../adapters/qr-codes.js';
import type { CachedUsersRepository } from '../../../store/cached-users-repository.js';
import type { TwoFactorRepository } from '../../../store/two-factor-repository.js';
import { securityNoticeMail } from '../../mail/templates.js';
import type { User } from '../../users/user.js';
import type { AuthContext } from '../context.js';

/** The factors a user can turn on. */
export type SecondFactor = 'totp' | 'email';

/** What the two-factor services share, built once by the two-factor module. */
export interface TwoFactorContext {
  auth: Pick<AuthContext, 'users' | 'hasher' | 'loginAttempts' | 'clock' | 'mail' | 'oneTimeTokens'>;
  /** Cached users: a change of factors is forgotten on every node. */
  users: Pick<CachedUsersRepository, 'findById' | 'invalidate'>;
  repository: TwoFactorRepository;
  qrCodes: QrCodes;
  keys: { totpSecret: Buffer; code: Buffer };
  /** The name authenticator apps show above the account. */
  issuer: string;
}

/** Mails the account a notice of a change to how it signs in. */
export function notify(ctx: TwoFactorContext, user: Pick<User, 'username' | 'email'>, subject: string, what: string): void {
  ctx.auth.mail.enqueue({ to: user.email, ...securityNoticeMail({ username: user.username, subject, what }) });
}

export const factorName = (factor: SecondFactor) => (factor === 'totp' ? 'authenticator app' : 'e-mailed code');
