import type { Kysely } from 'kysely';
import type { Database, GroupAdds } from './schema.js';

export type { GroupAdds };

/** What a user lets others do with them. */
export interface PrivacySettings {
  groupAdds: GroupAdds;
}

export const defaultPrivacy: Readonly<PrivacySettings> = { groupAdds: 'everyone' };

/** Privacy settings; a user without a row has the defaults. */
export class PrivacyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async of(userId: number): Promise<PrivacySettings> {
    return (await this.ofEach([userId])).get(userId)!;
  }

  /** The settings of each of these users, defaults included. */
  async ofEach(userIds: number[]): Promise<Map<number, PrivacySettings>> {
    const result = new Map<number, PrivacySettings>(userIds.map((id) => [id, { ...defaultPrivacy }]));
    if (userIds.length === 0) return result;
    const rows = await this.db.selectFrom('privacy_settings').select(['user_id', 'group_adds']).where('user_id', 'in', userIds).execute();
    for (const row of rows) result.set(row.user_id, { groupAdds: row.group_adds });
    return result;
  }

  async update(userId: number, changes: Partial<PrivacySettings>): Promise<void> {
    if (changes.groupAdds === undefined) return;
    await this.db
      .insertInto('privacy_settings')
      .values({ user_id: userId, group_adds: changes.groupAdds })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ group_adds: changes.groupAdds }))
      .execute();
  }
}
