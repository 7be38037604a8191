import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Counts each user's open sockets across every node. A user is online while the count is above
 * zero anywhere. With Redis, each node keeps its own counts under a key that expires unless the
 * node refreshes it, so a node that dies takes its users' sockets with it.
 */
export interface PresenceStore {
  /** Counts a new socket; true when the user was offline before. */
  connect(userId: number): Promise<boolean>;
  /** Counts a closed socket; true when the user is now offline everywhere. */
  disconnect(userId: number): Promise<boolean>;
  onlineAmong(userIds: number[]): Promise<Set<number>>;
  /** Called periodically: keeps this node's counts alive. */
  refresh(): Promise<void>;
  /** Forgets this node's sockets (at shutdown). */
  clear(): Promise<void>;
}

export class MemoryPresenceStore implements PresenceStore {
  private readonly counts = new Map<number, number>();

  async connect(userId: number) {
    const before = this.counts.get(userId) ?? 0;
    this.counts.set(userId, before + 1);
    return before === 0;
  }

  async disconnect(userId: number) {
    const after = (this.counts.get(userId) ?? 1) - 1;
    if (after <= 0) this.counts.delete(userId);
    else this.counts.set(userId, after);
    return after <= 0;
  }

  async onlineAmong(userIds: number[]) {
    return new Set(userIds.filter((id) => this.counts.has(id)));
  }

  async refresh() {}

  async clear() {
    this.counts.clear();
  }
}

export class RedisPresenceStore implements PresenceStore {
  private readonly nodeId = randomBytes(8).toString('hex');
  private readonly nodeKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {
    this.nodeKey = `${prefix}presence:n:${this.nodeId}`;
  }

  private userKey(userId: number) {
    return `${this.prefix}presence:u:${userId}`;
  }

  async connect(userId: number) {
    const wasOnline = (await this.onlineAmong([userId])).has(userId);
    await this.redis
      .multi()
      .hincrby(this.nodeKey, String(userId), 1)
      .expire(this.nodeKey, this.ttlSeconds)
      .sadd(this.userKey(userId), this.nodeId)
      .expire(this.userKey(userId), this.ttlSeconds * 10)
      .exec();
    return !wasOnline;
  }

  async disconnect(userId: number) {
    const left = await this.redis.hincrby(this.nodeKey, String(userId), -1);
    if (left <= 0) {
      await this.redis.multi().hdel(this.nodeKey, String(userId)).srem(this.userKey(userId), this.nodeId).exec();
    }
    return !(await this.onlineAmong([userId])).has(userId);
  }

  async onlineAmong(userIds: number[]) {
    const online = new Set<number>();
    if (userIds.length === 0) return online;
    const sets = await this.redis.pipeline(userIds.map((id) => ['smembers', this.userKey(id)])).exec();
    const nodesByUser = userIds.map((_, i) => (sets?.[i]?.[1] as string[] | undefined) ?? []);
    const nodes = [...new Set(nodesByUser.flat())];
    if (nodes.length === 0) return online;
    // A node's hash disappears when it stops refreshing it: its sockets no longer count.
    const counts = await this.redis
      .pipeline(userIds.flatMap((id, i) => nodesByUser[i]!.map((node) => ['hget', `${this.prefix}presence:n:${node}`, String(id)])))
      .exec();
    let k = 0;
    userIds.forEach((id, i) => {
      for (let j = 0; j < nodesByUser[i]!.length; j++, k++) {
        if (Number(counts?.[k]?.[1] ?? 0) > 0) online.add(id);
      }
    });
    return online;
  }

  async refresh() {
    await this.redis.expire(this.nodeKey, this.ttlSeconds);
  }

  async clear() {
    await this.redis.del(this.nodeKey);
  }
}
