/**
 * Polling for the workflow tools: read (through another tool) until done, with back-off, progress,
 * cancellation and a deadline. Backtest summaries live in src/api/backtest-summary.ts.
 */
import { ToolError } from '../../src/tool/results.js';
import { sleep } from '../../src/util/sleep.js';
import type { ToolContext } from '../../src/tool/tool.js';

export type Json = Record<string, unknown>;

export interface PollOptions {
  timeoutS: number;
  /** What the agent is told when the wait ends early (timeout or cancel), e.g. how to resume. */
  resume: string;
  firstMs?: number;
  maxMs?: number;
}

/**
 * Read until `finished` says so, waiting 0.3 s, then 1.5x longer each time up to 5 s. Stops at the
 * deadline or on cancellation, with a message saying the job may still be running and how to resume.
 */
export async function pollUntil<T>(
  ctx: ToolContext,
  deadline: number,
  read: () => Promise<T>,
  finished: (value: T) => boolean,
  options: PollOptions,
): Promise<T> {
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
