import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The one-time codes a finished provider sign-in redirects with; each signs its user in once. */
export class OAuthExchangeCodesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async issue(code: { codeHash: string; userId: number; provider: string; now: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto('oauth_exchange_codes')
      .values({ code_hash: code.codeHash, user_id: code.userId, provider: code.provider, created_at: code.now, expires_at: code.expiresAt })
      .execute();
  }

  /** Uses the code up; undefined when it is unknown, used or expired. */
  async consume(codeHash: string, now: number): Promise<{ userId: number; provider: string } | undefined> {
    return this.db
      .updateTable('oauth_exchange_codes')
      .set({ used_at: now })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['user_id as userId', 'provider'])
      .executeTakeFirst();
  }
}
