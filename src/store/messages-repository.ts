import type SQLite from 'better-sqlite3';
import { sql, type Kysely, type Transaction } from 'kysely';
import { uniqueViolation } from './errors.js';
import type { Database } from './schema.js';
import { SqliteMessageWriter } from './sqlite-message-writer.js';

export interface MessageRecord {
  id: number;
  chatId: number;
  seq: number;
  senderId: number | null;
  senderUsername: string | null;
  clientId: string | null;
  text: string | null;
  replyToId: number | null;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
}

export interface ReactionSummary {
  messageId: number;
  emoji: string;
  count: number;
  /** Whether the viewer is among those who reacted. */
  me: boolean;
}

export interface NewMessage {
  chatId: number;
  senderId: number;
  /** Shown with the message; the caller knows it already, so the insert need not read it back. */
  senderUsername: string;
  text: string | null;
  replyToId: number | null;
  clientId: string | null;
  attachmentIds: number[];
  now: number;
}

export type InsertResult = { status: 'created' | 'duplicate'; message: MessageRecord } | { status: 'attachments_unavailable' } | { status: 'chat_gone' };

export type HistoryQuery = { before?: number; after?: number; offset?: number; limit: number };

export class MessagesRepository {
  private readonly sqliteWriter: SqliteMessageWriter | undefined;

  /** With the SQLite connection, inserts go through the batching writer. */
  constructor(
    private readonly db: Kysely<Database>,
    sqlite?: SQLite.Database,
  ) {
    this.sqliteWriter = sqlite ? new SqliteMessageWriter(db, sqlite) : undefined;
  }

  private select(db: Kysely<Database> | Transaction<Database>) {
    return db
      .selectFrom('messages')
      .leftJoin('users', 'users.id', 'messages.sender_id')
      .select([
        'messages.id as id',
        'messages.chat_id as chatId',
        'messages.seq as seq',
        'messages.sender_id as senderId',
        'users.username as senderUsername',
        'messages.client_id as clientId',
        'messages.text as text',
        'messages.reply_to_id as replyToId',
        'messages.created_at as createdAt',
        'messages.edited_at as editedAt',
        'messages.deleted_at as deletedAt',
      ]);
  }

