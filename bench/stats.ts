/** Summary statistics for benchmark samples. Medians, not means: one slow outlier must not move the figure. */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/**
 * Median of the ratios of samples taken in the same round (a[i] / b[i]). Pairing cancels drift
 * that hits both commands alike (thermal throttling, another process waking up).
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`paired samples of unequal length (${a.length} vs ${b.length})`);
  return median(a.map((value, i) => value / b[i]!));
}
