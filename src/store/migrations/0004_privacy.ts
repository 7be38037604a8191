import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  // Who may add the user to a group: 'everyone' or 'friends'. A column of users, so it comes with
  // the cached user record that every authenticated request already reads.
  await db.schema
    .alterTable('users')
    .addColumn('group_adds', 'text', (c) => c.notNull().defaultTo('everyone'))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('group_adds').execute();
}
