/** Worker for the all-pairs Engle-Granger screen: receives log prices and a list of pairs, answers each pair's test. */
import { parentPort } from 'node:worker_threads';
import { engleGranger } from './adf.js';

interface Job {
  series: Float64Array[];
  pairs: [number, number][];
}

parentPort?.on('message', (job: Job) => {
  for (const [i, j] of job.pairs) {
    try {
      const r = engleGranger(job.series[i] as Float64Array, job.series[j] as Float64Array);
      parentPort?.postMessage({ i, j, statistic: r.statistic, p_value: r.p_value, hedge_ratio: r.hedge_ratio, half_life: r.half_life });
    } catch (error) {
      parentPort?.postMessage({ i, j, error: (error as Error).message });
    }
  }
  parentPort?.postMessage({ done: true });
});
