import type { TrustedDeviceRecord } from '../../../store/two-factor-repository.js';
import { notFound } from '../../errors.js';
import { loginCodeMail } from '../../mail/templates.js';
import type { User } from '../../users/user.js';
import { confirmPassword } from '../password-confirmation.js';
import { hmac, randomDigits, randomSecret, seal, sha256, unseal } from '../secrets.js';
import { factorName, notify, type SecondFactor, type TwoFactorContext } from './context.js';
import { twoFactorErrors } from './errors.js';
import { RECOVERY_CODE_COUNT, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.js';
import { authenticator } from './totp.js';

const CONFIRM_CODE_TTL_MS = 10 * 60 * 1000;
const CONFIRM_CODE_ATTEMPTS = 5;

export interface TwoFactorStatus {
  enabled: boolean;
  totp: { enabled: boolean; pendingSetup: boolean };
  email: { enabled: boolean };
  recoveryCodesLeft: number;
}

/** A browser or app that passed the second factor and asked to be trusted. */
export type TrustedDevice = TrustedDeviceRecord;

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrCodePng: Buffer;
}

/** Turning second factors on and off, and recovery codes: what a signed-in user manages. */
export class TwoFactorSettings {
  constructor(private readonly ctx: TwoFactorContext) {}

  async status(userId: number): Promise<TwoFactorStatus> {
    const { repository } = this.ctx;
    // The factors come with the (cached) user, which every change to them invalidates.
    const [user, totp, recoveryCodesLeft] = await Promise.all([this.user(userId), repository.totp(userId), repository.unusedRecoveryCodes(userId)]);
    const factors = user.secondFactors;
    return {
      enabled: factors.length > 0,
      totp: { enabled: factors.includes('totp'), pendingSetup: totp !== undefined && totp.enabledAt === null },
      email: { enabled: factors.includes('email') },
      recoveryCodesLeft: factors.length > 0 ? recoveryCodesLeft : 0,
    };
  }

  /** A new authenticator secret waiting for its first code; a setup started earlier is replaced. */
  async setupTotp(userId: number, password: string | undefined): Promise<TotpSetup> {
    const user = await this.confirmedUser(userId, password);
    if (user.secondFactors.includes('totp')) throw twoFactorErrors.alreadyEnabled('authenticator app');
    const secret = authenticator.newSecret();
    const now = this.ctx.auth.clock.now();
    if (!(await this.ctx.repository.putPendingTotp(userId, seal(this.ctx.keys.totpSecret, secret), now))) {
      throw twoFactorErrors.alreadyEnabled('authenticator app');
    }
    return this.describeSetup(user, secret);
  }

  /** The QR code of the setup waiting for its first code. */
  async pendingQrCode(userId: number): Promise<Buffer> {
    const user = await this.user(userId);
    const totp = await this.ctx.repository.totp(userId);
    if (!totp || totp.enabledAt !== null) throw twoFactorErrors.setupMissing();
    return (await this.describeSetup(user, unseal(this.ctx.keys.totpSecret, totp.sealedSecret))).qrCodePng;
  }

  /** Turns the authenticator on with its first code; answers a fresh set of recovery codes, shown once. */
  async enableTotp(userId: number, code: string): Promise<string[]> {
    const { repository, auth } = this.ctx;
    const user = await this.user(userId);
    const totp = await repository.totp(userId);
    if (user.secondFactors.includes('totp') || totp?.enabledAt) throw twoFactorErrors.alreadyEnabled('authenticator app');
    if (!totp) throw twoFactorErrors.setupMissing();
    const now = auth.clock.now();
    const step = authenticator.stepOf(unseal(this.ctx.keys.totpSecret, totp.sealedSecret), code.trim(), now);
    if (step === undefined) throw twoFactorErrors.invalidCode();
    if (!(await repository.acceptTotpStep(userId, step, now))) throw twoFactorErrors.codeReplayed();
    await this.setFactors(user, [...user.secondFactors, 'totp'], now);
    const codes = await this.issueRecoveryCodes(userId);
    notify(this.ctx, user, 'Two-factor sign-in turned on', `An authenticator app was set up as a second factor for signing in; ${RECOVERY_CODE_COUNT} recovery codes were made.`);
    return codes;
  }

