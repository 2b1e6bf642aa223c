/**
 * What the workflow tools need from QuantConnect: one signed POST with the caller's cancellation,
 * and polling with back-off and progress. Backtest summaries live in src/qc/backtest-summary.ts
 * (read_backtest shares them).
 */
import { ToolError } from '../../src/runtime/results.js';
import type { ToolContext } from '../../src/runtime/tool.js';

export type Json = Record<string, unknown>;

/** POST a QuantConnect API path; reads are retried, writes are not. Fails with the API's own errors. */
export async function post(ctx: ToolContext, path: string, body: Json, read: boolean): Promise<Json> {
  const response = await ctx.qc.postJson(path, body, { read, signal: ctx.signal });
  const text = await response.text();
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    throw new ToolError(`QuantConnect answered ${path} with HTTP ${response.status} and no JSON.`);
  }
  if (!response.ok || parsed.success === false || parsed.success === 'false') {
    const errors = Array.isArray(parsed.errors) ? parsed.errors.join('; ') : '';
    throw new ToolError(`${path} failed (HTTP ${response.status})${errors ? `: ${errors}` : ''}`);
  }
  return parsed;
}

export interface PollOptions {
  timeoutS: number;
  /** What the agent is told when the wait ends early (timeout or cancel), e.g. how to resume. */
  resume: string;
  firstMs?: number;
  maxMs?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Read until `finished` says so, waiting 0.3 s, then 1.5x longer each time up to 5 s. Stops at the
 * deadline or on cancellation, with a message saying the job may still be running and how to resume.
 */
export async function pollUntil<T>(ctx: ToolContext, deadline: number, read: () => Promise<T>, finished: (value: T) => boolean, options: PollOptions): Promise<T> {
  let wait = options.firstMs ?? 300;
  for (;;) {
    if (ctx.signal.aborted) throw new ToolError(`Cancelled: stopped waiting. ${options.resume}`);
    const value = await read().catch((error: unknown) => {
      if (ctx.signal.aborted) throw new ToolError(`Cancelled: stopped waiting. ${options.resume}`);
      throw error;
    });
    if (finished(value)) return value;
    if (Date.now() >= deadline) throw new ToolError(`Timed out after ${options.timeoutS} s. ${options.resume}`);
    await sleep(Math.min(wait, Math.max(0, deadline - Date.now())), ctx.signal);
    wait = Math.min(options.maxMs ?? 5000, wait * 1.5);
  }
}
