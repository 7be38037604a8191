import { sql, type Kysely } from 'kysely';
import { engineOf } from '../database.js';
import { addId } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);

  // One row: the last position handed out, and the highest one pruned. Taking positions is an
  // update of this row, so on PostgreSQL its lock orders appends by commit (postgres-sync-log-writer.ts).
  await db.schema
    .createTable('sync_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('head', 'bigint', (c) => c.notNull())
    .addColumn('pruned_through', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('sync_state').values({ id: 1, head: 0, pruned_through: 0 }).execute();

  // The sets of users events go to, each once: every message of a chat whose members do not change
  // shares one, so recording a message writes one row, not one per member.
  await addId(db.schema.createTable('sync_audiences'), engine)
    .addColumn('members_key', 'text', (c) => c.notNull().unique())
    .execute();
  let members = db.schema
    .createTable('sync_audience_members')
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('audience_id', 'bigint', (c) => c.notNull().references('sync_audiences.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('sync_audience_members_pkey', ['user_id', 'audience_id']);
  if (engine === 'sqlite') members = members.modifyEnd(sql`without rowid`);
  await members.execute();

  // Each recorded event once, as the domain event's JSON, with exactly the users its live frame went
  // to (so a removed member's events stop at the removal, and blocks hold as they do live).
  await db.schema
    .createTable('sync_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('audience_id', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sync_events_audience_id').on('sync_events').columns(['audience_id', 'id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sync_events', 'sync_audience_members', 'sync_audiences', 'sync_state']) await db.schema.dropTable(table).execute();
}
