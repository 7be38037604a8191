import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface UserRecord {
  id: number;
  username: string;
  email: string;
  emailVerifiedAt: number | null;
  passwordHash: string | null;
  firstName: string;
  lastName: string;
  createdAt: number;
  updatedAt: number;
  lastSeenAt: number | null;
}

export interface NewUser {
  username: string;
  usernameKey: string;
  email: string;
  passwordHash: string;
  firstName: string;
  lastName: string;
  now: number;
}

const columns = [
  'id',
  'username',
  'email',
  'email_verified_at as emailVerifiedAt',
  'password_hash as passwordHash',
  'first_name as firstName',
  'last_name as lastName',
  'created_at as createdAt',
  'updated_at as updatedAt',
  'last_seen_at as lastSeenAt',
] as const;

export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws the engine's unique-violation error when the username or e-mail is taken. */
  async create(user: NewUser): Promise<UserRecord> {
    return this.db
      .insertInto('users')
      .values({
        username: user.username,
        username_key: user.usernameKey,
        email: user.email,
        password_hash: user.passwordHash,
        first_name: user.firstName,
        last_name: user.lastName,
        created_at: user.now,
        updated_at: user.now,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
  }

  findById(id: number): Promise<UserRecord | undefined> {
    return this.db.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
  }

  findByUsernameKey(usernameKey: string): Promise<UserRecord | undefined> {
    return this.db.selectFrom('users').select(columns).where('username_key', '=', usernameKey).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRecord | undefined> {
    return this.db.selectFrom('users').select(columns).where('email', '=', email).executeTakeFirst();
  }

  async usernameKeyTaken(usernameKey: string): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('id').where('username_key', '=', usernameKey).executeTakeFirst();
    return row !== undefined;
  }

  async emailTaken(email: string): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    return row !== undefined;
  }

  async setPasswordHash(id: number, passwordHash: string, now: number): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
  }

  async markEmailVerified(id: number, now: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ email_verified_at: now, updated_at: now })
      .where('id', '=', id)
      .where('email_verified_at', 'is', null)
      .execute();
  }

  async touchLastSeen(id: number, now: number): Promise<void> {
    await this.db.updateTable('users').set({ last_seen_at: now }).where('id', '=', id).execute();
  }
}
