import { describe, expect, it } from 'vitest';
import { SyncRecorder, type Deliver } from '../../../../src/services/sync/sync-recorder.js';
import type { SyncEntry, SyncLogWriter } from '../../../../src/store/sync-log-writer.js';
import { FakeClock } from '../../fakes/clock.js';

/** A log in memory that hands out positions as the real ones do, or fails when told to. */
class FakeLog implements SyncLogWriter {
  head = 0;
  readonly batches: SyncEntry[][] = [];
  failNext = false;

  async append(entries: readonly SyncEntry[], _now: number, deliver: (first: number) => Promise<void>): Promise<void> {
    await Promise.resolve();
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    const first = this.head + 1;
    this.head += entries.length;
    this.batches.push([...entries]);
    await deliver(first);
  }
}

function recorder(log: FakeLog, deliver: Deliver) {
  const errors: unknown[] = [];
  return { errors, recorder: new SyncRecorder({ writer: log, deliver, clock: new FakeClock(), onError: (e) => errors.push(e) }) };
}

describe('SyncRecorder', () => {
  it('records the events of one tick in one append and delivers them as one batch, each with its position, in order', async () => {
    const log = new FakeLog();
    const batches: Array<Array<[unknown, number | undefined]>> = [];
    const { recorder: r } = recorder(log, async (batch) => void batches.push(batch.map((d) => [d.event, d.position])));
    await Promise.all([r.record([1], 'a'), r.record([1, 2], 'b'), r.record([2], 'c')]);
    await r.record([3], 'd');
    expect(log.batches.map((b) => b.map((e) => e.payload))).toEqual([['"a"', '"b"', '"c"'], ['"d"']]);
    expect(batches).toEqual([[['a', 1], ['b', 2], ['c', 3]], [['d', 4]]]);
  });

  it('still delivers live, without a position, when the append fails, and reports the failure', async () => {
    const log = new FakeLog();
    log.failNext = true;
    const delivered: Array<[unknown, number | undefined]> = [];
    const { recorder: r, errors } = recorder(log, async (batch) => void delivered.push(...batch.map((d): [unknown, number | undefined] => [d.event, d.position])));
    await r.record([1], 'lost from sync');
    await r.record([1], 'kept');
    expect(delivered).toEqual([['lost from sync', undefined], ['kept', 1]]);
    expect(errors).toHaveLength(1);
  });

  it('rejects the sends of a batch the bus refused, keeps the batch recorded, and goes on with the next', async () => {
    const log = new FakeLog();
    let busDown = true;
    const { recorder: r, errors } = recorder(log, async () => {
      if (busDown) throw new Error('bus down');
    });
    const results = await Promise.allSettled([r.record([1], 'one'), r.record([1], 'two')]);
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    expect(log.head).toBe(2);
    expect(errors).toEqual([]);
    busDown = false;
    await expect(r.record([1], 'three')).resolves.toBeUndefined();
    expect(log.head).toBe(3);
  });
});
