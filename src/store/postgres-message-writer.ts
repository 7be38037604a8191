import { sql, type Kysely, type Transaction } from 'kysely';
import { uniqueViolation } from './errors.js';
import { AttachmentsUnavailable, type MessageWriter, type NewMessage, type WriteResult } from './message-writer.js';
import type { Database } from './schema.js';

/**
 * Message inserts on PostgreSQL: one statement per send. The chat row's counter is incremented
 * first, which row-locks the chat and so serialises concurrent senders in it; the lock is held
 * only for that statement (or, with attachments, the short transaction around it).
 */
export class PostgresMessageWriter implements MessageWriter {
  constructor(private readonly db: Kysely<Database>) {}

  async write(message: NewMessage): Promise<WriteResult> {
    // A repeated clientId is caught by the unique index rather than looked up first: retries are
    // rare, sends are not.
    try {
      if (message.attachmentIds.length === 0) return await this.insert(this.db, message);
      return await this.db.transaction().execute(async (tx) => {
        const written = await this.insert(tx, message);
        if (written.status === 'created') await this.attach(tx, message, written.id);
        return written;
      });
    } catch (error) {
      if (error instanceof AttachmentsUnavailable) return { status: 'attachments_unavailable' };
      // A concurrent send with the same clientId won; the loser's send rolled back whole.
      if (message.clientId !== null && uniqueViolation(error)) {
        const existing = await this.db
          .selectFrom('messages')
          .select('id')
          .where('chat_id', '=', message.chatId)
          .where('sender_id', '=', message.senderId)
          .where('client_id', '=', message.clientId)
          .executeTakeFirst();
        if (existing) return { status: 'duplicate', id: existing.id };
      }
      throw error;
    }
  }

  /**
   * The counter, the insert and the sender's read marker (sending reads everything before one's
   * own message) as one statement of data-modifying CTEs: one round trip, atomic on its own.
   */
  private async insert(db: Kysely<Database> | Transaction<Database>, message: NewMessage): Promise<WriteResult> {
    const { rows } = await sql<{ id: number; seq: number }>`
      with counter as (
        update chats set last_seq = last_seq + 1, activity_at = ${message.now}
        where id = ${message.chatId}
        returning last_seq
      ), inserted as (
        insert into messages (chat_id, seq, sender_id, client_id, text, reply_to_id, created_at)
        select ${message.chatId}, last_seq, ${message.senderId}, ${message.clientId}, ${message.text}, ${message.replyToId}, ${message.now}
        from counter
        returning id, seq
      ), marker as (
        update chat_members set last_read_seq = (select seq from inserted)
        where chat_id = ${message.chatId} and user_id = ${message.senderId}
      )
      select id, seq from inserted`.execute(db);
    const row = rows[0];
    // No counter row: the chat is gone.
    if (!row) return { status: 'chat_gone' };
    return { status: 'created', id: Number(row.id), seq: Number(row.seq) };
  }

  /** Only the sender's own, not yet attached uploads; anything else undoes the send. */
  private async attach(tx: Transaction<Database>, message: NewMessage, messageId: number): Promise<void> {
    const attached = await tx
      .updateTable('uploads')
      .set({ message_id: messageId, chat_id: message.chatId })
      .where('id', 'in', message.attachmentIds)
      .where('owner_id', '=', message.senderId)
      .where('message_id', 'is', null)
      .executeTakeFirst();
    if (Number(attached.numUpdatedRows) !== message.attachmentIds.length) throw new AttachmentsUnavailable();
  }
}
