import type { Kysely } from 'kysely';
import type { Database, OneTimePurpose } from './schema.js';

export interface OneTimeTokenRecord {
  id: number;
  userId: number;
  codeHash: string | null;
  attempts: number;
  expiresAt: number;
}

const columns = ['id', 'user_id as userId', 'code_hash as codeHash', 'attempts', 'expires_at as expiresAt'] as const;

/** Single-use mailed secrets. A user has at most one live token per purpose: issuing replaces. */
export class OneTimeTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  issue(token: { userId: number; purpose: OneTimePurpose; tokenHash: string; codeHash: string | null; now: number; expiresAt: number }): Promise<void> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('one_time_tokens').where('user_id', '=', token.userId).where('purpose', '=', token.purpose).execute();
      await tx
        .insertInto('one_time_tokens')
        .values({
          user_id: token.userId,
          purpose: token.purpose,
          token_hash: token.tokenHash,
          code_hash: token.codeHash,
          created_at: token.now,
          expires_at: token.expiresAt,
        })
        .execute();
    });
  }

  findLiveByTokenHash(tokenHash: string, purpose: OneTimePurpose, now: number): Promise<OneTimeTokenRecord | undefined> {
    return this.db
      .selectFrom('one_time_tokens')
      .select(columns)
      .where('token_hash', '=', tokenHash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  findLiveForUser(userId: number, purpose: OneTimePurpose, now: number): Promise<OneTimeTokenRecord | undefined> {
    return this.db
      .selectFrom('one_time_tokens')
      .select(columns)
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  /** Counts a wrong code; the token is spent once `maxAttempts` is reached. Returns attempts left. */
  async recordFailedAttempt(id: number, maxAttempts: number, now: number): Promise<number> {
    const row = await this.db
      .updateTable('one_time_tokens')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .returning('attempts')
      .executeTakeFirst();
    const attempts = row?.attempts ?? maxAttempts;
    if (attempts >= maxAttempts) {
      await this.db.updateTable('one_time_tokens').set({ used_at: now }).where('id', '=', id).execute();
    }
    return Math.max(0, maxAttempts - attempts);
  }

  /** Marks the token used; false when it was already used (a concurrent request won). */
  async consume(id: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('one_time_tokens')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
