/**
 * The one worker pool every research tool shares (piscina): started on first use, its idle threads
 * unref'd (they never hold the process open) and retired after a minute, and closed with the
 * runtime. Work expected to take more than ~50 ms runs here so the main thread keeps answering.
 * Tasks are the named exports of pool-worker.ts; series travel in SharedArrayBuffers, so a task
 * message carries a view of the same memory, not a copy.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type * as Tasks from './pool-worker.js';

let pool: Piscina | undefined;

/** Threads the pool runs (at most 8; one on a one-core machine). */
export function poolThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

function started(): Piscina {
  if (pool) return pool;
  // From TypeScript sources (tests, bench) a bootstrap loads the tasks through tsx; the build runs the compiled file.
  const fromSource = import.meta.url.endsWith('.ts');
  pool = new Piscina({
    filename: fileURLToPath(new URL(fromSource ? './pool-worker.dev.mjs' : './pool-worker.js', import.meta.url)),
    minThreads: 0,
    maxThreads: poolThreads(),
    idleTimeout: 60_000,
    // Linux: workers run below the main thread's priority, so on a busy machine it still answers within ~100 ms.
    niceIncrement: 5,
  });
  // A worker that dies fails its task (the caller sees the error); without a listener the pool's 'error' event would end the process.
  pool.on('error', () => {});
  return pool;
}

type TaskName = 'egChunk' | 'dcorChunk' | 'bh' | 'call';
type Input<N extends TaskName> = Parameters<(typeof Tasks)[N]>[0];
type Output<N extends TaskName> = Awaited<ReturnType<(typeof Tasks)[N]>>;

/** Runs one task of pool-worker.ts on the pool; the signal aborts it (queued or running: the thread is replaced). */
export function runInPool<N extends TaskName>(name: N, input: Input<N>, signal?: AbortSignal): Promise<Output<N>> {
  return started().run(input, { name, ...(signal ? { signal } : {}) }) as Promise<Output<N>>;
}

/** Every module function the generic `call` task may run, by name (see pool-worker.ts). */
export type CallName = keyof typeof Tasks.CALLS;

/** Runs a module function (registered in pool-worker.ts's CALLS) on the pool and returns its structured-cloned result. */
export function callInPool<N extends CallName>(
  fn: N,
  args: Parameters<(typeof Tasks.CALLS)[N]>,
  signal?: AbortSignal,
): Promise<Awaited<ReturnType<(typeof Tasks.CALLS)[N]>>> {
  return runInPool('call', { fn, args }, signal) as Promise<Awaited<ReturnType<(typeof Tasks.CALLS)[N]>>>;
}

/** Stops the pool's threads (the runtime's close); the next task starts a new pool. */
export async function closePool(): Promise<void> {
  const closing = pool;
  pool = undefined;
  await closing?.destroy();
}
