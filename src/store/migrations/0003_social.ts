import { sql, type Kysely } from 'kysely';
import { engineOf } from '../database.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('bio', 'text', (c) => c.notNull().defaultTo('')).execute();
  // The storage key prefix of the current avatar; a new avatar gets a new prefix, so its URLs
  // change and can be cached for a year. Null: the generated default.
  await db.schema.alterTable('users').addColumn('avatar_key', 'text').execute();
  // An address waiting for confirmation; the old one stays in force until then.
  await db.schema.alterTable('users').addColumn('pending_email', 'text').execute();
  // Lower-cased names for prefix search through an index.
  await db.schema.alterTable('users').addColumn('first_name_key', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('users').addColumn('last_name_key', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.updateTable('users').set((eb) => ({ first_name_key: eb.fn('lower', ['first_name']), last_name_key: eb.fn('lower', ['last_name']) })).execute();
  // Prefix search compares keys in code-point order: PostgreSQL needs the "C" collation for that
  // (the database's own collation may sort otherwise), and its username index is rebuilt with it.
  const postgres = engineOf(db) === 'postgres';
  const binary = (column: string) => (postgres ? sql`${sql.ref(column)} collate "C"` : sql.ref(column));
  for (const column of ['first_name_key', 'last_name_key', 'username_key']) {
    await db.schema.createIndex(`users_${column}_search`).on('users').expression(sql`${binary(column)}, id`).execute();
  }

  // Deleting an account deletes its row: these foreign keys then set null or cascade, and need an
  // index each so that does not scan the table.
  await db.schema.createIndex('messages_sender_id').on('messages').column('sender_id').execute();
  await db.schema.createIndex('message_reactions_user_id').on('message_reactions').column('user_id').execute();
  await db.schema.createIndex('uploads_owner_id').on('uploads').column('owner_id').execute();
  await db.schema.createIndex('chats_created_by').on('chats').column('created_by').execute();

  // One row per direction: listing a user's friends reads one index range.
  await db.schema
    .createTable('friendships')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('friend_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('friendships_pk', ['user_id', 'friend_id'])
    .execute();

  await db.schema
    .createTable('friend_requests')
    .addColumn('from_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('to_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('friend_requests_pk', ['from_id', 'to_id'])
    .execute();
  await db.schema.createIndex('friend_requests_to').on('friend_requests').columns(['to_id', 'from_id']).execute();

  await db.schema
    .createTable('blocks')
    .addColumn('blocker_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('blocked_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('blocks_pk', ['blocker_id', 'blocked_id'])
    .execute();
  await db.schema.createIndex('blocks_blocked').on('blocks').columns(['blocked_id', 'blocker_id']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['blocks', 'friend_requests', 'friendships']) await db.schema.dropTable(table).execute();
  for (const index of ['messages_sender_id', 'message_reactions_user_id', 'uploads_owner_id', 'chats_created_by']) await db.schema.dropIndex(index).execute();
  for (const column of ['first_name_key', 'last_name_key', 'username_key']) await db.schema.dropIndex(`users_${column}_search`).execute();
  for (const column of ['last_name_key', 'first_name_key', 'pending_email', 'avatar_key', 'bio']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
}
