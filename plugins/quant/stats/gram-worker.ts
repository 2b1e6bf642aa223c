/** Helper worker for crossProducts (gram.ts): computes a band of rows of XᵀX in shared memory. */
import { parentPort } from 'node:worker_threads';
import { crossProductRows } from './gram.js';
import { kernelRows } from './gram-kernel.js';

interface Job {
  kernel?: { memory: WebAssembly.Memory; module: WebAssembly.Module };
  data: Float64Array;
  out: Float64Array;
  p: number;
  n: number;
  rowStart: number;
  rowEnd: number;
}

parentPort?.on('message', (job: Job) => {
  try {
    if (job.kernel) kernelRows(job.kernel.memory, job.p, job.n, job.rowStart, job.rowEnd, job.kernel.module);
    else crossProductRows(job.data, job.p, job.n, job.out, job.rowStart, job.rowEnd);
    parentPort?.postMessage({ done: true });
  } catch (error) {
    parentPort?.postMessage({ error: (error as Error).message });
  }
});
