/**
 * Chunks of an all-pairs pass, as the worker pool runs them (pool-worker.ts) or this thread does.
 * Pair k is the k-th (i, j), i < j, in row order; n series of length t lie one after another in one
 * flat array (a SharedArrayBuffer when workers read it). A chunk answers in typed arrays: one p-value
 * (or dcor) per pair written straight into shared memory, and compact columns for the few pairs
 * that pass the screen's threshold; no object per pair.
 */
import { engleGranger } from './adf.js';
import { distanceCorrelation } from './dcor.js';
import { hurst } from './describe.js';
import { johansen } from './johansen.js';

/** Pairs before row i: i (2n - i - 1) / 2. */
const rowStart = (i: number, n: number): number => (i * (2 * n - i - 1)) / 2;

/** The (i, j) of pair k among n series. */
export function pairAt(k: number, n: number): [number, number] {
  let i = Math.max(0, Math.floor(n - 0.5 - Math.sqrt((n - 0.5) ** 2 - 2 * k)));
  while (i > 0 && rowStart(i, n) > k) i--;
  while (rowStart(i + 1, n) <= k) i++;
  return [i, i + 1 + k - rowStart(i, n)];
}

/** Calls visit(k, i, j) for pairs from <= k < to. */
function forPairs(n: number, from: number, to: number, visit: (k: number, i: number, j: number) => void): void {
  let [i, j] = pairAt(from, n);
  for (let k = from; k < to; k++) {
    visit(k, i, j);
    if (++j === n) {
      i++;
      j = i + 1;
    }
  }
}

export interface SeriesBlock {
  /** n series of length t, series i at offset i * t. */
  data: Float64Array;
  n: number;
  t: number;
}

export interface EgChunk extends SeriesBlock {
  from: number;
  to: number;
  /** Where each pair's p-value goes (index k; NaN when the test failed). */
  pOut: Float64Array;
  /** Pairs with p below this come back with their statistics, the residual spread's Hurst exponent and, with johansenLag, a Johansen trace test. */
  threshold: number;
  johansenLag?: number | undefined;
}

/** The pairs of a chunk that passed the threshold, one column per field. */
export interface EgCandidates {
  k: Float64Array;
  statistic: Float64Array;
  p: Float64Array;
  hedge: Float64Array;
  /** NaN when the spread does not mean-revert (half-life undefined). */
  halfLife: Float64Array;
  hurst: Float64Array;
  trace: Float64Array;
  critical: Float64Array;
  /** Johansen failures: [column index, message]. */
  traceErrors: [number, string][];
  /** Pairs whose test failed, and the first failure's message. */
  failed: number;
  firstError?: string;
}

const view = (b: SeriesBlock, i: number): Float64Array => b.data.subarray(i * b.t, (i + 1) * b.t);

export function egChunk(job: EgChunk): EgCandidates {
  const rows: number[][] = [[], [], [], [], [], [], [], [], []];
  const traceErrors: [number, string][] = [];
  let failed = 0;
  let firstError: string | undefined;
  forPairs(job.n, job.from, job.to, (k, i, j) => {
    const a = view(job, i);
    const b = view(job, j);
    let r: ReturnType<typeof engleGranger>;
    try {
      r = engleGranger(a, b);
    } catch (error) {
      job.pOut[k] = NaN;
      failed++;
      firstError ??= (error as Error).message;
      return;
    }
    job.pOut[k] = r.p_value;
    if (!(r.p_value < job.threshold)) return;
    let trace = NaN;
    let critical = NaN;
    if (job.johansenLag !== undefined) {
      try {
        const jr = johansen(
          Array.from(a, (v, t) => [v, b[t] as number]),
          0,
          job.johansenLag,
        );
        trace = jr.trace_statistics[0] as number;
        critical = (jr.trace_critical_values[0] as number[])[1] as number;
      } catch (error) {
        traceErrors.push([(rows[0] as number[]).length, (error as Error).message]);
      }
    }
    const values = [k, r.statistic, r.p_value, r.hedge_ratio, r.half_life ?? NaN, hurst(r.residuals), trace, critical];
    values.forEach((v, c) => (rows[c] as number[]).push(v));
  });
  const col = (c: number) => Float64Array.from(rows[c] as number[]);
  return {
    k: col(0),
    statistic: col(1),
    p: col(2),
    hedge: col(3),
    halfLife: col(4),
    hurst: col(5),
    trace: col(6),
    critical: col(7),
    traceErrors,
    failed,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

export interface DcorChunk extends SeriesBlock {
  from: number;
  to: number;
  /** Where pair k's distance correlation goes. */
  out: Float64Array;
}

/** Distance correlation of each pair in the chunk, written at its index. */
export function dcorChunk(job: DcorChunk): number {
  forPairs(job.n, job.from, job.to, (k, i, j) => {
    job.out[k] = distanceCorrelation(view(job, i), view(job, j));
  });
  return job.to - job.from;
}

/**
 * Benjamini-Hochberg over the p-values in p (NaN = no test): writes into out the sorted valid p-values'
 * adjusted values (out[r] = min over s >= r of m p_(s) / (s + 1), capped at 1), so a p-value's
 * adjustment is out at its last rank among equals; returns m. As statsmodels' multipletests.
 */
export function bhSorted(p: Float64Array, out: Float64Array): number {
  const sorted = Float64Array.from(p).sort();
  let m = sorted.length;
  while (m > 0 && Number.isNaN(sorted[m - 1])) m--;
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    running = Math.min(running, ((sorted[r] as number) * m) / (r + 1));
    out[r] = running;
  }
  out.set(sorted.subarray(0, m), m);
  return m;
}
