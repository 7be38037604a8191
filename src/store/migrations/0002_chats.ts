import type { Kysely } from 'kysely';
import { engineOf } from '../database.js';
import { addId } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);

  await addId(db.schema.createTable('chats'), engine)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    // "<lower user id>:<higher user id>" for direct chats: at most one per pair, found by index.
    .addColumn('direct_key', 'text', (c) => c.unique())
    .addColumn('created_by', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // The seq of the newest message; the next message takes last_seq + 1 in its insert's transaction.
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    // Creation or newest message, whichever is later: "most recent activity first".
    .addColumn('activity_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('chat_members')
    .addColumn('chat_id', 'bigint', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addColumn('last_read_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('chat_members_pk', ['chat_id', 'user_id'])
    .execute();
  await db.schema.createIndex('chat_members_user_chat').on('chat_members').columns(['user_id', 'chat_id']).execute();

  await addId(db.schema.createTable('messages'), engine)
    .addColumn('chat_id', 'bigint', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('sender_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    // The sender's own id for the message, so a retried send stores nothing new.
    .addColumn('client_id', 'text')
    .addColumn('text', 'text')
    .addColumn('reply_to_id', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('edited_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addUniqueConstraint('messages_chat_seq', ['chat_id', 'seq'])
    .addUniqueConstraint('messages_chat_sender_client', ['chat_id', 'sender_id', 'client_id'])
    .execute();

  await db.schema
    .createTable('message_reactions')
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_reactions_pk', ['message_id', 'user_id', 'emoji'])
    .execute();

  // Files people uploaded. An upload is attached to at most one message; until then only its
  // uploader may read it, afterwards the members of that message's chat.
  await addId(db.schema.createTable('uploads'), engine)
    .addColumn('owner_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('storage_key', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('thumbnail_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'bigint', (c) => c.references('messages.id').onDelete('set null'))
    .addColumn('chat_id', 'bigint', (c) => c.references('chats.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('uploads_message_id').on('uploads').column('message_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['uploads', 'message_reactions', 'messages', 'chat_members', 'chats']) {
    await db.schema.dropTable(table).execute();
  }
}
