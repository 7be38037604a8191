import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Counts failed attempts per key (an account, say) in a time window, shared by every node when
 * Redis is configured. Only failures count, so a user who types their password right is never
 * locked out by their own logins.
 */
export interface AttemptLimiter {
  /** Seconds to wait before trying again, or 0 when allowed. */
  blockedFor(key: string): Promise<number>;
  recordFailure(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export function createAttemptLimiter(options: { max: number; windowMs: number; redis?: Redis; keyPrefix: string }): AttemptLimiter {
  const duration = Math.max(1, Math.ceil(options.windowMs / 1000));
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({ storeClient: options.redis, keyPrefix: options.keyPrefix, points: options.max, duration })
    : new RateLimiterMemory({ keyPrefix: options.keyPrefix, points: options.max, duration });
  return {
    async blockedFor(key) {
      const state = await limiter.get(key);
      if (!state || state.consumedPoints < options.max) return 0;
      return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    },
    async recordFailure(key) {
      try {
        await limiter.consume(key);
      } catch (error) {
        // Rejected with a RateLimiterRes when over the limit: that is the point, not a failure.
        if (!(error instanceof RateLimiterRes)) throw error;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

/** For when limits are switched off. */
export const unlimitedAttempts: AttemptLimiter = {
  blockedFor: async () => 0,
  recordFailure: async () => {},
  reset: async () => {},
};
