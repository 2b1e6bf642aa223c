/** What every sandbox route shares: its context, answers in the API's shapes, and lookups. */
import type { Project, SandboxState } from '../state.js';

export interface Timing {
  compileMs: number;
  backtestQueueMs: number;
  backtestRunMs: number;
  optimizationMs: number;
  liveWarmupMs: number;
  reportMs: number;
  /** How long the simulated human takes to finish a brokerage login. */
  loginMs: number;
}

export interface RouteContext {
  state: SandboxState;
  now: () => number;
  timing: Timing;
  credentials: { userId: string; token: string };
  /** This sandbox's API base URL as the client reached it. */
  baseUrl: string;
  /** Persist the state (no-op without --state). */
  save: () => void;
}

export interface RouteAnswer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Body = Record<string, unknown>;
export type Route = (body: Body, ctx: RouteContext) => RouteAnswer;

export const ok = (fields: Record<string, unknown> = {}): RouteAnswer => ({ body: { ...fields, success: true } });
/** The API's error contract: HTTP 200 with success:false and errors. */
export const fail = (...errors: string[]): RouteAnswer => ({ body: { success: false, errors } });

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function nextId(ctx: RouteContext): number {
  return ctx.state.nextId++;
}

export class Refusal extends Error {
  constructor(readonly answer: RouteAnswer) {
    super('refused');
  }
}

/** The project `body.projectId`, or a refusal in the API's shape. */
export function projectOf(body: Body, ctx: RouteContext): Project {
  const id = body.projectId;
  const project = ctx.state.projects.find((p) => p.projectId === id);
  if (!project) throw new Refusal(fail(`Project ${String(id)} not found or you do not have access to it.`));
  return project;
}

/** Wrap a route so that a Refusal thrown anywhere inside becomes its answer. */
export function guarded(route: Route): Route {
  return (body, ctx) => {
    try {
      return route(body, ctx);
    } catch (error) {
      if (error instanceof Refusal) return error.answer;
      throw error;
    }
  };
}

/** A window [start, end) must be ordered and no longer than `max`. */
export function checkWindow(start: unknown, end: unknown, max: number, what: string, inclusiveMax = false): void {
  const s = Number(start ?? 0);
  const e = Number(end);
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e < s) {
    throw new Refusal(fail(`Invalid ${what} window: start must be >= 0 and end >= start.`));
  }
  if (inclusiveMax ? e - s > max : e - s >= max) {
    throw new Refusal(fail(`The ${what} window is too large: end - start must be ${inclusiveMax ? 'at most' : 'less than'} ${max}.`));
  }
}
