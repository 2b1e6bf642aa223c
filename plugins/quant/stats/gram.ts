/**
 * Cross products XᵀX of p columns of length n, stored column after column in one flat array.
 * The lower triangle is cut in two halves of equal work: this thread computes one and a helper
 * worker the other, both reading and writing shared memory. scikit-learn's BLAS uses every core
 * for the same step; `npm run bench` compares the two. Without a helper (small inputs, or the
 * worker failed to start) everything runs here.
 */
import { Worker } from 'node:worker_threads';
import { kernelColumns, kernelMemoryOf, kernelModule, kernelResult, kernelRows } from './gram-kernel.js';

/** Below this many columns the helper's round trip costs more than it saves. */
const PARALLEL_FROM = 64;

/**
 * A p x n column matrix in shared memory, so the helper worker reads it without a copy: a WebAssembly
 * memory with room for the result, which crossProducts fills with the SIMD kernel (gram-kernel.ts).
 */
export function columnMatrix(p: number, n: number): Float64Array {
  return kernelColumns(p, n) ?? new Float64Array(new SharedArrayBuffer(p * n * Float64Array.BYTES_PER_ELEMENT));
}

/** Lengths of the tiles: TILE_T observations of a 4-column block stay in L1, a panel of TILE_J columns in L2. */
const TILE_T = 256;
const TILE_J = 64;

/**
 * Rows [rowStart, rowEnd) of the lower triangle of XᵀX, written symmetrically into out (p x p, zero
 * where those rows land). rowStart is a multiple of 4; blocks of 4x4 let each pass over t feed 16
 * products from 8 loads, and the passes are tiled (TILE_T observations by TILE_J columns) so the
 * columns read again come from cache, not memory.
 */
export function crossProductRows(data: Float64Array, p: number, n: number, out: Float64Array, rowStart: number, rowEnd: number): void {
  const dot = (x: number, y: number): number => {
    let acc = 0;
    for (let t = 0; t < n; t++) acc += (data[x + t] as number) * (data[y + t] as number);
    return acc;
  };
  const full = p - (p % 4);
  const blockEnd = Math.max(rowStart, Math.min(rowEnd, full));
  for (let t0 = 0; t0 < n; t0 += TILE_T) {
    const t1 = Math.min(n, t0 + TILE_T);
    for (let jp = 0; jp < blockEnd; jp += TILE_J) {
      for (let i = Math.max(rowStart, jp - (jp % 4)); i + 4 <= blockEnd; i += 4) {
        const a0 = i * n;
        const a1 = a0 + n;
        const a2 = a1 + n;
        const a3 = a2 + n;
        const jEnd = Math.min(i, jp + TILE_J);
        for (let j = jp; j < jEnd; j += 4) {
          const b0 = j * n;
          const b1 = b0 + n;
          const b2 = b1 + n;
          const b3 = b2 + n;
          let s00 = 0,
            s01 = 0,
            s02 = 0,
            s03 = 0,
            s10 = 0,
            s11 = 0,
            s12 = 0,
            s13 = 0;
          let s20 = 0,
            s21 = 0,
            s22 = 0,
            s23 = 0,
            s30 = 0,
            s31 = 0,
            s32 = 0,
            s33 = 0;
          for (let t = t0; t < t1; t++) {
            const x0 = data[a0 + t] as number,
              x1 = data[a1 + t] as number,
              x2 = data[a2 + t] as number,
              x3 = data[a3 + t] as number;
            const y0 = data[b0 + t] as number,
              y1 = data[b1 + t] as number,
              y2 = data[b2 + t] as number,
              y3 = data[b3 + t] as number;
            s00 += x0 * y0;
            s01 += x0 * y1;
            s02 += x0 * y2;
            s03 += x0 * y3;
            s10 += x1 * y0;
            s11 += x1 * y1;
            s12 += x1 * y2;
            s13 += x1 * y3;
            s20 += x2 * y0;
            s21 += x2 * y1;
            s22 += x2 * y2;
            s23 += x2 * y3;
            s30 += x3 * y0;
            s31 += x3 * y1;
            s32 += x3 * y2;
            s33 += x3 * y3;
          }
          let r = i * p + j;
          out[r] = (out[r] as number) + s00;
          out[r + 1] = (out[r + 1] as number) + s01;
          out[r + 2] = (out[r + 2] as number) + s02;
          out[r + 3] = (out[r + 3] as number) + s03;
          r += p;
          out[r] = (out[r] as number) + s10;
          out[r + 1] = (out[r + 1] as number) + s11;
          out[r + 2] = (out[r + 2] as number) + s12;
          out[r + 3] = (out[r + 3] as number) + s13;
          r += p;
          out[r] = (out[r] as number) + s20;
          out[r + 1] = (out[r + 1] as number) + s21;
          out[r + 2] = (out[r + 2] as number) + s22;
          out[r + 3] = (out[r + 3] as number) + s23;
          r += p;
          out[r] = (out[r] as number) + s30;
          out[r + 1] = (out[r + 1] as number) + s31;
          out[r + 2] = (out[r + 2] as number) + s32;
          out[r + 3] = (out[r + 3] as number) + s33;
        }
      }
    }
  }
  // Mirror the blocks above, then the 4x4 diagonal blocks and the rows past the last full block.
  for (let i = rowStart; i < blockEnd; i++) for (let j = 0; j < i - (i % 4); j++) out[j * p + i] = out[i * p + j] as number;
  for (let i = rowStart; i + 4 <= blockEnd; i += 4) {
    for (let u = 0; u < 4; u++) for (let v = 0; v <= u; v++) out[(i + u) * p + i + v] = out[(i + v) * p + i + u] = dot((i + u) * n, (i + v) * n);
  }
  for (let i = blockEnd; i < rowEnd; i++) for (let j = 0; j <= i; j++) out[i * p + j] = out[j * p + i] = dot(i * n, j * n);
}