  /**
   * Turns e-mailed sign-in codes on (the address must be verified). Recovery codes come with the
   * first factor turned on; later ones keep the set the user already has.
   */
  async enableEmail(userId: number, password: string | undefined): Promise<string[] | undefined> {
    const user = await this.confirmedUser(userId, password);
    if (user.secondFactors.includes('email')) throw twoFactorErrors.alreadyEnabled('e-mailed code');
    if (user.emailVerifiedAt === null) throw twoFactorErrors.emailNotVerified();
    await this.setFactors(user, [...user.secondFactors, 'email'], this.ctx.auth.clock.now());
    const codes = user.secondFactors.length === 0 ? await this.issueRecoveryCodes(userId) : undefined;
    notify(this.ctx, user, 'Two-factor sign-in turned on', 'Sign-in now also asks for a code mailed to this address.');
    return codes;
  }

  /**
   * Mails a code that confirms turning a factor off, for an account whose only factor is its
   * mailbox (an authenticator or a recovery code does as well).
   */
  async sendConfirmationCode(userId: number): Promise<void> {
    const { auth, keys } = this.ctx;
    const user = await this.user(userId);
    if (!user.secondFactors.includes('email')) throw twoFactorErrors.notEnabled('e-mailed code');
    const code = randomDigits();
    const now = auth.clock.now();
    await auth.oneTimeTokens.issue({
      userId,
      purpose: 'confirm_second_factor',
      tokenHash: sha256(randomSecret()),
      codeHash: hmac(keys.code, `confirm:${userId}:${code}`),
      now,
      expiresAt: now + CONFIRM_CODE_TTL_MS,
    });
    auth.mail.enqueue({ to: user.email, ...loginCodeMail({ username: user.username, code, expiresInMinutes: CONFIRM_CODE_TTL_MS / 60_000 }) });
  }

  /**
   * Turns one factor off, or all of them when none is named. Needs the password and a code from a
   * factor that is on (authenticator, mailed confirmation code, or recovery code). With the last
   * factor go the recovery codes and the trusted devices.
   */
  async disable(userId: number, input: { password?: string; code: string; method?: SecondFactor }): Promise<TwoFactorStatus> {
    const user = await this.confirmedUser(userId, input.password);
    if (user.secondFactors.length === 0) throw twoFactorErrors.noneEnabled();
    if (input.method && !user.secondFactors.includes(input.method)) throw twoFactorErrors.notEnabled(factorName(input.method));
    await this.checkAnyCode(user, input.code);
    const now = this.ctx.auth.clock.now();
    const remaining = input.method ? user.secondFactors.filter((f) => f !== input.method) : [];
    const removed = user.secondFactors.filter((f) => !remaining.includes(f)) as SecondFactor[];
    await this.setFactors(user, remaining, now);
    if (removed.includes('totp')) await this.ctx.repository.deleteTotp(userId);
    if (remaining.length === 0) {
      await this.ctx.repository.replaceRecoveryCodes(userId, []);
      await this.ctx.repository.forgetTrustedDevices(userId);
    }
    const what = removed.map(factorName).join(' and ');
    notify(this.ctx, user, 'Two-factor sign-in turned off', remaining.length === 0 ? `Two-factor sign-in was turned off (${what}); a password alone now signs in.` : `The ${what} second factor was turned off.`);
    return this.status(userId);
  }

