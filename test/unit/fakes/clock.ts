import type { Clock } from '../../../src/adapters/clock.js';

/** Time that moves only when told to, one millisecond per reading so order is visible. */
export class FakeClock implements Clock {
  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time++;
  }
}
