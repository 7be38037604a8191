import { sql, type Kysely, type Transaction } from 'kysely';
import { uniqueViolation } from './errors.js';
import { AttachmentsUnavailable, type MessageWriter, type NewMessage, type WriteResult } from './message-writer.js';
import type { Database } from './schema.js';

interface Queued {
  message: NewMessage;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

/** Chats are spread over this many lanes; each lane writes one batch at a time. */
const LANES = 4;
/** The most messages one statement stores. */
const MAX_BATCH = 500;

/**
 * Message inserts on PostgreSQL, with group commit. Text sends queue in a lane chosen by chat;
 * a lane writes whatever has gathered while its previous statement ran as one statement (one
 * round trip, one commit, one lock of each chat row), so the busier the server the larger the
 * batches, and a lone send goes at once. Within a lane statements run one after another, so one
 * sender's messages keep their order; seqs are assigned inside the statement, under the chat
 * row's lock, so they stay gapless across nodes.
 *
 * Sends with attachments, and any send a batch could not settle (a clientId already stored, the
 * chat gone, a batch refused as a whole), take the one-by-one path, which answers each case.
 */
export class PostgresMessageWriter implements MessageWriter {
  private readonly lanes = Array.from({ length: LANES }, () => ({ queue: [] as Queued[], busy: false }));

  constructor(private readonly db: Kysely<Database>) {}

  write(message: NewMessage): Promise<WriteResult> {
    if (message.attachmentIds.length > 0) return this.writeOne(message);
    const lane = this.lanes[message.chatId % LANES]!;
    return new Promise((resolve, reject) => {
      lane.queue.push({ message, resolve, reject });
      if (!lane.busy) void this.drain(lane);
    });
  }

  private async drain(lane: { queue: Queued[]; busy: boolean }): Promise<void> {
    lane.busy = true;
    try {
      while (lane.queue.length > 0) await this.writeBatch(lane.queue.splice(0, MAX_BATCH));
    } finally {
      lane.busy = false;
    }
  }

  private async writeBatch(batch: Queued[]): Promise<void> {
    let written = new Map<number, { id: number; seq: number }>();
    try {
      if (batch.length > 1) written = await this.insertMany(batch.map((q) => q.message));
    } catch {
      // Refused whole (a clientId stored by another node in between, a deadlock between nodes):
      // nothing of it was stored, so each goes on its own, in order.
    }
    for (const [i, queued] of batch.entries()) {
      const row = written.get(i);
      if (row) queued.resolve({ status: 'created', ...row });
      else await this.writeOne(queued.message).then(queued.resolve, queued.reject);
    }
  }

  /**
   * Stores the batch's new messages in one statement: per chat, the counter moves by the number
   * of messages and each takes the next seq in arrival order. A clientId already stored, or
   * repeated within the batch, is left out (the one-by-one path answers it as a duplicate), as is
   * a chat that is gone. Answers, by position in the batch, what was stored.
   */
  private async insertMany(messages: NewMessage[]): Promise<Map<number, { id: number; seq: number }>> {
    const column = <T>(pick: (m: NewMessage) => T) => messages.map(pick);
    const { rows } = await sql<{ ord: string; id: string; seq: string }>`
      with input as (
        select * from unnest(
          ${column((m) => m.chatId)}::bigint[], ${column((m) => m.senderId)}::bigint[], ${column((m) => m.clientId)}::text[],
          ${column((m) => m.text)}::text[], ${column((m) => m.replyToId)}::bigint[], ${column((m) => m.now)}::bigint[]
        ) with ordinality as t(chat_id, sender_id, client_id, text, reply_to_id, created_at, ord)
      ), fresh as (
        select * from input i
        where i.client_id is null or (
          not exists (select 1 from messages m where m.chat_id = i.chat_id and m.sender_id = i.sender_id and m.client_id = i.client_id)
          and not exists (select 1 from input e where e.chat_id = i.chat_id and e.sender_id = i.sender_id and e.client_id = i.client_id and e.ord < i.ord)
        )
      ), per_chat as (
        select chat_id, count(*) as n, max(created_at) as at from fresh group by chat_id
      ), counter as (
        update chats set last_seq = chats.last_seq + per_chat.n, activity_at = per_chat.at
        from per_chat where chats.id = per_chat.chat_id
        returning chats.id as chat_id, chats.last_seq - per_chat.n as base
      ), numbered as (
        select f.*, c.base + row_number() over (partition by f.chat_id order by f.ord) as seq
        from fresh f join counter c on c.chat_id = f.chat_id
      ), inserted as (
        insert into messages (chat_id, seq, sender_id, client_id, text, reply_to_id, created_at)
        select chat_id, seq, sender_id, client_id, text, reply_to_id, created_at from numbered
        returning id, chat_id, seq
      ), marker as (
        update chat_members set last_read_seq = own.seq
        from (select chat_id, sender_id, max(seq) as seq from numbered group by chat_id, sender_id) own
        where chat_members.chat_id = own.chat_id and chat_members.user_id = own.sender_id
      )
      select n.ord, i.id, i.seq from inserted i join numbered n on n.chat_id = i.chat_id and n.seq = i.seq`.execute(this.db);
    return new Map(rows.map((r) => [Number(r.ord) - 1, { id: Number(r.id), seq: Number(r.seq) }]));
  }

  private async writeOne(message: NewMessage): Promise<WriteResult> {
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
   * One message: the counter, the insert and the sender's read marker (sending reads everything
   * before one's own message) as one statement of data-modifying CTEs: one round trip, atomic.
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
