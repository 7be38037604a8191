import { setImmediate } from 'node:timers/promises';
import type { Clock } from '../../adapters/clock.js';
import type { SeenOnce } from '../../adapters/seen-once.js';

const HOUR_MS = 60 * 60 * 1000;
const CLAIM_SLICE = 1000;

/**
 * Counts views without a database write per read: reads are noted in memory, and every few
 * seconds the batch is deduplicated (once per viewer per post per hour, across nodes when Redis
 * is there) and added to the posts in one transaction. A crash loses at most one interval of views.
 */
export class ViewCounter {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      seen: SeenOnce;
      addViews: (views: ReadonlyMap<number, number>) => Promise<void>;
      clock: Clock;
      intervalMs: number;
      onError: (error: unknown) => void;
    },
  ) {}

  /** Notes that `viewerId` saw these posts now (their own posts do not count). */
  saw(viewerId: number, posts: ReadonlyArray<{ id: number; author: { id: number } }>): void {
    const hour = Math.floor(this.deps.clock.now() / HOUR_MS);
    for (const post of posts) if (post.author.id !== viewerId) this.pending.add(`${post.id}:${viewerId}:${hour}`);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** Writes what was noted so far. */
  async flush(): Promise<void> {
    await this.flushing;
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending = new Set();
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(batch: string[]): Promise<void> {
    try {
      const views = new Map<number, number>();
      // In slices, yielding between them: a batch holds every view of the interval, and claiming
      // all of it at once kept requests waiting for several milliseconds.
      for (let start = 0; start < batch.length; start += CLAIM_SLICE) {
        if (start > 0) await setImmediate();
        const slice = batch.slice(start, start + CLAIM_SLICE);
        const fresh = await this.deps.seen.claim(slice, Math.ceil(HOUR_MS / 1000));
        slice.forEach((key, i) => {
          if (!fresh[i]) return;
          const postId = Number(key.slice(0, key.indexOf(':')));
          views.set(postId, (views.get(postId) ?? 0) + 1);
        });
      }
      await this.deps.addViews(views);
    } catch (error) {
      this.deps.onError(error);
    }
  }
}
