import { rateLimited, validationError } from '../errors.js';
import type { AuthContext } from './context.js';

/** The failed-login counter of an account, shared by login and every current-password check. */
export const accountAttemptsKey = (userId: number) => `user:${userId}`;

export const tooManyFailedLogins = (waitSeconds: number) =>
  rateLimited(`Too many failed logins for this account; try again in ${waitSeconds} s`, waitSeconds, 'login-per-account');

/**
 * Checks the current password someone gives to confirm a sensitive change (password, e-mail,
 * account deletion, a new token). A wrong one counts as a failed login for the account, so a
 * borrowed session cannot guess its way to the password; past the limit even the right one waits.
 * `field` names the body field in the error.
 */
export async function confirmPassword(
  ctx: Pick<AuthContext, 'users' | 'hasher' | 'loginAttempts'>,
  userId: number,
  password: string | undefined,
  field: string,
): Promise<void> {
  if (password === undefined) throw validationError('validation_failed', `${field} is required`, [{ field, message: 'is required' }]);
  const key = accountAttemptsKey(userId);
  const wait = await ctx.loginAttempts.blockedFor(key);
  if (wait > 0) throw tooManyFailedLogins(wait);
  const hash = await ctx.users.passwordHashOf(userId);
  const matches = hash !== null && (await ctx.hasher.verify(hash, password));
  if (!matches) {
    await ctx.loginAttempts.recordFailure(key);
    throw validationError('wrong_password', 'The current password is wrong', [{ field, message: 'is wrong' }]);
  }
  await ctx.loginAttempts.reset(key);
}
