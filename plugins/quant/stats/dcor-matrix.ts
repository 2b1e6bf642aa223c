/**
 * The distance-correlation matrix of n series: each pair's O(t log t) statistic (dcor.ts), pairs spread
 * over the shared worker pool in chunks with the series in shared memory; small matrices on this thread.
 */
import { poolThreads, runInPool } from '../pool.js';
import { dcorChunk } from './pair-chunks.js';
import { sharedSeries } from './pairs.js';

/** Pair-rows per chunk, and below how many the whole matrix stays on this thread. */
const CHUNK_PAIR_ROWS = 200_000;
const IN_PROCESS_BELOW = 400_000;

/** n x n, row-major, 1 on the diagonal. */
export async function distanceCorrelationMatrix(series: ArrayLike<number>[], signal: AbortSignal): Promise<Float64Array> {
  const block = sharedSeries(series);
  const { n, t } = block;
  const pairs = (n * (n - 1)) / 2;
  const values = new Float64Array(new SharedArrayBuffer(Math.max(1, pairs) * Float64Array.BYTES_PER_ELEMENT));
  const size = Math.max(8, Math.floor(CHUNK_PAIR_ROWS / Math.max(t, 1)));
  let next = 0;
  if (pairs * t < IN_PROCESS_BELOW || poolThreads() === 1) dcorChunk({ ...block, from: 0, to: pairs, out: values });
  else {
    const stop = new AbortController();
    const stopped = AbortSignal.any([signal, stop.signal]);
    const lane = async (): Promise<void> => {
      while (next < pairs) {
        stopped.throwIfAborted();
        const from = next;
        next = Math.min(pairs, next + size);
        await runInPool('dcorChunk', { ...block, from, to: next, out: values }, stopped);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(poolThreads() * 2, Math.ceil(pairs / size)) }, lane));
    } catch (error) {
      stop.abort(error);
      throw error;
    }
  }
  const m = new Float64Array(n * n).fill(1);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i] = values[k++] as number;
  return m;
}
