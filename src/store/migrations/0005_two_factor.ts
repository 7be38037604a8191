import type { Kysely } from 'kysely';
import { engineOf } from '../database.js';
import { addId } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against the schema of their day
export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);

  // The second factors a user has turned on ('totp', 'email'), and the OAuth providers linked to the
  // account, as space-separated lists: columns of users, so the cached user record that every
  // request reads already says how the account signs in.
  await db.schema.alterTable('users').addColumn('second_factors', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('users').addColumn('linked_providers', 'text', (c) => c.notNull().defaultTo('')).execute();

  // An authenticator app's secret, sealed with a server key. A row without enabled_at is a setup
  // waiting for its first code. last_step is the newest time step accepted: a code is good once.
  await db.schema
    .createTable('totp_credentials')
    .addColumn('user_id', 'bigint', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('enabled_at', 'bigint')
    .addColumn('last_step', 'bigint')
    .execute();

  // Recovery codes, stored as HMACs; each works once.
  await addId(db.schema.createTable('recovery_codes'), engine)
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('recovery_codes_user_id').on('recovery_codes').column('user_id').execute();

  // A login waiting for its second factor: what the password (or provider) proved, for 5 minutes,
  // single use, dead after too many wrong codes. The e-mailed code, when one was sent, is an HMAC.
  await addId(db.schema.createTable('login_challenges'), engine)
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('cookie', 'integer', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('email_code_hash', 'text')
    .addColumn('email_code_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('login_challenges_expires_at').on('login_challenges').column('expires_at').execute();

  // A browser or app that passed the second factor and asked to be trusted: its login skips it.
  await addId(db.schema.createTable('trusted_devices'), engine)
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trusted_devices_user_id').on('trusted_devices').column('user_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['trusted_devices', 'login_challenges', 'recovery_codes', 'totp_credentials']) await db.schema.dropTable(table).execute();
  await db.schema.alterTable('users').dropColumn('linked_providers').execute();
  await db.schema.alterTable('users').dropColumn('second_factors').execute();
}
