import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * Remembers keys for a while and says which of a batch are new: the view counter's "once per
 * viewer per post per hour", on one node in memory, across nodes in Redis.
 */
export interface SeenOnce {
  /** For each key, true when it was not seen within `ttlSeconds` (and is now). */
  claim(keys: readonly string[], ttlSeconds: number): Promise<boolean[]>;
}

export function memorySeenOnce(max = 500_000): SeenOnce {
  const seen = new LRUCache<string, true>({ max, ttlAutopurge: false });
  return {
    claim: async (keys, ttlSeconds) =>
      keys.map((key) => {
        if (seen.has(key)) return false;
        seen.set(key, true, { ttl: ttlSeconds * 1000 });
        return true;
      }),
  };
}

/** SET NX EX per key, the batch in one pipeline (one round trip). */
export function redisSeenOnce(redis: Redis, keyPrefix: string): SeenOnce {
  return {
    claim: async (keys, ttlSeconds) => {
      if (keys.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.set(`${keyPrefix}${key}`, '1', 'EX', ttlSeconds, 'NX');
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, reply]) => error === null && reply === 'OK');
    },
  };
}
