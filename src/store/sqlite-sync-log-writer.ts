import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { audienceCache, audienceKey, type SyncEntry, type SyncLogWriter } from './sync-log-writer.js';

type AppendBatch = (entries: readonly SyncEntry[], now: number) => number;

/** Rows per insert statement: one statement of many rows costs much less than as many statements. */
const ROWS_PER_STATEMENT = 64;

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
  const findAudience = file.prepare<[string], { id: number }>('select id from sync_audiences where members_key = ?');
  const insertAudience = file.prepare<[string], { id: number }>('insert into sync_audiences (members_key) values (?) returning id');
  const insertMember = file.prepare<[number, number]>('insert into sync_audience_members (user_id, audience_id) values (?, ?)');
  const insertEvents = multiRowInsert(file, 'insert into sync_events (id, audience_id, payload, created_at)', 4);
  const audiences = audienceCache();
  // Audiences met in the transaction: cached only once it commits, so a rolled-back id is never reused.
  let met = new Map<string, number>();

  const audienceOf = (to: readonly number[]): number => {
    const key = audienceKey(to);
    let id = audiences.get(key) ?? met.get(key) ?? findAudience.get(key)?.id;
    if (id === undefined) {
      id = insertAudience.get(key)!.id;
      for (const userId of key.split(',')) insertMember.run(Number(userId), id);
    }
    met.set(key, id);
    return id;
  };
  const appendInTransaction = file.transaction((entries: readonly SyncEntry[], now: number) => {
    const first = take.get(entries.length)!.head - entries.length + 1;
    const rows: unknown[] = [];
    entries.forEach((entry, i) => rows.push(first + i, audienceOf(entry.to), entry.payload, now));
    insertEvents(rows);
    return first;
  });
  return (entries, now) => {
    met = new Map();
    const first = appendInTransaction(entries, now);
    for (const [key, id] of met) audiences.set(key, id);
    return first;
  };
}

/** `insert … values (…), (…)` for every count of rows up to ROWS_PER_STATEMENT, prepared on first use. */
function multiRowInsert(file: SQLite.Database, head: string, columns: number) {
  const statements = new Map<number, SQLite.Statement>();
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return (values: unknown[]) => {
    for (let start = 0; start < values.length; start += ROWS_PER_STATEMENT * columns) {
      const chunk = values.slice(start, start + ROWS_PER_STATEMENT * columns);
      const rows = chunk.length / columns;
      let statement = statements.get(rows);
      if (!statement) {
        statement = file.prepare(`${head} values ${Array.from({ length: rows }, () => row).join(', ')}`);
        statements.set(rows, statement);
      }
      statement.run(chunk);
    }
  };
}
