import { sql, type Kysely } from 'kysely';
import type { Database, GroupAdds } from './schema.js';

export type { GroupAdds };

export interface UserRecord {
  id: number;
  username: string;
  email: string;
  emailVerifiedAt: number | null;
  /** Whether the account can sign in with a password. The hash is read only where it is checked (`loginCredentials`, `passwordHashOf`). */
  hasPassword: boolean;
  firstName: string;
  lastName: string;
  createdAt: number;
  updatedAt: number;
  lastSeenAt: number | null;
  bio: string;
  /** The storage key prefix of the uploaded avatar; null for the generated default. */
  avatarKey: string | null;
  /** A new address waiting for its confirmation link; the current one stays in force until then. */
  pendingEmail: string | null;
  /** Privacy: who may add the user to a group. */
  groupAdds: GroupAdds;
  /** The second factors turned on, in the order they were ('totp', 'email'). */
  secondFactors: string[];
  /** The OAuth providers linked to the account. */
  linkedProviders: string[];
}

export interface NewUser {
  username: string;
  usernameKey: string;
  email: string;
  /** null: an account made by a sign-in provider, with no password until one is set through a reset. */
  passwordHash: string | null;
  /** Set when the address is already proven (a provider vouched for it). */
  emailVerifiedAt?: number;
  firstName: string;
  lastName: string;
  now: number;
}

/** The credential that login checks: the password hash of the account a login name belongs to. */
export interface LoginCredentials {
  userId: number;
  passwordHash: string | null;
}

/** How login names an account: by its e-mail address or by its username key. */
export type LoginName = { email: string } | { usernameKey: string };

// An integer on both engines (SQLite has no booleans); `toUser` turns it into one.
const hasPasswordColumn = sql<number>`case when password_hash is null then 0 else 1 end`.as('hasPassword');

const columns = [
  'id',
  'username',
  'email',
  'email_verified_at as emailVerifiedAt',
  hasPasswordColumn,
  'first_name as firstName',
  'last_name as lastName',
  'created_at as createdAt',
  'updated_at as updatedAt',
  'last_seen_at as lastSeenAt',
  'bio',
  'avatar_key as avatarKey',
  'pending_email as pendingEmail',
  'group_adds as groupAdds',
  'second_factors as secondFactors',
  'linked_providers as linkedProviders',
] as const;

/** A space-separated list column as an array. */
const wordsOf = (value: string): string[] => (value === '' ? [] : value.split(' '));

type UserRow = Omit<UserRecord, 'hasPassword' | 'secondFactors' | 'linkedProviders'> & { hasPassword: number; secondFactors: string; linkedProviders: string };

const toUser = (row: UserRow): UserRecord => ({
  ...row,
  hasPassword: row.hasPassword === 1,
  secondFactors: wordsOf(row.secondFactors),
  linkedProviders: wordsOf(row.linkedProviders),
});

/** What a profile edit may change; absent fields stay as they are. */
export interface ProfileChanges {
  username?: { display: string; key: string };
  firstName?: string;
  lastName?: string;
  bio?: string;
  groupAdds?: GroupAdds;
}

/** The lower-cased form of a name that search compares against. */
export const nameKey = (name: string) => name.normalize('NFKC').toLowerCase();

export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws the engine's unique-violation error when the username or e-mail is taken. */
  async create(user: NewUser): Promise<UserRecord> {
    const row = await this.db
      .insertInto('users')
      .values({
        username: user.username,
        username_key: user.usernameKey,
        email: user.email,
        email_verified_at: user.emailVerifiedAt ?? null,
        password_hash: user.passwordHash,
        first_name: user.firstName,
        last_name: user.lastName,
        first_name_key: nameKey(user.firstName),
        last_name_key: nameKey(user.lastName),
        created_at: user.now,
        updated_at: user.now,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  async findById(id: number): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').select(columns).where('email', '=', email).executeTakeFirst();
    return row && toUser(row);
  }

  /** The account a login name belongs to, with its password hash: for login to check, nothing else. */
  async loginCredentials(name: LoginName): Promise<LoginCredentials | undefined> {
    const query = this.db.selectFrom('users').select(['id as userId', 'password_hash as passwordHash']);
    return ('email' in name ? query.where('email', '=', name.email) : query.where('username_key', '=', name.usernameKey)).executeTakeFirst();
  }

  /** The account's password hash, read past any cache for the checks that need it; null without a password or an account. */
  async passwordHashOf(id: number): Promise<string | null> {
    const row = await this.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
    return row?.password_hash ?? null;
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

  /** Throws the engine's unique-violation error when the new username is taken. */
  async updateProfile(id: number, changes: ProfileChanges, now: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        ...(changes.username ? { username: changes.username.display, username_key: changes.username.key } : {}),
        ...(changes.firstName !== undefined ? { first_name: changes.firstName, first_name_key: nameKey(changes.firstName) } : {}),
        ...(changes.lastName !== undefined ? { last_name: changes.lastName, last_name_key: nameKey(changes.lastName) } : {}),
        ...(changes.bio !== undefined ? { bio: changes.bio } : {}),
        ...(changes.groupAdds !== undefined ? { group_adds: changes.groupAdds } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Who may add each of these users to a group (on adds only, so read past the cache in one query). */
  async groupAddsOf(ids: readonly number[]): Promise<Map<number, GroupAdds>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('users').select(['id', 'group_adds']).where('id', 'in', [...ids]).execute();
    return new Map(rows.map((row) => [row.id, row.group_adds]));
  }

  async setPendingEmail(id: number, email: string | null, now: number): Promise<void> {
    await this.db.updateTable('users').set({ pending_email: email, updated_at: now }).where('id', '=', id).execute();
  }

  /**
   * Makes the pending address the account's own, as confirmed by its link. False when it is no
   * longer pending (changed again since). Throws the unique violation when the address was taken meanwhile.
   */
  async confirmPendingEmail(id: number, email: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ email, pending_email: null, email_verified_at: now, updated_at: now })
      .where('id', '=', id)
      .where('pending_email', '=', email)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }


  /**
   * Deletes the account. Its sessions, tokens, friendships, requests, blocks, reactions and chat
   * memberships go with it (cascades); its messages stay with no sender, its uploads with no owner.
   */
  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async touchLastSeen(id: number, now: number): Promise<void> {
    await this.db.updateTable('users').set({ last_seen_at: now }).where('id', '=', id).execute();
  }
}
