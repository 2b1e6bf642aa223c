/**
 * The tasks the shared worker pool (pool.ts) runs, one named export each: chunks of all-pairs passes
 * over series in shared memory, and `call`, which runs one of the module functions in CALLS with
 * structured-cloned arguments (for a solve or a matrix that would hold the main thread past ~50 ms).
 */
import type { HrpDistance, Linkage } from './portfolio/hrp.js';
import { bhSorted, type DcorChunk, dcorChunk as dcorPairs, type EgChunk, egChunk as egPairs } from './stats/pair-chunks.js';

export function egChunk(job: EgChunk) {
  return egPairs(job);
}

export function dcorChunk(job: DcorChunk): number {
  return dcorPairs(job);
}

export function bh(job: { p: Float64Array; out: Float64Array }): number {
  return bhSorted(job.p, job.out);
}

/** Module functions the generic task runs, each module loaded on first use; an error class the caller tells apart comes back as a value. */
export const CALLS = {
  hrp: async (cov: Float64Array, corr: Float64Array, p: number, method: Linkage, distance: HrpDistance) =>
    (await import('./portfolio/hrp.js')).hrp(cov, corr, p, method, distance),
  minimizeCvar: async (returns: Float64Array[], alpha: number, maxWeight: number, target: number | undefined) => {
    const { InfeasibleError, minimizeCvar } = await import('./portfolio/cvar.js');
    try {
      return { result: await minimizeCvar(returns, alpha, maxWeight, target) };
    } catch (error) {
      if (error instanceof InfeasibleError) return { infeasible: true as const };
      throw error;
    }
  },
};

export function call(job: { fn: keyof typeof CALLS; args: unknown[] }): unknown {
  const fn = CALLS[job.fn] as (...args: unknown[]) => unknown;
  if (typeof fn !== 'function') throw new Error(`no pool function ${String(job.fn)}`);
  return fn(...job.args);
}
