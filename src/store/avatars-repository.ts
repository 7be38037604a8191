import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What an avatar needs of its owner: the names for the default, and the current uploaded one. */
export interface AvatarOwner {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
  /** The key prefix of the uploaded avatar; null for the generated default. */
  avatarKey: string | null;
}

/** users.avatar_key, read and swapped. */
export class AvatarsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  findOwner(userId: number): Promise<AvatarOwner | undefined> {
    return this.db
      .selectFrom('users')
      .select(['id', 'username', 'first_name as firstName', 'last_name as lastName', 'avatar_key as avatarKey'])
      .where('id', '=', userId)
      .executeTakeFirst();
  }

  /** The key prefix of the uploaded avatar (null: the default); undefined when there is no such user. */
  async currentKey(userId: number): Promise<string | null | undefined> {
    const row = await this.db.selectFrom('users').select('avatar_key').where('id', '=', userId).executeTakeFirst();
    return row?.avatar_key;
  }

  /**
   * Sets the key only while it is still `expected`; false when another request changed it first.
   * The caller then knows exactly which old avatar it replaced, so it can delete that one's files.
   */
  async replaceKey(userId: number, expected: string | null, next: string | null, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ avatar_key: next, updated_at: now })
      .where('id', '=', userId)
      .where((eb) => (expected === null ? eb('avatar_key', 'is', null) : eb('avatar_key', '=', expected)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
