import type { Kysely } from 'kysely';
import { uniqueViolation } from './errors.js';
import type { MessageWriter, NewMessage } from './message-writer.js';
import type { Database } from './schema.js';

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

export type InsertResult = { status: 'created' | 'duplicate'; message: MessageRecord } | { status: 'attachments_unavailable' } | { status: 'chat_gone' };

export type HistoryQuery = { before?: number; after?: number; offset?: number; limit: number };

export class MessagesRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: MessageWriter,
  ) {}

  private select() {
    return this.db
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
   * Stores a message with the chat's next seq (gapless, only growing). A repeated clientId stores
   * nothing and returns the first message instead.
   */
  async insert(message: NewMessage): Promise<InsertResult> {
    const written = await this.writer.write(message);
    if (written.status === 'created') return { status: 'created', message: this.record(message, written.id, written.seq) };
    if (written.status === 'duplicate') return { status: 'duplicate', message: (await this.find(message.chatId, written.id))! };
    return written;
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

  find(chatId: number, messageId: number): Promise<MessageRecord | undefined> {
    return this.select().where('messages.chat_id', '=', chatId).where('messages.id', '=', messageId).executeTakeFirst();
  }

  /** Newest first for `before` and `offset`, oldest first for `after`. */
  history(chatId: number, query: HistoryQuery): Promise<MessageRecord[]> {
    let q = this.select().where('messages.chat_id', '=', chatId);
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
    return this.select()
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
