/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** 12345.6 → "12,346"; for request rates and counts. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Latencies in ms: one decimal below 100 ms, whole numbers above. */
export function formatMs(value: number): string {
  return value < 100 ? value.toFixed(1) : String(Math.round(value));
}

/** 0.634 → "63 %". */
export function formatRatio(value: number): string {
  return `${Math.round(value * 100)} %`;
}
