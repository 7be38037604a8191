/**
 * A latency histogram cheap enough to record 100,000 values a second in the load generator, and
 * small enough to send to the parent process: 0.1 ms buckets up to 100 ms, 1 ms up to 10 s,
 * 10 ms up to 100 s; anything slower lands in the last bucket.
 */
const FINE_MS = 100;
const MEDIUM_MS = 10_000;
const COARSE_MS = 100_000;
const FINE_BUCKETS = FINE_MS * 10;
const MEDIUM_BUCKETS = MEDIUM_MS - FINE_MS;
const COARSE_BUCKETS = (COARSE_MS - MEDIUM_MS) / 10;
export const HISTOGRAM_BUCKETS = FINE_BUCKETS + MEDIUM_BUCKETS + COARSE_BUCKETS + 1;

export function createHistogram(): Uint32Array {
  return new Uint32Array(HISTOGRAM_BUCKETS);
}

function bucketOf(ms: number): number {
  if (!(ms > 0)) return 0;
  if (ms < FINE_MS) return Math.floor(ms * 10);
  if (ms < MEDIUM_MS) return FINE_BUCKETS + Math.floor(ms - FINE_MS);
  if (ms < COARSE_MS) return FINE_BUCKETS + MEDIUM_BUCKETS + Math.floor((ms - MEDIUM_MS) / 10);
  return HISTOGRAM_BUCKETS - 1;
}

/** The upper edge of a bucket, so a percentile never reads better than what was recorded. */
function upperEdgeOf(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 1) / 10;
  if (bucket < FINE_BUCKETS + MEDIUM_BUCKETS) return FINE_MS + (bucket - FINE_BUCKETS) + 1;
  if (bucket < HISTOGRAM_BUCKETS - 1) return MEDIUM_MS + (bucket - FINE_BUCKETS - MEDIUM_BUCKETS + 1) * 10;
  return Infinity;
}

export function record(histogram: Uint32Array, ms: number): void {
  histogram[bucketOf(ms)]! += 1;
}

export function merge(into: Uint32Array, from: Uint32Array): void {
  for (let i = 0; i < from.length; i++) into[i]! += from[i]!;
}

export function countOf(histogram: Uint32Array): number {
  let n = 0;
  for (const c of histogram) n += c;
  return n;
}

/** The value below which `p` (0–1) of the recorded values lie; NaN when nothing was recorded. */
export function percentile(histogram: Uint32Array, p: number): number {
  const total = countOf(histogram);
  if (total === 0) return NaN;
  const rank = Math.max(1, Math.ceil(total * p));
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return upperEdgeOf(i);
  }
  return Infinity;
}
