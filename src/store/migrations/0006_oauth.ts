import type { Kysely } from 'kysely';
import { engineOf } from '../database.js';
import { addId } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);

  // An account at a sign-in provider, linked to one of ours: one per provider and account, and a
  // provider account belongs to one of ours at most. login and email are as the provider last said.
  await addId(db.schema.createTable('identities'), engine)
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('identities_provider_subject_key', ['provider', 'subject'])
    .addUniqueConstraint('identities_user_provider_key', ['user_id', 'provider'])
    .execute();

  // A sign-in sent to a provider and not yet back: single use, 10 minutes, bound to the browser that
  // started it by the hash of a cookie value. The PKCE verifier goes to the provider with the code;
  // link_user_id is set when a signed-in user links the provider instead of signing in.
  await addId(db.schema.createTable('oauth_states'), engine)
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('callback_url', 'text', (c) => c.notNull())
    .addColumn('redirect', 'text', (c) => c.notNull())
    .addColumn('link_user_id', 'bigint', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('oauth_states_expires_at').on('oauth_states').column('expires_at').execute();

  // What a finished provider sign-in hands the client in its redirect: a code, stored hashed, that
  // signs its user in once within a minute (POST /auth/oauth/exchange).
  await addId(db.schema.createTable('oauth_exchange_codes'), engine)
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('oauth_exchange_codes_expires_at').on('oauth_exchange_codes').column('expires_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['oauth_exchange_codes', 'oauth_states', 'identities']) await db.schema.dropTable(table).execute();
}