interface Job {
  /** Set when data and out live in this kernel memory: the helper runs the SIMD kernel (kernelRows). */
  kernel?: { memory: WebAssembly.Memory; module: WebAssembly.Module };
  data: Float64Array;
  out: Float64Array;
  p: number;
  n: number;
  rowStart: number;
  rowEnd: number;
}

/** Two helpers at most: one shares the work with this thread; for large products both take it, so this thread stays free to answer. */
const helpers: (Promise<Worker | undefined> | undefined)[] = [undefined, undefined];
/** From this many multiply-adds (p² n / 2, about 20 ms), both halves go to helpers. */
const OFF_MAIN_FROM = 10_000_000;

/** Helper `slot`, started once and unref'd (it never keeps the process alive). */
function startHelper(slot = 0): Promise<Worker | undefined> {
  helpers[slot] ??= new Promise((resolve) => {
    try {
      const worker = import.meta.url.endsWith('.ts')
        ? new Worker(
            `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./gram-worker.ts', import.meta.url).href)}); });`,
            { eval: true },
          )
        : new Worker(new URL('./gram-worker.js', import.meta.url));
      // Referenced while it starts and while a job runs (runOnHelper); otherwise unref'd.
      worker.once('online', () => {
        worker.unref();
        resolve(worker);
      });
      worker.once('error', () => {
        helpers[slot] = undefined;
        resolve(undefined);
      });
    } catch {
      resolve(undefined);
    }
  });
  return helpers[slot] as Promise<Worker | undefined>;
}

/** Each helper's last job: jobs on one helper run one after another (its answer carries no job id). */
const lastJob = new WeakMap<Worker, Promise<unknown>>();

/** Runs a job on the helper after its previous one; the helper holds the process open (ref) only while a job is in flight. */
function runOnHelper(worker: Worker, job: Job): Promise<void> {
  const run = (lastJob.get(worker) ?? Promise.resolve()).catch(() => undefined).then(() => runNow(worker, job));
  lastJob.set(worker, run);
  return run;
}

function runNow(worker: Worker, job: Job): Promise<void> {
  worker.ref();
  return new Promise<void>((resolve, reject) => {
    const onMessage = (message: { done?: true; error?: string }) => {
      worker.off('error', onError);
      if (message.error) reject(new Error(message.error));
      else resolve();
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      helpers.forEach((h, slot) => void h?.then((w) => (w === worker ? (helpers[slot] = undefined) : undefined)));
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(job);
  }).finally(() => worker.unref());
}

/** XᵀX for the p columns in data (column i at offset i * n), as a p x p row-major matrix. */
export async function crossProducts(data: Float64Array, p: number, n: number): Promise<Float64Array> {
  // Columns outside a kernel memory are copied into one (a copy costs far less than the products).
  let memory = kernelMemoryOf(data);
  if (!memory) {
    const copy = kernelColumns(p, n);
    copy?.set(data);
    memory = copy && kernelMemoryOf(copy);
  }
  const kernel = memory && { memory, module: kernelModule() };
  const shared = data.buffer instanceof SharedArrayBuffer || kernel !== undefined;
  const out = kernel
    ? kernelResult(kernel.memory, p, n).fill(0)
    : shared
      ? new Float64Array(new SharedArrayBuffer(p * p * Float64Array.BYTES_PER_ELEMENT))
      : new Float64Array(p * p);
  const rows = (rowStart: number, rowEnd: number): void =>
    kernel ? kernelRows(kernel.memory, p, n, rowStart, rowEnd, kernel.module) : crossProductRows(data, p, n, out, rowStart, rowEnd);
  // The result leaves the kernel memory, so that memory (columns included) is freed with the columns.
  const result = (): Float64Array => (kernel ? out.slice() : out);
  const worker = shared && p >= PARALLEL_FROM ? await startHelper() : undefined;
  if (!worker) {
    rows(0, p);
    return result();
  }
  const job = (rowStart: number, rowEnd: number): Job => ({ ...(kernel ? { kernel } : {}), data, out, p, n, rowStart, rowEnd });
  // Row i of the triangle costs ~i, so rows [0, p/√2) hold half of the work.
  const split = Math.floor(p / Math.SQRT2 / 4) * 4;
  const remote = runOnHelper(worker, job(split, p));
  const second = (p * p * n) / 2 >= OFF_MAIN_FROM ? await startHelper(1) : undefined;
  if (second) {
    try {
      await runOnHelper(second, job(0, split));
    } catch {
      rows(0, split);
    }
  } else rows(0, split);
  try {
    await remote;
  } catch {
    rows(split, p);
  }
  return result();
}
