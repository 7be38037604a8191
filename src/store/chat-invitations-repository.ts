import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Direct chats someone started with a user who has not yet opened, accepted or declined them. */
export class ChatInvitationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(chatId: number, userId: number, now: number): Promise<void> {
    await this.db
      .insertInto('chat_invitations')
      .values({ chat_id: chatId, user_id: userId, created_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'chat_id']).doNothing())
      .execute();
  }

  /** The oldest pending invitation of the user, if any. */
  async oldest(userId: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('chat_invitations')
      .select('chat_id')
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('chat_id')
      .limit(1)
      .executeTakeFirst();
    return row && Number(row.chat_id);
  }

  /** Settles the invitation; false when there was none. */
  async remove(chatId: number, userId: number): Promise<boolean> {
    const result = await this.db.deleteFrom('chat_invitations').where('chat_id', '=', chatId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