  /** A fresh set of recovery codes; the old ones stop working. */
  async regenerateRecoveryCodes(userId: number, password: string | undefined): Promise<string[]> {
    const user = await this.confirmedUser(userId, password);
    if (user.secondFactors.length === 0) throw twoFactorErrors.noneEnabled();
    const codes = await this.issueRecoveryCodes(userId);
    notify(this.ctx, user, 'New recovery codes', `A new set of ${RECOVERY_CODE_COUNT} recovery codes was made; the earlier codes no longer work.`);
    return codes;
  }

  /** The browsers and apps that skip the second factor, newest first. */
  trustedDevices(userId: number): Promise<TrustedDevice[]> {
    return this.ctx.repository.trustedDevices(userId, this.ctx.auth.clock.now());
  }

  async forgetTrustedDevice(userId: number, id: number): Promise<void> {
    if (!(await this.ctx.repository.forgetTrustedDevice(userId, id))) throw notFound('trusted_device_not_found', 'No such trusted device');
  }

  /** Every trusted device of the user (an eviction: sign out everywhere, a new password). */
  async forgetTrustedDevices(userId: number): Promise<void> {
    await this.ctx.repository.forgetTrustedDevices(userId);
  }

  private async checkAnyCode(user: User, code: string): Promise<void> {
    const { repository, auth, keys } = this.ctx;
    const now = auth.clock.now();
    const typed = code.trim();
    if (user.secondFactors.includes('totp') && /^[0-9]{6}$/.test(typed)) {
      const totp = await repository.totp(user.id);
      const step = totp && authenticator.stepOf(unseal(keys.totpSecret, totp.sealedSecret), typed, now);
      if (step !== undefined && step !== null) {
        if (!(await repository.acceptTotpStep(user.id, step, now))) throw twoFactorErrors.codeReplayed();
        return;
      }
    }
    if (user.secondFactors.includes('email') && /^[0-9]{6}$/.test(typed)) {
      const token = await auth.oneTimeTokens.findLiveForUser(user.id, 'confirm_second_factor', now);
      if (token && token.codeHash === hmac(keys.code, `confirm:${user.id}:${typed}`) && (await auth.oneTimeTokens.consume(token.id, now))) return;
      if (token) await auth.oneTimeTokens.recordFailedAttempt(token.id, CONFIRM_CODE_ATTEMPTS, now);
    }
    if (await repository.useRecoveryCode(user.id, recoveryCodeHash(keys.code, user.id, typed), now)) return;
    throw twoFactorErrors.invalidCode();
  }

  private async issueRecoveryCodes(userId: number): Promise<string[]> {
    const codes = newRecoveryCodes();
    await this.ctx.repository.replaceRecoveryCodes(userId, codes.map((code) => recoveryCodeHash(this.ctx.keys.code, userId, code)));
    return codes;
  }

  private async setFactors(user: User, factors: readonly string[], now: number): Promise<void> {
    await this.ctx.repository.setFactors(user.id, [...new Set(factors)], now);
    await this.ctx.users.invalidate(user.id);
  }

  private async describeSetup(user: User, secret: string): Promise<TotpSetup> {
    const otpauthUrl = authenticator.url(secret, this.ctx.issuer, user.username);
    return { secret, otpauthUrl, qrCodePng: await this.ctx.qrCodes.png(otpauthUrl) };
  }

  /** The user, after the password check when the account has one (an OAuth-made account has none). */
  private async confirmedUser(userId: number, password: string | undefined): Promise<User> {
    const user = await this.user(userId);
    if (user.hasPassword) await confirmPassword(this.ctx.auth, userId, password, 'password');
    return user;
  }

  private async user(userId: number): Promise<User> {
    const user = await this.ctx.users.findById(userId);
    if (!user) throw notFound('user_not_found', 'No such user');
    return user;
  }
}

/** Storage form of a recovery code: keyed and bound to its user, so a leaked table reveals nothing. */
export const recoveryCodeHash = (key: Buffer, userId: number, code: string) => hmac(key, `recovery:${userId}:${normalizeRecoveryCode(code)}`);
