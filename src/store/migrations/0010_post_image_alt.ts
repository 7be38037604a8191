import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  // A description of each post image for people who cannot see it (screen readers show it as the
  // image's alt text); empty when the author gave none.
  await db.schema.alterTable('post_images').addColumn('alt', 'text', (c) => c.notNull().defaultTo('')).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('post_images').dropColumn('alt').execute();
}
