import { forbidden, rateLimited } from '../../errors.js';
import { loginCodeMail } from '../../mail/templates.js';
import type { User } from '../../users/user.js';
import { normalizeEmail, usernameKey } from '../account-rules.js';
import type { ClientInfo } from '../context.js';
import { equalSecrets, hmac, randomDigits, randomSecret, sha256 } from '../secrets.js';
import type { LoginResult, SessionService } from '../session-service.js';
import type { TwoFactorContext } from './context.js';
import { twoFactorErrors } from './errors.js';
import { EMAIL_CODE_TTL_MS } from './second-factor-login.js';

const RESEND_AFTER_MS = 30 * 1000;
const MAX_ATTEMPTS = 5;

/**
 * Sign-in where every login needs an e-mailed code, whatever the account's settings (the older
 * clients that sign in this way: a code is asked for first, then sent with the password). The code
 * is the e-mail factor: it proves the mailbox, as `SecondFactorLogin`'s e-mailed codes do.
 */
export class MailedLoginCodes {
  constructor(
    private readonly ctx: TwoFactorContext,
    private readonly sessions: Pick<SessionService, 'checkPassword' | 'startSession'>,
  ) {}

  /**
   * Mails a code to the account named by `username`, proven by its password or by its e-mail
   * address. A wrong password is 401 like a login; a wrong address sends nothing and answers the
   * same, so the address of an account cannot be probed.
   */
  async send(input: { username: string; password?: string; email?: string }): Promise<void> {
    let user: User | undefined;
    if (input.password !== undefined) {
      user = (await this.sessions.checkPassword(input.username, input.password)).user;
    } else {
      const found = await this.ctx.auth.users.loginCredentials({ usernameKey: usernameKey(input.username.trim()) });
      user = found && (await this.ctx.users.findById(found.userId));
      if (!user || input.email === undefined || normalizeEmail(input.email) !== user.email) return;
    }
    const { oneTimeTokens, clock, mail } = this.ctx.auth;
    const now = clock.now();
    const live = await oneTimeTokens.findLiveForUser(user.id, 'login_code', now);
    const sentAt = live && live.expiresAt - EMAIL_CODE_TTL_MS;
    if (sentAt !== undefined && now - sentAt < RESEND_AFTER_MS) {
      const wait = Math.ceil((RESEND_AFTER_MS - (now - sentAt)) / 1000);
      throw rateLimited(`A code was just sent; ask again in ${wait} s`, wait, 'login-code-resend');
    }
    const code = randomDigits();
    await oneTimeTokens.issue({ userId: user.id, purpose: 'login_code', tokenHash: sha256(randomSecret()), codeHash: this.codeHash(user.id, code), now, expiresAt: now + EMAIL_CODE_TTL_MS });
    mail.enqueue({ to: user.email, ...loginCodeMail({ username: user.username, code, expiresInMinutes: EMAIL_CODE_TTL_MS / 60_000 }) });
  }

  /**
   * Signs in with the password and the mailed code, which it uses up. A wrong code counts against
   * the code (5 spend it) and against the account, like a wrong password. An account that signs in
   * with an authenticator app is refused: a mailed code must not stand in for a stronger factor.
   */
  async signIn(input: { username: string; password: string; code: string }, client: ClientInfo): Promise<LoginResult> {
    const { user, attemptsKey } = await this.sessions.checkPassword(input.username, input.password);
    const { oneTimeTokens, clock, loginAttempts } = this.ctx.auth;
    const now = clock.now();
    const live = await oneTimeTokens.findLiveForUser(user.id, 'login_code', now);
    const right = live?.codeHash != null && /^[0-9]{6}$/.test(input.code.trim()) && equalSecrets(live.codeHash, this.codeHash(user.id, input.code.trim()));
    if (!live || !right) {
      if (live) await oneTimeTokens.recordFailedAttempt(live.id, MAX_ATTEMPTS, now);
      await loginAttempts.recordFailure(attemptsKey);
      throw twoFactorErrors.invalidCode();
    }
    if (user.secondFactors.includes('totp')) {
      throw forbidden('second_factor_required', 'This account signs in with an authenticator app; use a client that asks for its code');
    }
    if (!(await oneTimeTokens.consume(live.id, now))) throw twoFactorErrors.invalidCode();
    await loginAttempts.reset(attemptsKey);
    return this.sessions.startSession(user, false, client);
  }

  private codeHash(userId: number, code: string): string {
    return hmac(this.ctx.keys.code, `login-code:${userId}:${code}`);
  }
}