  /**
   * Stores a message with the chat's next seq, in one transaction: the chat row's counter is
   * incremented first, which serialises concurrent senders in one chat (a row lock on
   * PostgreSQL, the single writer on SQLite), so seqs have no gaps and only grow. A repeated
   * clientId returns the first message instead.
   */
  async insert(message: NewMessage): Promise<InsertResult> {
    if (this.sqliteWriter) {
      const written = await this.sqliteWriter.write(message);
      if (written.status === 'attachments_unavailable' || written.status === 'chat_gone') return written;
      if (written.status === 'duplicate') return { status: 'duplicate', message: (await this.find(message.chatId, written.id))! };
      return { status: 'created', message: this.record(message, written.id, written.seq) };
    }
    // A repeated clientId is caught by the unique index rather than looked up first: retries are
    // rare, sends are not.
    try {
      if (message.attachmentIds.length === 0) return await this.insertInOneStatement(message);
      return await this.db.transaction().execute(async (tx): Promise<InsertResult> => {
        const counter = await tx
          .updateTable('chats')
          .set((eb) => ({ last_seq: eb('last_seq', '+', 1), activity_at: message.now }))
          .where('id', '=', message.chatId)
          .returning('last_seq')
          .executeTakeFirst();
        // Deleted since the caller checked membership.
        if (!counter) return { status: 'chat_gone' };
        const seq = counter.last_seq;
        const { id } = await tx
          .insertInto('messages')
          .values({
            chat_id: message.chatId,
            seq,
            sender_id: message.senderId,
            client_id: message.clientId,
            text: message.text,
            reply_to_id: message.replyToId,
            created_at: message.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (message.attachmentIds.length > 0) {
          // Only the uploader's own, not yet attached uploads; anything else undoes the send.
          const attached = await tx
            .updateTable('uploads')
            .set({ message_id: id, chat_id: message.chatId })
            .where('id', 'in', message.attachmentIds)
            .where('owner_id', '=', message.senderId)
            .where('message_id', 'is', null)
            .executeTakeFirst();
          if (Number(attached.numUpdatedRows) !== message.attachmentIds.length) throw new AttachmentsUnavailable();
        }
        // Sending reads everything before one's own message.
        await tx
          .updateTable('chat_members')
          .set({ last_read_seq: seq })
          .where('chat_id', '=', message.chatId)
          .where('user_id', '=', message.senderId)
          .execute();
        return { status: 'created', message: this.record(message, id, seq) };
      });
    } catch (error) {
      if (error instanceof AttachmentsUnavailable) return { status: 'attachments_unavailable' };
      // A concurrent send with the same clientId won; the loser's transaction rolled back whole.
      if (message.clientId !== null && uniqueViolation(error)) {
        const existing = await this.findByClientId(message.chatId, message.senderId, message.clientId);
        if (existing) return { status: 'duplicate', message: existing };
      }
      throw error;
    }
  }

  /**
   * PostgreSQL, no attachments: the counter, the insert and the sender's read marker as one
   * statement (data-modifying CTEs). One round trip, atomic on its own, and the chat row's lock is
   * held only for that statement, so senders into one chat queue for the shortest time.
   */
  private async insertInOneStatement(message: NewMessage): Promise<InsertResult> {
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
      select id, seq from inserted`.execute(this.db);
    const row = rows[0];
    // No counter row: the chat was deleted since the caller checked membership.
    if (!row) return { status: 'chat_gone' };
    return { status: 'created', message: this.record(message, Number(row.id), Number(row.seq)) };
  }

  private record(message: NewMessage, id: number, seq: number): MessageRecord {
    return {
      id,
      chatId: message.chatId,
      seq,
      senderId: message.senderId,
      senderUsername: message.senderUsername,
      clientId: message.clientId,
      text: message.text,
      replyToId: message.replyToId,
      createdAt: message.now,
      editedAt: null,
      deletedAt: null,
    };
  }

  findByClientId(chatId: number, senderId: number, clientId: string): Promise<MessageRecord | undefined> {
    return this.select(this.db)
      .where('messages.chat_id', '=', chatId)
      .where('messages.sender_id', '=', senderId)
      .where('messages.client_id', '=', clientId)
      .executeTakeFirst();
  }

  find(chatId: number, messageId: number): Promise<MessageRecord | undefined> {
    return this.select(this.db).where('messages.chat_id', '=', chatId).where('messages.id', '=', messageId).executeTakeFirst();
  }

  /** Newest first for `before` and `offset`, oldest first for `after`. */
  history(chatId: number, query: HistoryQuery): Promise<MessageRecord[]> {
    let q = this.select(this.db).where('messages.chat_id', '=', chatId);
    if (query.after !== undefined) {
      return q.where('messages.seq', '>', query.after).orderBy('messages.seq', 'asc').limit(query.limit).execute();
    }
    if (query.before !== undefined) q = q.where('messages.seq', '<', query.before);
    q = q.orderBy('messages.seq', 'desc').limit(query.limit);
    if (query.offset) q = q.offset(query.offset);
    return q.execute();
  }

  /** The newest message of each chat. */
  async latest(chatIds: number[]): Promise<MessageRecord[]> {
    if (chatIds.length === 0) return [];
    return this.select(this.db)
      .innerJoin('chats', (join) => join.onRef('chats.id', '=', 'messages.chat_id').onRef('chats.last_seq', '=', 'messages.seq'))
      .where('messages.chat_id', 'in', chatIds)
      .execute();
  }

  async edit(messageId: number, text: string, now: number): Promise<void> {
    await this.db.updateTable('messages').set({ text, edited_at: now }).where('id', '=', messageId).where('deleted_at', 'is', null).execute();
  }

  /** Leaves a tombstone: the row keeps its seq, loses its text, reactions and attachments. */
  async softDelete(messageId: number, now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('messages').set({ text: null, deleted_at: now }).where('id', '=', messageId).execute();
      await tx.deleteFrom('message_reactions').where('message_id', '=', messageId).execute();
      await tx.updateTable('uploads').set({ message_id: null }).where('message_id', '=', messageId).execute();
    });
  }

  /** Adds or removes one reaction; returns how many people now react with that emoji. */
  async setReaction(messageId: number, userId: number, emoji: string, on: boolean, now: number): Promise<number> {
    if (on) {
      try {
        await this.db.insertInto('message_reactions').values({ message_id: messageId, user_id: userId, emoji, created_at: now }).execute();
      } catch (error) {
        if (!uniqueViolation(error)) throw error;
      }
    } else {
      await this.db.deleteFrom('message_reactions').where('message_id', '=', messageId).where('user_id', '=', userId).where('emoji', '=', emoji).execute();
    }
    const row = await this.db
      .selectFrom('message_reactions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('message_id', '=', messageId)
      .where('emoji', '=', emoji)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async attachments(messageIds: number[]): Promise<AttachmentRecord[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('uploads')
      .select([
        'message_id as messageId',
        'id',
        'name',
        'size',
        'content_type as contentType',
        'width',
        'height',
        'storage_key as storageKey',
        'thumbnail_key as thumbnailKey',
      ])
      .where('message_id', 'in', messageIds)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ ...r, messageId: r.messageId as number }));
  }

  /** Reactions per message and emoji, in the order each emoji was first used. */
  async reactions(messageIds: number[], viewerId: number): Promise<ReactionSummary[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('message_reactions')
      .select(['message_id', 'emoji', 'user_id', 'created_at'])
      .where('message_id', 'in', messageIds)
      .orderBy('created_at')
      .execute();
    const summaries = new Map<string, ReactionSummary>();
    for (const row of rows) {
      const key = `${row.message_id}\u0000${row.emoji}`;
      const summary = summaries.get(key) ?? { messageId: row.message_id, emoji: row.emoji, count: 0, me: false };
      summary.count += 1;
      summary.me ||= row.user_id === viewerId;
      summaries.set(key, summary);
    }
    return [...summaries.values()];
  }
}

export interface AttachmentRecord {
  messageId: number;
  id: number;
  name: string;
  size: number;
  contentType: string;
  width: number | null;
  height: number | null;
  storageKey: string;
  thumbnailKey: string | null;
}

class AttachmentsUnavailable extends Error {}
