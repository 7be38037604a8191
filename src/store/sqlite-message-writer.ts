import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { AttachmentsUnavailable, type MessageWriter, type NewMessage, type WriteResult } from './message-writer.js';
import type { Database } from './schema.js';

interface Pending {
  message: NewMessage;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

type WriteBatch = (messages: NewMessage[]) => Array<WriteResult | { error: unknown }>;

/**
 * Message inserts on SQLite, batched: the sends that arrive while one batch is being written go
 * into the next, and each batch is one transaction (one commit, the expensive part) of
 * synchronous prepared statements. Each message is a savepoint of its own, so one failing send
 * does not undo the others. SQLite has one writer, so nothing is lost by batching; the seq stays
 * gapless because the chat's counter and the insert share the savepoint.
 */
export class SqliteMessageWriter implements MessageWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private writeBatch: WriteBatch | undefined;

  /**
   * `file` is the connection under `db`; it is used only while holding Kysely's connection, so no
   * other query interleaves with a batch.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly file: SQLite.Database,
  ) {}

  write(message: NewMessage): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      const results = await this.db.connection().execute(async () => this.prepared()(batch.map((p) => p.message)));
      batch.forEach((pending, i) => {
        const result = results[i]!;
        if ('error' in result) pending.reject(result.error);
        else pending.resolve(result);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.scheduled = false;
      if (this.queue.length > 0) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    }
  }

  /** Prepared on the first send: the writer exists before the migrations have made the tables. */
  private prepared(): WriteBatch {
    this.writeBatch ??= prepareBatch(this.file);
    return this.writeBatch;
  }
}

function prepareBatch(file: SQLite.Database): WriteBatch {
  const findByClientId = file.prepare<[number, number, string], { id: number }>('select id from messages where chat_id = ? and sender_id = ? and client_id = ?');
  const nextSeq = file.prepare<[number, number], { last_seq: number }>('update chats set last_seq = last_seq + 1, activity_at = ? where id = ? returning last_seq');
  const insert = file.prepare<[number, number, number, string | null, string | null, number | null, number], { id: number }>(
    'insert into messages (chat_id, seq, sender_id, client_id, text, reply_to_id, created_at) values (?, ?, ?, ?, ?, ?, ?) returning id',
  );
  const attach = file.prepare<[number, number, number, number]>('update uploads set message_id = ?, chat_id = ? where id = ? and owner_id = ? and message_id is null');
  // Sending reads everything before one's own message.
  const markRead = file.prepare<[number, number, number]>('update chat_members set last_read_seq = ? where chat_id = ? and user_id = ?');

  // Nested in the batch's transaction, better-sqlite3 runs this as a savepoint.
  const writeOne = file.transaction((m: NewMessage): WriteResult => {
    // One writer: nothing can slip in between this look-up and the insert.
    if (m.clientId !== null) {
      const existing = findByClientId.get(m.chatId, m.senderId, m.clientId);
      if (existing) return { status: 'duplicate', id: existing.id };
    }
    const counter = nextSeq.get(m.now, m.chatId);
    if (!counter) return { status: 'chat_gone' };
    const seq = counter.last_seq;
    const { id } = insert.get(m.chatId, seq, m.senderId, m.clientId, m.text, m.replyToId, m.now)!;
    // Only the sender's own, not yet attached uploads; anything else undoes the send.
    for (const uploadId of m.attachmentIds) {
      if (attach.run(id, m.chatId, uploadId, m.senderId).changes !== 1) throw new AttachmentsUnavailable();
    }
    markRead.run(seq, m.chatId, m.senderId);
    return { status: 'created', id, seq };
  });
  return file.transaction((messages: NewMessage[]) =>
    messages.map((m) => {
      try {
        return writeOne(m);
      } catch (error) {
        if (error instanceof AttachmentsUnavailable) return { status: 'attachments_unavailable' as const };
        return { error };
      }
    }),
  );
}
