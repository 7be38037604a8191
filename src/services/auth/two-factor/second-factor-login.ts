import { rateLimited } from '../../errors.js';
import { loginCodeMail } from '../../mail/templates.js';
import type { User } from '../../users/user.js';
import type { ClientInfo } from '../context.js';
import { accountAttemptsKey, tooManyFailedLogins } from '../password-confirmation.js';
import { hmac, randomDigits, randomSecret, sha256, unseal } from '../secrets.js';
import type { LoginChallenge, LoginResult, SecondFactorGate, SecondFactorMethod, SessionService, SignInRequest } from '../session-service.js';
import { notify, type TwoFactorContext } from './context.js';
import { twoFactorErrors } from './errors.js';
import { recoveryCodeHash } from './two-factor-settings.js';
import { authenticator } from './totp.js';

export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
export const CHALLENGE_MAX_ATTEMPTS = 5;
export const EMAIL_CODE_TTL_MS = 10 * 60 * 1000;
/** A mailed code can be sent again after this long, not before. */
const EMAIL_RESEND_AFTER_MS = 30 * 1000;
export const TRUSTED_DEVICE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface FinishedLogin {
  result: LoginResult;
  /** Given when the client asked to be trusted: it skips the second factor for 30 days. */
  trustedDeviceToken?: string;
  trustedUntil?: number;
}

/**
 * The second step of signing in. As the gate on `SessionService`, it turns a proven first factor
 * into a challenge (unless the client is a trusted device); `finish` turns the challenge and a code
 * into the session the first factor asked for. Challenges live in the database, so any node can
 * finish one.
 */
export class SecondFactorLogin implements SecondFactorGate {
  constructor(
    private readonly ctx: TwoFactorContext,
    private readonly sessions: Pick<SessionService, 'startSession'>,
  ) {}

  async challengeFor(user: User, request: SignInRequest): Promise<LoginChallenge | undefined> {
    const { repository, auth } = this.ctx;
    if (user.secondFactors.length === 0) return undefined;
    const now = auth.clock.now();
    if (request.trustedDevice && (await repository.useTrustedDevice(user.id, sha256(request.trustedDevice), now))) return undefined;
    const challenge = randomSecret();
    const expiresAt = now + CHALLENGE_TTL_MS;
    await repository.createChallenge({ userId: user.id, tokenHash: sha256(challenge), cookie: request.cookie, ...request.client, now, expiresAt });
    return { kind: 'challenge', challenge, methods: await this.methodsOf(user), expiresAt };
  }

  /** Mails the challenge's user a 6-digit code (the e-mail factor); sending again replaces it. */
  async sendEmailCode(challenge: string): Promise<{ expiresAt: number }> {
    const { repository, auth } = this.ctx;
    const now = auth.clock.now();
    const record = await repository.liveChallenge(sha256(challenge), now);
    if (!record) throw twoFactorErrors.challengeInvalid();
    const user = await this.ctx.users.findById(record.userId);
    if (!user) throw twoFactorErrors.challengeInvalid();
    if (!user.secondFactors.includes('email')) throw twoFactorErrors.notEnabled('e-mailed code');
    const sentAt = record.emailCodeExpiresAt === null ? undefined : record.emailCodeExpiresAt - EMAIL_CODE_TTL_MS;
    if (sentAt !== undefined && now - sentAt < EMAIL_RESEND_AFTER_MS) {
      const wait = Math.ceil((EMAIL_RESEND_AFTER_MS - (now - sentAt)) / 1000);
      throw rateLimited(`A code was just sent; ask again in ${wait} s`, wait, 'login-code-resend');
    }
    const code = randomDigits();
    const expiresAt = now + EMAIL_CODE_TTL_MS;
    await repository.setChallengeEmailCode(record.id, this.emailCodeHash(record.id, code), expiresAt);
    auth.mail.enqueue({ to: user.email, ...loginCodeMail({ username: user.username, code, expiresInMinutes: EMAIL_CODE_TTL_MS / 60_000 }) });
    return { expiresAt };
  }

