/**
 * What the workflow tools need from QuantConnect: one signed POST with the caller's cancellation,
 * polling with back-off and progress, and compact backtest summaries.
 */
import { ToolError } from '../../src/runtime/results.js';
import type { ToolContext } from '../../src/runtime/tool.js';

export type Json = Record<string, unknown>;

/** POST a QuantConnect API path; reads are retried, writes are not. Fails with the API's own errors. */
export async function post(ctx: ToolContext, path: string, body: Json, read: boolean): Promise<Json> {
  const response = await ctx.qc.fetchFor(read)(
    new Request(`${ctx.qc.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: ctx.qc.signalFor(ctx.signal) }),
  );
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

/** The statistics an agent reads first; the rest stay reachable through read_backtest(include) and resources. */
const KEY_STATISTICS = [
  'Net Profit', 'Compounding Annual Return', 'Sharpe Ratio', 'Sortino Ratio', 'Probabilistic Sharpe Ratio', 'Drawdown',
  'Win Rate', 'Total Orders', 'Alpha', 'Beta', 'Annual Standard Deviation', 'Portfolio Turnover', 'Total Fees',
];

/** Hints for common runtime errors, matched on the message. */
const HINTS: [RegExp, string][] = [
  [/NameError|is not defined|does not exist in the current context/i, 'A name is used before it is defined: check spelling and imports at the line in the stack trace.'],
  [/AttributeError|has no attribute|does not contain a definition/i, 'An object lacks the member used: check the API name (QuantConnect uses snake_case in Python, PascalCase in C#).'],
  [/KeyError|not found in the dictionary|KeyNotFound/i, 'A key is missing: check that the symbol or data is in the Slice before reading it (slice.contains_key / ContainsKey).'],
  [/ZeroDivision|divide by zero/i, 'A division by zero: guard the denominator (a price or indicator may be 0 or not ready).'],
  [/IndexError|index out of range|Index was outside/i, 'An index is out of range: check history length and indicator warm-up.'],
  [/insufficient|buying power/i, 'Orders exceed the buying power: size positions with calculate_order_quantity or set_holdings.'],
];

export function hintFor(message: string): string {
  return HINTS.find(([pattern]) => pattern.test(message))?.[1] ?? 'Fix the line named in the stack trace, then run compile_and_backtest again.';
}

export const resourceBase = (projectId: number, backtestId: string): string => `quantconnect://projects/${projectId}/backtests/${backtestId}`;

/** A backtest as a compact summary (well under 2 KB): state, key and runtime statistics, the error with a hint. */
export function summariseBacktest(backtest: Json, projectId: number): Json {
  const statistics = (backtest.statistics ?? {}) as Record<string, unknown>;
  const key = Object.fromEntries(KEY_STATISTICS.filter((k) => statistics[k] !== undefined).map((k) => [k, statistics[k]]));
  const error = typeof backtest.error === 'string' && backtest.error !== '' ? backtest.error : undefined;
  const stack = typeof backtest.stacktrace === 'string' ? backtest.stacktrace : undefined;
  const backtestId = String(backtest.backtestId ?? '');
  return {
    projectId,
    backtestId,
    name: backtest.name,
    status: backtest.status,
    progress: backtest.progress,
    completed: backtest.completed,
    ...(backtest.backtestStart ? { period: `${String(backtest.backtestStart).slice(0, 10)} to ${String(backtest.backtestEnd ?? '').slice(0, 10)}` } : {}),
    statistics: key,
    runtime_statistics: backtest.runtimeStatistics ?? {},
    ...(error ? { error, stacktrace: stack?.slice(0, 600), hint: hintFor(`${error}\n${stack ?? ''}`) } : {}),
    more: `read_backtest with include, or resources under ${resourceBase(projectId, backtestId)}`,
  };
}

/** resource_link content items for a backtest's full data, charts, orders and report. */
export function backtestLinks(projectId: number, backtestId: string, charts: string[]) {
  const base = resourceBase(projectId, backtestId);
  const link = (uri: string, name: string, description: string) => ({ type: 'resource_link' as const, uri, name, mimeType: 'application/json', description });
  return [
    link(base, `backtest ${backtestId}`, 'The full backtest result'),
    link(`${base}/orders`, 'orders', 'Orders, first page'),
    link(`${base}/report`, 'report', 'The backtest report'),
    ...charts.slice(0, 6).map((name) => link(`${base}/charts/${encodeURIComponent(name)}`, `chart ${name}`, `The ${name} chart`)),
  ];
}
