/**
 * All-pairs Engle-Granger screen (each ordered pair once, as symbol1 on symbol2) on the shared worker
 * pool (../pool.ts). The series go into one SharedArrayBuffer once per call; pairs go out in chunks
 * (a few at a time, so concurrent calls share the pool) and come back in batches: each pair's
 * p-value straight into shared memory, and compact columns for the pairs under the threshold. Memory
 * is 8 bytes per pair plus the candidates, never an object per pair. Small screens, or threads = 1,
 * run the same chunks on this thread, yielding between chunks.
 */
import { poolThreads, runInPool } from '../pool.js';
import { type EgCandidates, egChunk } from './pair-chunks.js';

/** One candidate column per field, grown as batches arrive. */
export class Candidates {
  length = 0;
  readonly cols = {
    k: new Float64Array(64),
    statistic: new Float64Array(64),
    p: new Float64Array(64),
    hedge: new Float64Array(64),
    halfLife: new Float64Array(64),
    hurst: new Float64Array(64),
    trace: new Float64Array(64),
    critical: new Float64Array(64),
  };
  /** Johansen failures by candidate index. */
  readonly traceErrors = new Map<number, string>();

  add(batch: EgCandidates): void {
    const m = batch.k.length;
    if (this.length + m > this.cols.k.length) {
      const size = Math.max(this.length + m, this.cols.k.length * 2);
      for (const key of Object.keys(this.cols) as (keyof Candidates['cols'])[]) {
        const grown = new Float64Array(size);
        grown.set(this.cols[key].subarray(0, this.length));
        this.cols[key] = grown;
      }
    }
    for (const key of Object.keys(this.cols) as (keyof Candidates['cols'])[]) this.cols[key].set(batch[key], this.length);
    for (const [c, message] of batch.traceErrors) this.traceErrors.set(this.length + c, message);
    this.length += m;
  }
}

export interface Screen {
  n: number;
  /** Pairs screened: n (n - 1) / 2. */
  pairs: number;
  /** Each pair's p-value by pair index (NaN where the test failed), in shared memory. */
  pValues: Float64Array;
  failed: number;
  firstError?: string;
  /** The pairs with p below the threshold. */
  candidates: Candidates;
}

export interface ScreenOptions {
  threshold: number;
  johansenLag?: number | undefined;
  /** Pool threads to use; 1 runs on this thread, and any other number uses the pool however small the screen. */
  threads?: number;
}

/** Pair-rows (pairs x observations) per chunk: tens of milliseconds of work, so progress and cancellation are prompt. */
const CHUNK_PAIR_ROWS = 100_000;
/** Below this many pair-rows the pool's round trip costs more than it saves. */
const IN_PROCESS_BELOW = 200_000;

/** Series laid one after another in shared memory. */
export function sharedSeries(series: ArrayLike<number>[]): { data: Float64Array; n: number; t: number } {
  const n = series.length;
  const t = series[0]?.length ?? 0;
  const data = new Float64Array(new SharedArrayBuffer(Math.max(1, n * t) * Float64Array.BYTES_PER_ELEMENT));
  series.forEach((s, i) => data.set(s, i * t));
  return { data, n, t };
}

export async function screenPairs(
  series: ArrayLike<number>[],
  options: ScreenOptions,
  onProgress: (done: number, total: number) => void,
  signal: AbortSignal,
): Promise<Screen> {
  const block = sharedSeries(series);
  const { n, t } = block;
  const pairs = (n * (n - 1)) / 2;
  const pValues = new Float64Array(new SharedArrayBuffer(Math.max(1, pairs) * Float64Array.BYTES_PER_ELEMENT));
  const screen: Screen = { n, pairs, pValues, failed: 0, candidates: new Candidates() };
  const size = Math.max(8, Math.floor(CHUNK_PAIR_ROWS / Math.max(t, 1)));
  const threads = options.threads ?? poolThreads();
  const inProcess = threads === 1 || (options.threads === undefined && pairs * t < IN_PROCESS_BELOW);
  let next = 0;
  let done = 0;
  const take = (batch: EgCandidates, count: number) => {
    screen.candidates.add(batch);
    screen.failed += batch.failed;
    if (batch.firstError !== undefined) screen.firstError ??= batch.firstError;
    done += count;
    onProgress(done, pairs);
  };
  const job = (from: number, to: number) => ({ ...block, from, to, pOut: pValues, threshold: options.threshold, johansenLag: options.johansenLag });
  if (inProcess) {
    while (next < pairs) {
      signal.throwIfAborted();
      const from = next;
      next = Math.min(pairs, next + size);
      take(egChunk(job(from, next)), next - from);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return screen;
  }
  // A few chunks in flight per thread: the pool stays busy and other calls' tasks interleave. A failed chunk stops the rest.
  const stop = new AbortController();
  const stopped = AbortSignal.any([signal, stop.signal]);
  const lane = async (): Promise<void> => {
    while (next < pairs) {
      stopped.throwIfAborted();
      const from = next;
      next = Math.min(pairs, next + size);
      take(await runInPool('egChunk', job(from, next), stopped), next - from);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(threads * 2, Math.ceil(pairs / size)) }, lane));
  } catch (error) {
    stop.abort(error);
    signal.throwIfAborted();
    throw error;
  }
  return screen;
}
