import type { Kysely } from 'kysely';
import { engineOf } from '../database.js';
import { addId } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);

  // Counts live on the post, so a feed page is one indexed read. `rank_at` orders the popular feed
  // (posts-repository.ts): the creation time moved forward by engagement. It changes only when the
  // counts do, never with the clock, so it is indexed and paged by cursor like the other feeds.
  await addId(db.schema.createTable('posts'), engine)
    .addColumn('author_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rank_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('edited_at', 'bigint')
    .execute();
  await db.schema.createIndex('posts_author_id').on('posts').columns(['author_id', 'id']).execute();
  await db.schema.createIndex('posts_rank_at').on('posts').columns(['rank_at', 'id']).execute();

  // Images in their order; `blob_key` is the prefix of the display and thumbnail files.
  await addId(db.schema.createTable('post_images'), engine)
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('placeholder', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('post_images_post_id').on('post_images').columns(['post_id', 'position']).execute();

  await db.schema
    .createTable('post_likes')
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('post_likes_pkey', ['post_id', 'user_id'])
    .execute();
  await db.schema.createIndex('post_likes_user_id').on('post_likes').column('user_id').execute();

  await addId(db.schema.createTable('post_comments'), engine)
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('author_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('reply_to_id', 'bigint', (c) => c.references('post_comments.id').onDelete('set null'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('post_comments_post_id').on('post_comments').columns(['post_id', 'id']).execute();
  await db.schema.createIndex('post_comments_author_id').on('post_comments').column('author_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['post_comments', 'post_likes', 'post_images', 'posts']) await db.schema.dropTable(table).execute();
}
