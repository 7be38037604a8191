import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { EventBus } from '../adapters/bus/bus.js';
import type { Database } from './schema.js';
import { UsersRepository, type ProfileChanges, type UserRecord } from './users-repository.js';

const INVALIDATE_TOPIC = 'cache.users.invalidate';

/**
 * The users repository with a local cache of users by id, the lookup behind every authenticated
 * request. A write through this repository evicts the user here and, through the bus, on every
 * other node; entries also expire, which bounds staleness if a bus message is lost. A user record
 * carries no password hash, so none sits in memory here: `passwordHashOf` always reads the database.
 */
export class CachedUsersRepository extends UsersRepository {
  private readonly byId: LRUCache<number, UserRecord>;

  constructor(
    db: Kysely<Database>,
    private readonly bus: EventBus,
    options: { max?: number; ttlMs?: number } = {},
  ) {
    super(db);
    this.byId = new LRUCache({ max: options.max ?? 50_000, ttl: options.ttlMs ?? 60_000 });
  }

  async start(): Promise<void> {
    await this.bus.subscribe(INVALIDATE_TOPIC, (event) => {
      for (const id of (event as { ids: number[] }).ids) this.byId.delete(id);
    });
  }

  override async findById(id: number): Promise<UserRecord | undefined> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const user = await super.findById(id);
    if (user) this.byId.set(id, Object.freeze(user));
    return user;
  }

  override async setPasswordHash(id: number, passwordHash: string, now: number): Promise<void> {
    await super.setPasswordHash(id, passwordHash, now);
    await this.invalidate(id);
  }

  override async markEmailVerified(id: number, now: number): Promise<void> {
    await super.markEmailVerified(id, now);
    await this.invalidate(id);
  }

  override async updateProfile(id: number, changes: ProfileChanges, now: number): Promise<void> {
    try {
      await super.updateProfile(id, changes, now);
    } finally {
      await this.invalidate(id);
    }
  }

  override async setPendingEmail(id: number, email: string | null, now: number): Promise<void> {
    await super.setPendingEmail(id, email, now);
    await this.invalidate(id);
  }

  override async confirmPendingEmail(id: number, email: string, now: number): Promise<boolean> {
    try {
      return await super.confirmPendingEmail(id, email, now);
    } finally {
      await this.invalidate(id);
    }
  }


  override async delete(id: number): Promise<boolean> {
    try {
      return await super.delete(id);
    } finally {
      await this.invalidate(id);
    }
  }

  override async touchLastSeen(id: number, now: number): Promise<void> {
    await super.touchLastSeen(id, now);
    await this.invalidate(id);
  }

  /** Forgets the user here and, through the bus, on every node (for writes made elsewhere, such as the avatar key). */
  async invalidate(id: number): Promise<void> {
    this.byId.delete(id);
    await this.bus.publish(INVALIDATE_TOPIC, { ids: [id] });
  }
}
