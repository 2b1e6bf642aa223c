/** Helper worker for crossProducts (gram.ts): computes a band of rows of XᵀX in shared memory. */
import { parentPort } from 'node:worker_threads';
import { crossProductRows } from './gram.js';

parentPort?.on('message', (job: { data: Float64Array; out: Float64Array; p: number; n: number; rowStart: number; rowEnd: number }) => {
  try {
    crossProductRows(job.data, job.p, job.n, job.out, job.rowStart, job.rowEnd);
    parentPort?.postMessage({ done: true });
  } catch (error) {
    parentPort?.postMessage({ error: (error as Error).message });
  }
});
