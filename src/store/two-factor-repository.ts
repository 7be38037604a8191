import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface TotpCredential {
  sealedSecret: string;
  enabledAt: number | null;
  lastStep: number | null;
}

export interface LoginChallengeRecord {
  id: number;
  userId: number;
  cookie: boolean;
  userAgent: string | null;
  ip: string | null;
  attempts: number;
  emailCodeHash: string | null;
  emailCodeExpiresAt: number | null;
  expiresAt: number;
}

export interface TrustedDeviceRecord {
  id: number;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

const challengeColumns = [
  'id',
  'user_id as userId',
  'cookie',
  'user_agent as userAgent',
  'ip',
  'attempts',
  'email_code_hash as emailCodeHash',
  'email_code_expires_at as emailCodeExpiresAt',
  'expires_at as expiresAt',
] as const;

const deviceColumns = ['id', 'user_agent as userAgent', 'ip', 'created_at as createdAt', 'last_used_at as lastUsedAt', 'expires_at as expiresAt'] as const;

/** The second factors' tables: authenticator secrets, recovery codes, login challenges, trusted devices. */
export class TwoFactorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The factors a user has on, kept on the user row (the cached user reads the same column). */
  async setFactors(userId: number, factors: readonly string[], now: number): Promise<void> {
    await this.db.updateTable('users').set({ second_factors: factors.join(' '), updated_at: now }).where('id', '=', userId).execute();
  }

  totp(userId: number): Promise<TotpCredential | undefined> {
    return this.db
      .selectFrom('totp_credentials')
      .select(['sealed_secret as sealedSecret', 'enabled_at as enabledAt', 'last_step as lastStep'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  /** Starts (or restarts) a setup: a new secret, not yet enabled. Refused while one is enabled. */
  async putPendingTotp(userId: number, sealedSecret: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('totp_credentials').where('user_id', '=', userId).where('enabled_at', 'is', null).execute();
      const result = await tx
        .insertInto('totp_credentials')
        .values({ user_id: userId, sealed_secret: sealedSecret, created_at: now })
        .onConflict((oc) => oc.column('user_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    });
  }

  /**
   * Records that the code of time step `step` was accepted, enabling the credential if it was
   * pending. False when that step (or a later one) was already used: a code works once.
   */
  async acceptTotpStep(userId: number, step: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('totp_credentials')
      .set((eb) => ({ last_step: step, enabled_at: eb.fn.coalesce('enabled_at', eb.val(now)) }))
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteTotp(userId: number): Promise<void> {
    await this.db.deleteFrom('totp_credentials').where('user_id', '=', userId).execute();
  }

  /** Replaces every recovery code of the user. */
  async replaceRecoveryCodes(userId: number, codeHashes: readonly string[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (codeHashes.length > 0) {
        await tx
          .insertInto('recovery_codes')
          .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash })))
          .execute();
      }
    });
  }

  async unusedRecoveryCodes(userId: number): Promise<number> {
    const row = await this.db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Spends one unused recovery code; false when there is no such code (or it was just spent). */
  async useRecoveryCode(userId: number, codeHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) >= 1;
  }

  async createChallenge(challenge: { userId: number; tokenHash: string; cookie: boolean; userAgent: string | null; ip: string | null; now: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto('login_challenges')
      .values({
        user_id: challenge.userId,
        token_hash: challenge.tokenHash,
        cookie: challenge.cookie ? 1 : 0,
        user_agent: challenge.userAgent,
        ip: challenge.ip,
        created_at: challenge.now,
        expires_at: challenge.expiresAt,
      })
      .execute();
  }

  async liveChallenge(tokenHash: string, now: number): Promise<LoginChallengeRecord | undefined> {
    const row = await this.db
      .selectFrom('login_challenges')
      .select(challengeColumns)
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && { ...row, cookie: row.cookie === 1 };
  }

  async setChallengeEmailCode(id: number, codeHash: string, expiresAt: number): Promise<void> {
    await this.db.updateTable('login_challenges').set({ email_code_hash: codeHash, email_code_expires_at: expiresAt }).where('id', '=', id).execute();
  }

  /** Counts a wrong code; at `maxAttempts` the challenge is spent. Returns the attempts left. */
  async failChallenge(id: number, maxAttempts: number, now: number): Promise<number> {
    const row = await this.db
      .updateTable('login_challenges')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirst();
    const attempts = row?.attempts ?? maxAttempts;
    if (attempts >= maxAttempts) await this.db.updateTable('login_challenges').set({ used_at: now }).where('id', '=', id).execute();
    return Math.max(0, maxAttempts - attempts);
  }

  /** Spends the challenge; false when another request already did. */
  async consumeChallenge(id: number, now: number): Promise<boolean> {
    const result = await this.db.updateTable('login_challenges').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async trustDevice(device: { userId: number; tokenHash: string; userAgent: string | null; ip: string | null; now: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto('trusted_devices')
      .values({
        user_id: device.userId,
        token_hash: device.tokenHash,
        user_agent: device.userAgent,
        ip: device.ip,
        created_at: device.now,
        last_used_at: device.now,
        expires_at: device.expiresAt,
      })
      .execute();
  }

  /** Whether this token is a live trusted device of the user; marks it used. */
  async useTrustedDevice(userId: number, tokenHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('trusted_devices')
      .set({ last_used_at: now })
      .where('user_id', '=', userId)
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  trustedDevices(userId: number, now: number): Promise<TrustedDeviceRecord[]> {
    return this.db
      .selectFrom('trusted_devices')
      .select(deviceColumns)
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy('id', 'desc')
      .execute();
  }

  async forgetTrustedDevice(userId: number, id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('trusted_devices').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async forgetTrustedDevices(userId: number): Promise<number> {
    const result = await this.db.deleteFrom('trusted_devices').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
