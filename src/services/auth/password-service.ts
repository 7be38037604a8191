import { unauthorized, validationError } from '../errors.js';
import { passwordChangedMail, passwordResetMail } from '../mail/templates.js';
import type { User } from '../users/user.js';
import { normalizeEmail, passwordProblems } from './account-rules.js';
import { describe } from './account-service.js';
import type { AuthContext, SessionPrincipal } from './context.js';
import type { CredentialEviction, Eviction } from './credential-eviction.js';
import { confirmPassword } from './password-confirmation.js';
import { equalSecrets, hmac, randomDigits, randomSecret, sha256 } from './secrets.js';

const RESET_TTL_MS = 15 * 60 * 1000;
const MAX_CODE_ATTEMPTS = 5;

const invalidReset = () =>
  validationError('invalid_reset_code', 'The code or link is wrong, used or expired; ask for a new one', [
    { field: 'code', message: 'is invalid or expired' },
  ]);

export class PasswordService {
  constructor(
    private readonly ctx: AuthContext,
    private readonly credentials: CredentialEviction,
  ) {}

  /**
   * Changes the password and evicts every other credential: the other sessions and every personal
   * access token end, so whoever else held one is out. The session asking stays signed in.
   * `newPasswordConfirm`, when a client asks for the new password twice, must match it.
   */
  async change(principal: SessionPrincipal, currentPassword: string, newPassword: string, newPasswordConfirm?: string): Promise<Eviction> {
    const { users } = this.ctx;
    const user = await users.findById(principal.userId);
    if (!user) throw unauthorized('session_ended', 'The account no longer exists');
    await confirmPassword(this.ctx, user.id, currentPassword, 'currentPassword');
    this.checkNewPassword(user, newPassword, newPasswordConfirm);
    // The current password is confirmed, so comparing with it is comparing with the stored hash.
    if (newPassword === currentPassword) {
      throw validationError('same_password', 'The new password must differ from the current one', [
        { field: 'newPassword', message: 'must differ from the current password' },
      ]);
    }
    return this.store(principal, user, newPassword);
  }

  /**
   * Sets a new password without the current one, for the older clients that never asked for it:
   * only from a signed-in session (never a personal access token), and with the same effects as a
   * change: the other credentials end and the owner is told by mail.
   */
  async replace(principal: SessionPrincipal, newPassword: string): Promise<Eviction> {
    const user = await this.ctx.users.findById(principal.userId);
    if (!user) throw unauthorized('session_ended', 'The account no longer exists');
    this.checkNewPassword(user, newPassword);
    return this.store(principal, user, newPassword);
  }

  private async store(principal: SessionPrincipal, user: User, newPassword: string): Promise<Eviction> {
    const { users, hasher, clock } = this.ctx;
    await users.setPasswordHash(user.id, await hasher.hash(newPassword), clock.now());
    const eviction = await this.credentials.evictCredentials(user.id, { keepSessionId: principal.sessionId });
    this.ctx.mail.enqueue({ to: user.email, ...passwordChangedMail({ username: user.username }) });
    return eviction;
  }

  /**
   * Mails a code and a link when the address has an account; answers the same either way: when
   * they would expire.
   */
  async forgot(email: string): Promise<{ expiresAt: number }> {
    const { users, oneTimeTokens, clock, mail, settings, keys } = this.ctx;
    const now = clock.now();
    const user = await users.findByEmail(normalizeEmail(email));
    if (!user) return { expiresAt: now + RESET_TTL_MS };
    const token = randomSecret();
    const code = randomDigits(6);
    await oneTimeTokens.issue({
      userId: user.id,
      purpose: 'reset_password',
      tokenHash: sha256(token),
      codeHash: hmac(keys.oneTimeCode, `${user.id}:${code}`),
      now,
      expiresAt: now + RESET_TTL_MS,
    });
    const link = `${settings.appUrl}/reset-password?token=${encodeURIComponent(token)}`;
    mail.enqueue({ to: user.email, ...passwordResetMail({ username: user.username, code, link, expiresInMinutes: 15 }) });
    return { expiresAt: now + RESET_TTL_MS };
  }

  /** Whether the code is right, without using it up; a wrong one counts against the attempts. */
  async checkCode(email: string, code: string): Promise<boolean> {
    return (await this.matchCode(email, code)) !== undefined;
  }

  async reset(input: { email?: string; code?: string; token?: string; newPassword: string }): Promise<void> {
    const { users, oneTimeTokens, hasher, clock } = this.ctx;
    let match: { user: User; tokenId: number } | undefined;
    if (input.token !== undefined) {
      const record = await oneTimeTokens.findLiveByTokenHash(sha256(input.token), 'reset_password', clock.now());
      const user = record && (await users.findById(record.userId));
      if (record && user && (input.email === undefined || normalizeEmail(input.email) === user.email)) match = { user, tokenId: record.id };
    } else if (input.email !== undefined && input.code !== undefined) {
      match = await this.matchCode(input.email, input.code);
    } else {
      throw validationError('validation_failed', 'Send either the token from the link, or the e-mail address and the code', [
        { field: 'code', message: 'is required with email, unless token is given' },
      ]);
    }
    if (!match) throw invalidReset();
    this.checkNewPassword(match.user, input.newPassword);
    const now = clock.now();
    if (!(await oneTimeTokens.consume(match.tokenId, now))) throw invalidReset();
    await users.setPasswordHash(match.user.id, await hasher.hash(input.newPassword), now);
    // Proving control of the mailbox is proving the address too.
    await users.markEmailVerified(match.user.id, now);
    // Whoever took the account is out: every session, token and socket ends.
    await this.credentials.evictCredentials(match.user.id);
    this.ctx.mail.enqueue({ to: match.user.email, ...passwordChangedMail({ username: match.user.username }) });
  }

  private async matchCode(email: string, code: string): Promise<{ user: User; tokenId: number } | undefined> {
    const { users, oneTimeTokens, clock, keys } = this.ctx;
    const user = await users.findByEmail(normalizeEmail(email));
    if (!user) return undefined;
    const now = clock.now();
    const record = await oneTimeTokens.findLiveForUser(user.id, 'reset_password', now);
    if (!record?.codeHash) return undefined;
    if (equalSecrets(record.codeHash, hmac(keys.oneTimeCode, `${user.id}:${code}`))) return { user, tokenId: record.id };
    await oneTimeTokens.recordFailedAttempt(record.id, MAX_CODE_ATTEMPTS, now);
    return undefined;
  }

  private checkNewPassword(user: User, password: string, confirm?: string): void {
    const problems = passwordProblems(password, user.username, { requireMixed: this.ctx.settings.passwordRequireMixed }, 'newPassword');
    if (confirm !== undefined && confirm !== password) problems.push({ field: 'newPasswordConfirm', message: 'does not match the new password' });
    if (problems.length > 0) throw validationError('validation_failed', describe(problems), problems);
  }
}
