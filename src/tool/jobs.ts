/**
 * Background jobs: a tool call made with `background: true` runs here instead of holding the request
 * open, and answers at once with a job id. The job belongs to the caller's identity; its progress,
 * result and cancellation are reached through wait_for_job and the quantconnect://jobs/{id}
 * resource from any connection of that identity, so a result survives the client reconnecting.
 * Jobs live in this process's memory: finished ones for an hour, at most MAX_KEPT per identity.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ToolReturn } from './tool.js';

export const JOBS_URI = 'quantconnect://jobs/';
/** The input a tool declares to take `background: true` (the call pipeline starts the job). */
export const backgroundFlag = z.boolean().optional().describe('Run as a job; poll wait_for_job');
/** Jobs one identity may have running at once. */
export const MAX_RUNNING = 4;
/** Jobs kept per identity (the oldest finished go first). */
const MAX_KEPT = 50;
const TTL_MS = 60 * 60 * 1000;

export type JobStatus = 'working' | 'completed' | 'failed' | 'cancelled';

export interface JobProgress {
  progress: number;
  total?: number;
  message?: string;
}

export interface Job {
  id: string;
  identity: string;
  tool: string;
  status: JobStatus;
  progress?: JobProgress;
  /** The tool's result (completed), or what went wrong (failed, cancelled). */
  result?: ToolReturn;
  error?: string;
  created: number;
  finished?: number;
}

interface Entry extends Job {
  controller: AbortController;
  listeners: Set<() => void>;
}

/** What a job's work sees: its own signal (not the request's) and a progress sink. */
export interface JobContext {
  signal: AbortSignal;
  progress: (progress: number, total?: number, message?: string) => Promise<void>;
}

/** A refusal to start a job (too many running for this identity). */
export class JobLimitError extends Error {}

export class JobStore {
  private readonly entries = new Map<string, Entry>();

  /** Starts work as a job of identity; the returned job is already 'working'. */
  start(identity: string, tool: string, work: (ctx: JobContext) => Promise<ToolReturn>): Job {
    this.evict();
    const running = [...this.entries.values()].filter((e) => e.identity === identity && e.status === 'working').length;
    if (running >= MAX_RUNNING)
      throw new JobLimitError(`${identity} already has ${running} background jobs running (at most ${MAX_RUNNING}); wait for one or cancel it.`);
    const entry: Entry = { id: randomUUID(), identity, tool, status: 'working', created: Date.now(), controller: new AbortController(), listeners: new Set() };
    this.entries.set(entry.id, entry);
    const changed = () => entry.listeners.forEach((listener) => listener());
    const ctx: JobContext = {
      signal: entry.controller.signal,
      progress: async (progress, total, message) => {
        entry.progress = { progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) };
        changed();
      },
    };
    work(ctx).then(
      (result) => this.finish(entry, entry.controller.signal.aborted ? 'cancelled' : 'completed', result),
      (error: unknown) => this.finish(entry, entry.controller.signal.aborted ? 'cancelled' : 'failed', undefined, (error as Error)?.message ?? String(error)),
    );
    return view(entry);
  }

  private finish(entry: Entry, status: JobStatus, result?: ToolReturn, error?: string): void {
    if (entry.status !== 'working') return;
    entry.status = status;
    entry.finished = Date.now();
    if (status === 'completed' && result) entry.result = result;
    if (status !== 'completed') entry.error = status === 'cancelled' ? 'cancelled on request' : error;
    entry.listeners.forEach((listener) => listener());
  }

  /** The job, if it exists and belongs to identity (another identity's job reads as missing). */
  get(id: string, identity: string): Job | undefined {
    this.evict();
    const entry = this.entries.get(id);
    return entry && entry.identity === identity ? view(entry) : undefined;
  }

  /** Asks a working job to stop; its status becomes 'cancelled' at once. */
  cancel(id: string, identity: string): Job | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.identity !== identity) return undefined;
    if (entry.status === 'working') {
      entry.controller.abort(new Error('cancelled on request'));
      this.finish(entry, 'cancelled');
    }
    return view(entry);
  }

  /**
   * Waits until the job finishes, ms pass or signal aborts, calling onProgress as the job reports it;
   * returns the job as it then is (undefined when it is not this identity's).
   */
  async wait(id: string, identity: string, ms: number, signal: AbortSignal, onProgress: (p: JobProgress) => void): Promise<Job | undefined> {
    const entry = this.entries.get(id);
    if (!entry || entry.identity !== identity) return undefined;
    if (entry.status === 'working') {
      await new Promise<void>((resolve) => {
        let last = entry.progress;
        const listener = () => {
          if (entry.status !== 'working') return done();
          if (entry.progress && entry.progress !== last) onProgress((last = entry.progress));
        };
        const timer = setTimeout(() => done(), ms);
        const done = () => {
          clearTimeout(timer);
          entry.listeners.delete(listener);
          signal.removeEventListener('abort', done);
          resolve();
        };
        entry.listeners.add(listener);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return view(entry);
  }

  private evict(): void {
    const now = Date.now();
    const kept = new Map<string, number>();
    for (const entry of [...this.entries.values()].reverse()) {
      const count = (kept.get(entry.identity) ?? 0) + 1;
      kept.set(entry.identity, count);
      const stale = entry.finished !== undefined && (now - entry.finished > TTL_MS || count > MAX_KEPT);
      if (stale) this.entries.delete(entry.id);
    }
  }
}

function view(entry: Entry): Job {
  const { controller: _c, listeners: _l, ...job } = entry;
  return { ...job };
}

/** One store per process: jobs are reached from any connection of the identity that started them. */
export const jobStore = new JobStore();
