import { describe, expect, it } from 'vitest';
import { memorySeenOnce, type SeenOnce } from '../../../../src/adapters/seen-once.js';
import { ViewCounter } from '../../../../src/services/posts/view-counter.js';

const HOUR = 3_600_000;

function counter(seen: SeenOnce = memorySeenOnce()) {
  let time = 10 * HOUR;
  const written: Array<Map<number, number>> = [];
  const errors: unknown[] = [];
  const views = new ViewCounter({
    seen,
    addViews: async (batch) => void written.push(new Map(batch)),
    clock: { now: () => time },
    intervalMs: 60_000,
    onError: (error) => errors.push(error),
  });
  return { views, written, errors, advance: (ms: number) => (time += ms) };
}

const post = (id: number, authorId = 1) => ({ id, author: { id: authorId } });

describe('ViewCounter', () => {
  it('counts a viewer once per post an hour, in one batch, and never the author', async () => {
    const { views, written, advance } = counter();
    views.saw(2, [post(10), post(11)]);
    views.saw(2, [post(10)]);
    views.saw(3, [post(10)]);
    views.saw(1, [post(10)]);
    expect(written).toEqual([]);
    await views.flush();
    expect(written).toEqual([new Map([[10, 2], [11, 1]])]);

    views.saw(2, [post(10)]);
    await views.flush();
    // Already counted this hour: nothing to write.
    expect(written.at(-1)).toEqual(new Map());
    advance(HOUR);
    views.saw(2, [post(10)]);
    await views.flush();
    expect(written.at(-1)).toEqual(new Map([[10, 1]]));
  });

  it('writes nothing when nothing was seen, and what is pending when it stops', async () => {
    const { views, written } = counter();
    await views.flush();
    expect(written).toEqual([]);
    views.saw(5, [post(7)]);
    await views.stop();
    expect(written).toEqual([new Map([[7, 1]])]);
  });

  it('shares the once-an-hour memory through its store (what Redis does across nodes)', async () => {
    const shared = memorySeenOnce();
    const a = counter(shared);
    const b = counter(shared);
    a.views.saw(2, [post(10)]);
    b.views.saw(2, [post(10)]);
    await a.views.flush();
    await b.views.flush();
    expect([...a.written, ...b.written].reduce((sum, batch) => sum + (batch.get(10) ?? 0), 0)).toBe(1);
  });

  it('reports a failed write instead of throwing, and goes on', async () => {
    const failing: SeenOnce = { claim: async () => Promise.reject(new Error('redis down')) };
    const { views, errors, written } = counter(failing);
    views.saw(2, [post(10)]);
    await views.flush();
    expect(errors).toHaveLength(1);
    expect(written).toEqual([]);
  });
});
