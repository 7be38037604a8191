import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  // One row per user who changed a privacy setting; without a row, every setting has its default.
  await db.schema
    .createTable('privacy_settings')
    .addColumn('user_id', 'bigint', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // Who may add the user to a group: 'everyone' or 'friends'.
    .addColumn('group_adds', 'text', (c) => c.notNull().defaultTo('everyone'))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('privacy_settings').execute();
}
