import type { Kysely, Transaction } from 'kysely';
import type { CachedUsersRepository } from './cached-users-repository.js';
import { uniqueViolation } from './errors.js';
import type { Database } from './schema.js';

/** An account at a sign-in provider, linked to one of ours. */
export interface IdentityRecord {
  id: number;
  userId: number;
  provider: string;
  subject: string;
  login: string;
  email: string | null;
  createdAt: number;
}

export interface NewIdentity {
  userId: number;
  provider: string;
  subject: string;
  login: string;
  email: string | null;
  now: number;
}

/** Why a link was refused: the provider account is another user's, or this user has that provider already. */
export type LinkConflict = 'subject_taken' | 'provider_linked';

export type UnlinkResult = 'unlinked' | 'not_found' | 'last_way_in';

const columns = ['id', 'user_id as userId', 'provider', 'subject', 'login', 'email', 'created_at as createdAt'] as const;

/**
 * Linked provider accounts. Every change also rewrites `users.linked_providers` in the same
 * transaction, so the user record (and `/users/me`'s sign-in methods) always agrees with this
 * table, and then drops the cached user on every node.
 */
export class IdentitiesRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly users: Pick<CachedUsersRepository, 'invalidate'>,
  ) {}

  async findBySubject(provider: string, subject: string): Promise<IdentityRecord | undefined> {
    return this.db.selectFrom('identities').select(columns).where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
  }

  async listForUser(userId: number): Promise<IdentityRecord[]> {
    return this.db.selectFrom('identities').select(columns).where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  }

  async link(identity: NewIdentity): Promise<{ linked: IdentityRecord } | { conflict: LinkConflict }> {
    let linked: IdentityRecord;
    try {
      linked = await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('identities')
          .values({
            user_id: identity.userId,
            provider: identity.provider,
            subject: identity.subject,
            login: identity.login,
            email: identity.email,
            created_at: identity.now,
          })
          .returning(columns)
          .executeTakeFirstOrThrow();
        await syncLinkedProviders(tx, identity.userId);
        return row;
      });
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint === undefined) throw error;
      return { conflict: constraint.includes('subject') ? 'subject_taken' : 'provider_linked' };
    }
    await this.users.invalidate(identity.userId);
    return { linked };
  }

  /** Keeps what the provider last said about its account (its login and address may change there). */
  async refresh(id: number, profile: { login: string; email: string | null }): Promise<void> {
    await this.db.updateTable('identities').set({ login: profile.login, email: profile.email }).where('id', '=', id).execute();
  }

  /**
   * Removes a linked identity unless it is the account's last way in (no password, no other
   * identity). The user row is written first, so concurrent unlinks of one account take turns
   * and cannot both remove "the other one".
   */
  async unlink(userId: number, id: number): Promise<UnlinkResult> {
    const result = await this.db.transaction().execute(async (tx): Promise<UnlinkResult> => {
      const owner = await tx
        .updateTable('users')
        .set((eb) => ({ linked_providers: eb.ref('linked_providers') }))
        .where('id', '=', userId)
        .returning('password_hash')
        .executeTakeFirst();
      if (!owner) return 'not_found';
      const identities = await tx.selectFrom('identities').select('id').where('user_id', '=', userId).execute();
      if (!identities.some((row) => row.id === id)) return 'not_found';
      if (owner.password_hash === null && identities.length === 1) return 'last_way_in';
      await tx.deleteFrom('identities').where('id', '=', id).where('user_id', '=', userId).execute();
      await syncLinkedProviders(tx, userId);
      return 'unlinked';
    });
    if (result === 'unlinked') await this.users.invalidate(userId);
    return result;
  }
}

/** Rewrites the user's list of linked providers from the identities, in link order. */
async function syncLinkedProviders(tx: Transaction<Database>, userId: number): Promise<void> {
  const rows = await tx.selectFrom('identities').select('provider').where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  await tx
    .updateTable('users')
    .set({ linked_providers: rows.map((row) => row.provider).join(' ') })
    .where('id', '=', userId)
    .execute();
}
