import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SyncEntry, SyncLogWriter } from './sync-log-writer.js';

type AppendBatch = (entries: readonly SyncEntry[], now: number) => number;

/** The sync log on SQLite: a batch is one transaction of synchronous prepared statements. */
export class SqliteSyncLogWriter implements SyncLogWriter {
  private appendBatch: AppendBatch | undefined;

  /** `file` is the connection under `db`, used only while holding Kysely's connection. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly file: SQLite.Database,
  ) {}

  async append(entries: readonly SyncEntry[], now: number, deliver: (first: number) => Promise<void>): Promise<void> {
    // Prepared on first use: the writer exists before the migrations have made the tables.
    this.appendBatch ??= prepareAppend(this.file);
    const append = this.appendBatch;
    const first = await this.db.connection().execute(async () => append(entries, now));
    await deliver(first);
  }
}

function prepareAppend(file: SQLite.Database): AppendBatch {
  const take = file.prepare<[number], { head: number }>('update sync_state set head = head + ? where id = 1 returning head');
  const insertEvent = file.prepare<[number, string, number]>('insert into sync_events (id, payload, created_at) values (?, ?, ?)');
  // A user named twice among the recipients gets the event once.
  const insertInbox = file.prepare<[number, number]>('insert or ignore into sync_inbox (user_id, event_id) values (?, ?)');
  return file.transaction((entries: readonly SyncEntry[], now: number) => {
    const first = take.get(entries.length)!.head - entries.length + 1;
    entries.forEach((entry, i) => {
      insertEvent.run(first + i, entry.payload, now);
      for (const userId of entry.to) insertInbox.run(userId, first + i);
    });
    return first;
  });
}
