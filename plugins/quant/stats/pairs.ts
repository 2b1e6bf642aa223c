/**
 * All-pairs Engle-Granger screen (each ordered pair once, as symbol1 on symbol2), spread over worker
 * threads. Each pair's lag search costs one factorisation (see ols.ts), and workers share the work.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { engleGranger } from './adf.js';

export interface PairResult {
  i: number;
  j: number;
  statistic: number;
  p_value: number;
  hedge_ratio: number;
  half_life: number | null;
  error?: string;
}

const IN_PROCESS_BELOW = 40;

/** The compiled worker; from TypeScript sources (tests, bench) a bootstrap registers tsx's loader first. */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./pairs-worker.js', import.meta.url));
  const target = new URL('./pairs-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`, { eval: true });
}

export async function screenPairs(
  series: Float64Array[],
  onProgress: (done: number, total: number) => void,
  signal: AbortSignal,
  threads = Math.max(1, Math.min(availableParallelism(), 8)),
): Promise<PairResult[]> {
  const pairs: [number, number][] = [];
  for (let i = 0; i < series.length; i++) for (let j = i + 1; j < series.length; j++) pairs.push([i, j]);
  const results: PairResult[] = [];
  if (pairs.length < IN_PROCESS_BELOW || threads === 1) {
    for (const [i, j] of pairs) {
      if (signal.aborted) throw signal.reason;
      const r = engleGranger(series[i] as Float64Array, series[j] as Float64Array);
      results.push({ i, j, statistic: r.statistic, p_value: r.p_value, hedge_ratio: r.hedge_ratio, half_life: r.half_life });
      onProgress(results.length, pairs.length);
    }
    return results;
  }
  const chunks = Array.from({ length: threads }, (_, w) => pairs.filter((_, k) => k % threads === w));
  const workers = chunks.map(() => startWorker());
  const stop = () => workers.forEach((w) => void w.terminate());
  signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.all(
      workers.map(
        (worker, w) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (message: PairResult | { done: true }) => {
              if ('done' in message) return resolve();
              results.push(message);
              onProgress(results.length, pairs.length);
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (signal.aborted ? reject(signal.reason) : code === 0 ? resolve() : undefined));
            worker.postMessage({ series, pairs: chunks[w] });
          }),
      ),
    );
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
  }
  return results;
}
