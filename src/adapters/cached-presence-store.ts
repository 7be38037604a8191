import { LRUCache } from 'lru-cache';
import type { EventBus } from './bus/bus.js';
import type { PresenceStore } from './presence-store.js';

/** The bus topic on which a node says that someone came online or went offline (a user id), or that all its users left (null). */
export const PRESENCE_CHANGED_TOPIC = 'presence.changed';

/** How long an answer is kept: a bound on staleness when a change notice is lost (Redis pub/sub delivers at most once). */
const TTL_MS = 5000;
const MAX_USERS = 100_000;

/**
 * Presence read from Redis, remembered on this node. Every node publishes on the bus when one of
 * its users comes online or goes offline everywhere, and every node then forgets what it knew of
 * that user, so a cached answer is never older than the last change a node heard of. Reads that
 * were on their way while any change arrived are not kept (they may predate it). Saves the two
 * Redis round trips of a presence look-up on hot paths such as `GET /users/me`.
 */
export class CachedPresenceStore implements PresenceStore {
  private readonly online = new LRUCache<number, boolean>({ max: MAX_USERS, ttl: TTL_MS });
  /** Moves on with every change heard of; a read started before a change is not cached. */
  private changes = 0;

  private constructor(
    private readonly inner: PresenceStore,
    private readonly bus: EventBus,
  ) {}

  static async create(inner: PresenceStore, bus: EventBus): Promise<CachedPresenceStore> {
    const store = new CachedPresenceStore(inner, bus);
    await bus.subscribe(PRESENCE_CHANGED_TOPIC, (userId) => store.forget(userId as number | null));
    return store;
  }

  async connect(userId: number): Promise<boolean> {
    const cameOnline = await this.inner.connect(userId);
    if (cameOnline) await this.changed(userId);
    return cameOnline;
  }

  async disconnect(userId: number): Promise<boolean> {
    const wentOffline = await this.inner.disconnect(userId);
    if (wentOffline) await this.changed(userId);
    return wentOffline;
  }

  async onlineAmong(userIds: number[]): Promise<Set<number>> {
    const result = new Set<number>();
    const unknown: number[] = [];
    for (const id of userIds) {
      const known = this.online.get(id);
      if (known === undefined) unknown.push(id);
      else if (known) result.add(id);
    }
    if (unknown.length === 0) return result;
    const changesBefore = this.changes;
    const found = await this.inner.onlineAmong(unknown);
    const keep = this.changes === changesBefore;
    for (const id of unknown) {
      const isOnline = found.has(id);
      if (isOnline) result.add(id);
      if (keep) this.online.set(id, isOnline);
    }
    return result;
  }

  refresh(): Promise<void> {
    return this.inner.refresh();
  }

  /** At shutdown this node's sockets are gone: every node forgets all it knew, as some of them were here. */
  async clear(): Promise<void> {
    await this.inner.clear();
    await this.bus.publish(PRESENCE_CHANGED_TOPIC, null);
  }

  /** Forgets here at once, then tells every node (this one included, harmlessly). */
  private async changed(userId: number): Promise<void> {
    this.forget(userId);
    await this.bus.publish(PRESENCE_CHANGED_TOPIC, userId);
  }

  private forget(userId: number | null): void {
    this.changes += 1;
    if (userId === null) this.online.clear();
    else this.online.delete(userId);
  }
}
