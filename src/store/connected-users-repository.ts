import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Who said they are connected (older clients' `is_connected`), until they log out or say otherwise. */
export class ConnectedUsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async mark(userId: number, now: number): Promise<void> {
    await this.db
      .insertInto('connected_users')
      .values({ user_id: userId, since: now })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
  }

  async clear(userId: number): Promise<void> {
    await this.db.deleteFrom('connected_users').where('user_id', '=', userId).execute();
  }

  /** Those of `userIds` marked connected. */
  async among(userIds: readonly number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('connected_users').select('user_id').where('user_id', 'in', [...new Set(userIds)]).execute();
    return new Set(rows.map((r) => Number(r.user_id)));
  }
}
