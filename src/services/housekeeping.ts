import type { Clock } from '../adapters/clock.js';
import type { HousekeepingRepository } from '../store/housekeeping-repository.js';

const INTERVAL_MS = 60 * 60 * 1000;

/**
 * Removes expired sessions, tokens and old outbox mail once an hour on every node. The deletes
 * are idempotent, so nodes need not agree on who runs them.
 */
export class Housekeeping {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly repository: HousekeepingRepository,
    private readonly clock: Clock,
    private readonly report: (deleted: Record<string, number>) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), INTERVAL_MS);
    this.timer.unref();
  }

  async runOnce(): Promise<void> {
    this.running ??= this.repository
      .deleteExpired(this.clock.now())
      .then(this.report, this.onError)
      .finally(() => (this.running = undefined));
    await this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
