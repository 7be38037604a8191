import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface ApiTokenRecord {
  id: number;
  userId: number;
  name: string;
  tokenHint: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

const columns = [
  'id',
  'user_id as userId',
  'name',
  'token_hint as tokenHint',
  'created_at as createdAt',
  'last_used_at as lastUsedAt',
  'expires_at as expiresAt',
] as const;

export class ApiTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  create(token: { userId: number; name: string; tokenHash: string; tokenHint: string; now: number; expiresAt: number | null }): Promise<ApiTokenRecord> {
    return this.db
      .insertInto('api_tokens')
      .values({
        user_id: token.userId,
        name: token.name,
        token_hash: token.tokenHash,
        token_hint: token.tokenHint,
        created_at: token.now,
        expires_at: token.expiresAt,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
  }

  findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    return this.db.selectFrom('api_tokens').select(columns).where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  listForUser(userId: number): Promise<ApiTokenRecord[]> {
    return this.db.selectFrom('api_tokens').select(columns).where('user_id', '=', userId).orderBy('id', 'desc').execute();
  }

  /** Deletes every token of the user; returns their ids and hashes (to evict caches). */
  async deleteAllForUser(userId: number): Promise<Array<{ id: number; tokenHash: string }>> {
    return this.db.deleteFrom('api_tokens').where('user_id', '=', userId).returning(['id', 'token_hash as tokenHash']).execute();
  }

  /** Deletes one token of this user; returns its hash (to evict caches) or undefined when not theirs. */
  async delete(id: number, userId: number): Promise<string | undefined> {
    const row = await this.db
      .deleteFrom('api_tokens')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returning('token_hash')
      .executeTakeFirst();
    return row?.token_hash;
  }

  async touch(id: number, now: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}
