import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  // Who said they are connected (a login or "connect" of the older clients), until they log out or
  // say they are not; open sockets count as connected without a row.
  await db.schema
    .createTable('connected_users')
    .addColumn('user_id', 'bigint', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('since', 'bigint', (c) => c.notNull())
    .execute();

  // A direct chat someone started with a user who has not yet opened, accepted or declined it.
  await db.schema
    .createTable('chat_invitations')
    .addColumn('chat_id', 'bigint', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_invitations_pkey', ['user_id', 'chat_id'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('chat_invitations').execute();
  await db.schema.dropTable('connected_users').execute();
}
