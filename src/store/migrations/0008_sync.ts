import { sql, type Kysely } from 'kysely';
import { engineOf } from '../database.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);

  // One row: the last position handed out, and the highest one pruned. Taking positions is an
  // update of this row, so on PostgreSQL its lock orders appends by commit (sync-log-writer.ts).
  await db.schema
    .createTable('sync_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('head', 'bigint', (c) => c.notNull())
    .addColumn('pruned_through', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('sync_state').values({ id: 1, head: 0, pruned_through: 0 }).execute();

  // Each recorded event once, as the domain event's JSON; frames are rendered from it when read.
  await db.schema
    .createTable('sync_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // Who got it: exactly the recipients of the live frame, so a sync replays what the socket
  // would have shown (a removed member's events stop at the removal, blocks hold).
  let inbox = db.schema
    .createTable('sync_inbox')
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_inbox_pkey', ['user_id', 'event_id']);
  if (engine === 'sqlite') inbox = inbox.modifyEnd(sql`without rowid`);
  await inbox.execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sync_inbox', 'sync_events', 'sync_state']) await db.schema.dropTable(table).execute();
}
