/**
 * Rolling correlation of two series as a series (Pearson, Spearman = Pearson of ranks within each
 * window, or Szekely's distance correlation), and a screen of every pair against a threshold.
 */
import { distanceCorrelation, ranks } from './describe.js';

export const ROLLING_METHODS = ['pearson', 'spearman', 'distance'] as const;
export type RollingMethod = (typeof ROLLING_METHODS)[number];

/** Sample Pearson correlation of a and b over [from, to). */
function pearson(a: ArrayLike<number>, b: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  let ma = 0;
  let mb = 0;
  for (let t = from; t < to; t++) {
    ma += a[t] as number;
    mb += b[t] as number;
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let t = from; t < to; t++) {
    const da = (a[t] as number) - ma;
    const db = (b[t] as number) - mb;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}

export function windowCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, from: number, to: number, method: RollingMethod): number {
  if (method === 'pearson') return pearson(a, b, from, to);
  const wa = Array.prototype.slice.call(a, from, to) as number[];
  const wb = Array.prototype.slice.call(b, from, to) as number[];
  if (method === 'spearman') return pearson(ranks(wa), ranks(wb), 0, to - from);
  return distanceCorrelation(wa, wb);
}

/** End indices (exclusive) of the windows: the last one ends at n, then every `step` back, oldest first. */
export function windowEnds(n: number, window: number, step: number): number[] {
  const ends: number[] = [];
  for (let end = n; end >= window; end -= step) ends.push(end);
  return ends.reverse();
}

/** values[k]: the correlation over the window ending (inclusive) at index ends[k] - 1. */
export function rollingCorrelation(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  window: number,
  method: RollingMethod,
  step = 1,
): { ends: number[]; values: number[] } {
  const ends = windowEnds(a.length, window, step);
  return { ends, values: ends.map((end) => windowCorrelation(a, b, end - window, end, method)) };
}

export interface ScreenRow {
  i: number;
  j: number;
  latest: number;
  /** Share of windows whose value is >= threshold. */
  fraction_above: number;
  mean: number;
}

/** Every pair (i < j): the latest window's value, the share of windows at or above threshold, the mean. */
export function rollingScreen(
  series: ArrayLike<number>[],
  window: number,
  method: RollingMethod,
  step: number,
  threshold: number,
  onPair?: (done: number, total: number) => void,
): ScreenRow[] {
  const rows: ScreenRow[] = [];
  const total = (series.length * (series.length - 1)) / 2;
  for (let i = 0; i < series.length; i++) {
    for (let j = i + 1; j < series.length; j++) {
      const { values } = rollingCorrelation(series[i] as ArrayLike<number>, series[j] as ArrayLike<number>, window, method, step);
      const finite = values.filter((v) => Number.isFinite(v));
      rows.push({
        i,
        j,
        latest: values.at(-1) as number,
        fraction_above: finite.filter((v) => v >= threshold).length / values.length,
        mean: finite.reduce((s, v) => s + v, 0) / Math.max(1, finite.length),
      });
      onPair?.(rows.length, total);
    }
  }
  return rows;
}