  /**
   * Finishes the login with a code of one of the user's factors. A wrong code counts against the
   * challenge (5 spend it) and against the account, like a wrong password.
   */
  async finish(input: { challenge: string; method: SecondFactorMethod; code: string; trustDevice?: boolean }, client: ClientInfo): Promise<FinishedLogin> {
    const { repository, auth } = this.ctx;
    const now = auth.clock.now();
    const record = await repository.liveChallenge(sha256(input.challenge), now);
    if (!record) throw twoFactorErrors.challengeInvalid();
    const user = await this.ctx.users.findById(record.userId);
    if (!user) throw twoFactorErrors.challengeInvalid();
    const attemptsKey = accountAttemptsKey(user.id);
    const wait = await auth.loginAttempts.blockedFor(attemptsKey);
    if (wait > 0) throw tooManyFailedLogins(wait);
    if (!(await this.methodsOf(user)).includes(input.method)) throw twoFactorErrors.notEnabled(input.method);

    const verdict = await this.check(user, record, input.method, input.code.trim(), now);
    if (verdict === 'replayed') throw twoFactorErrors.codeReplayed();
    if (verdict === 'wrong') {
      await auth.loginAttempts.recordFailure(attemptsKey);
      throw twoFactorErrors.invalidCode(await repository.failChallenge(record.id, CHALLENGE_MAX_ATTEMPTS, now));
    }
    if (!(await repository.consumeChallenge(record.id, now))) throw twoFactorErrors.challengeInvalid();
    await auth.loginAttempts.reset(attemptsKey);
    if (input.method === 'recovery') {
      const left = await repository.unusedRecoveryCodes(user.id);
      notify(this.ctx, user, 'A recovery code was used', `A recovery code was used to sign in; ${left} unused codes are left.`);
    }
    const result = await this.sessions.startSession(user, record.cookie, client);
    if (!input.trustDevice) return { result };
    const trustedDeviceToken = randomSecret();
    const trustedUntil = now + TRUSTED_DEVICE_TTL_MS;
    await repository.trustDevice({ userId: user.id, tokenHash: sha256(trustedDeviceToken), ...client, now, expiresAt: trustedUntil });
    return { result, trustedDeviceToken, trustedUntil };
  }

  private async check(
    user: User,
    record: { id: number; emailCodeHash: string | null; emailCodeExpiresAt: number | null },
    method: SecondFactorMethod,
    code: string,
    now: number,
  ): Promise<'ok' | 'wrong' | 'replayed'> {
    const { repository, keys } = this.ctx;
    switch (method) {
      case 'totp': {
        const totp = await repository.totp(user.id);
        const step = totp?.enabledAt ? authenticator.stepOf(unseal(keys.totpSecret, totp.sealedSecret), code, now) : undefined;
        if (step === undefined) return 'wrong';
        return (await repository.acceptTotpStep(user.id, step, now)) ? 'ok' : 'replayed';
      }
      case 'email': {
        const live = record.emailCodeHash !== null && record.emailCodeExpiresAt !== null && record.emailCodeExpiresAt > now;
        return live && /^[0-9]{6}$/.test(code) && record.emailCodeHash === this.emailCodeHash(record.id, code) ? 'ok' : 'wrong';
      }
      case 'recovery':
        return (await repository.useRecoveryCode(user.id, recoveryCodeHash(keys.code, user.id, code), now)) ? 'ok' : 'wrong';
    }
  }

  private async methodsOf(user: User): Promise<SecondFactorMethod[]> {
    const methods: SecondFactorMethod[] = user.secondFactors.filter((f): f is 'totp' | 'email' => f === 'totp' || f === 'email');
    if ((await this.ctx.repository.unusedRecoveryCodes(user.id)) > 0) methods.push('recovery');
    return methods;
  }

  private emailCodeHash(challengeId: number, code: string): string {
    return hmac(this.ctx.keys.code, `login:${challengeId}:${code}`);
  }
}
