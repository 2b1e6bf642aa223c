/**
 * The research data layer the research, portfolio and universe plugins share: argument schemas,
 * per-caller research sessions, the configured price source, loading with inner-join alignment,
 * and statistics errors turned into messages an agent can act on.
 */
import { checkCapacity, type Cost } from './capacity.js';
import { z } from 'zod';
import { ToolError } from '../../src/tool/results.js';
import type { ToolContext } from '../../src/tool/tool.js';
import { align, sourceFromSpec, type Aligned, type PriceSource, type Resolution, type Series } from './data/source.js';
import { loadBars } from './data/bars.js';
import { barLabel, periodsPerYear } from './data/resample.js';
import { StatsInputError } from './stats/adf.js';
import { simpleReturns } from './stats/describe.js';
import { SingularError } from './stats/ols.js';

export const MIN_OBS = 30;
// Checked by refine, not a JSON Schema pattern: the same rule, fewer tokens in tools/list.
export const date = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v), 'a date is YYYY-MM-DD')
  .describe('YYYY-MM-DD');
export const symbol = z
  .string()
  .max(20)
  .refine((v) => /^[A-Za-z0-9._-]{1,20}$/.test(v), 'a ticker such as KO or BRK.B');
export const resolution = z.enum(['daily', 'hour', 'minute']).default('daily').describe('Bar size');
export const barMinutes = z.number().int().min(1).max(390).optional().describe('Resample intraday data to N-minute bars');
export const transform = z.enum(['log', 'none']).default('log').describe('Prices to test: log or raw (none)');
export const instance = z.string().min(1).max(64).optional().describe('add_equity session');
/** Short one-line descriptions shared by many inputs (tools/list has a token budget). */
export const TICKERS = 'Tickers, e.g. KO';
export const BENCHMARK = 'Benchmark ticker, e.g. SPY';
export const criticals = z.object({ '1%': z.number(), '5%': z.number(), '10%': z.number() });

export type Sessions = Map<string, Map<string, Map<string, Series>>>;

/** Research sessions of this runtime, per caller: identity -> instance name -> symbol -> series. */
export function sessionsOf(ctx: ToolContext): Sessions {
  let sessions = ctx.state.get('research.sessions') as Sessions | undefined;
  if (!sessions) ctx.state.set('research.sessions', (sessions = new Map()));
  return sessions;
}

/** The caller's session named `name` (symbol -> series), created empty when it does not exist yet. */
export function sessionFor(ctx: ToolContext, name: string): Map<string, Series> {
  const sessions = sessionsOf(ctx);
  const mine = sessions.get(ctx.identity) ?? new Map<string, Map<string, Series>>();
  sessions.set(ctx.identity, mine);
  const session = mine.get(name) ?? new Map<string, Series>();
  mine.set(name, session);
  return session;
}

export function source(ctx: ToolContext): PriceSource {
  const configured = sourceFromSpec(ctx.settings.data);
  if (!configured) {
    throw new ToolError(
      'No price data source is configured. To add one: run the server in a LEAN CLI workspace (lean init writes lean.json with its data-folder) or set QC_MCP_LEAN_CONFIG to that lean.json; ' +
        'or set QC_MCP_DATA to csv:DIR, lean:DIR or objectstore:PREFIX; QC_MCP_DATA=sim: uses the simulated market. `npx quantconnect-mcp doctor` shows the active source.',
    );
  }
  return configured;
}

export interface Selection {
  symbols?: string[] | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  instance_name?: string | undefined;
  resolution?: Resolution | undefined;
  bar_minutes?: number | undefined;
}

export type Loaded = Aligned & { source: string; data_source: string; bar_minutes: number | undefined; periods_per_year: number };

/** Load (or take from the session) each symbol, then align them on common dates. */
/** The ceiling and compute budget load() holds a call to, whether its symbols come from a list or a session (capacity.ts). */
export interface Capacity {
  tool: string;
  max: number;
  cost?: Cost;
}

export async function load(sel: Selection, ctx: ToolContext, minSymbols: number, capacity?: Capacity): Promise<Loaded> {
  let series: Series[];
  let from: string;
  if (sel.instance_name) {
    const session = sessionsOf(ctx).get(ctx.identity)?.get(sel.instance_name);
    if (!session) throw new ToolError(`There is no research session "${sel.instance_name}": create it with add_equity or add_multiple_equities.`);
    const wanted = sel.symbols?.map((s) => s.toUpperCase()) ?? [...session.keys()];
    series = wanted.map((s) => {
      const found = session.get(s);
      if (!found) throw new ToolError(`${s} is not in session "${sel.instance_name}" (it has ${[...session.keys()].join(', ')}).`);
      const inside =
        (!sel.start_date || (found.dates[0] ?? '') >= sel.start_date) && (!sel.end_date || (found.dates.at(-1) ?? '').slice(0, 10) <= sel.end_date);
      if (inside) return found;
      const keep = found.dates
        .map((d, i) => ((!sel.start_date || d >= sel.start_date) && (!sel.end_date || d.slice(0, 10) <= sel.end_date) ? i : -1))
        .filter((i) => i >= 0);
      return { ...found, dates: keep.map((i) => found.dates[i] as string), price: keep.map((i) => found.price[i] as number) };
    });
    from = `session ${sel.instance_name}`;
  } else {
    if (!sel.symbols || !sel.start_date || !sel.end_date)
      throw new ToolError('Give symbols, start_date and end_date, or the instance_name of a research session.');
    if (sel.start_date > sel.end_date) throw new ToolError(`start_date ${sel.start_date} is after end_date ${sel.end_date}.`);
    const src = source(ctx);
    series = await Promise.all(
      sel.symbols.map((s) => loadBars(src, s, sel.start_date as string, sel.end_date as string, sel.resolution ?? 'daily', sel.bar_minutes, ctx)),
    );
    from = src.describe;
  }
  const names = series.map((s) => s.symbol);
  const dup = names.find((s, i) => names.indexOf(s) !== i);
  if (dup) throw new ToolError(`${dup} is listed twice.`);
  if (series.length < minSymbols) throw new ToolError(`This analysis needs at least ${minSymbols} symbols.`);
  const bars = [...new Set(series.map((s) => barLabel(s.bar_minutes)))];
  if (bars.length > 1)
    throw new ToolError(
      `The series have different bar sizes (${series.map((s) => `${s.symbol} ${barLabel(s.bar_minutes)}`).join(', ')}); load them with the same resolution and bar_minutes.`,
    );
  if (capacity) checkCapacity(capacity.tool, series.length, 0, capacity.max);
  const aligned = align(series);
  if (capacity) checkCapacity(capacity.tool, series.length, aligned.dates.length, capacity.max, capacity.cost);
  if (aligned.dates.length < MIN_OBS) {
    throw new ToolError(
      `Only ${aligned.dates.length} dates are common to ${names.join(', ')}; at least ${MIN_OBS} are needed. Widen the dates or check the data.`,
    );
  }
  const simulated = series.some((s) => s.data_source === 'simulated');
  return {
    ...aligned,
    source: from,
    data_source: simulated ? 'simulated' : (series[0]?.data_source ?? 'unknown'),
    bar_minutes: series[0]?.bar_minutes,
    periods_per_year: periodsPerYear(series[0]?.bar_minutes),
  };
}

export const alignmentNote = (a: Loaded) => ({
  source: a.source,
  data_source: a.data_source,
  bar: barLabel(a.bar_minutes),
  periods_per_year: a.periods_per_year,
  n_obs: a.dates.length,
  first_date: a.dates[0],
  last_date: a.dates.at(-1),
  dropped_rows: a.dropped,
});
export const alignmentSchema = {
  // Results also carry source, data_source ("simulated" on the simulated market), bar (1d, or Nmin:
  // half-lives are in bars), periods_per_year (bars a year, for annualising), first_date, last_date and
  // dropped_rows (rows per symbol without a partner date, inner join): left out of the listed schema
  // to keep tools/list small (output schemas are lenient).
  n_obs: z.number(),
};

/** Statistics errors (constant series, too short) as messages the agent can act on. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof StatsInputError) throw new ToolError(error.message);
    if (error instanceof SingularError) {
      throw new ToolError(`The regression is singular (${error.message}): the series is too regular or too short for this test. Use more or noisier data.`);
    }
    throw error;
  }
}

/**
 * Symbols plus an optional benchmark, loaded once and aligned (the benchmark may also be one of the
 * symbols), as simple daily returns: `assets` in the order of `symbols` (upper-cased).
 */
export async function loadWithBenchmark(
  a: Selection & { symbols: string[]; benchmark_symbol?: string | undefined },
  ctx: ToolContext,
  minSymbols: number,
): Promise<{ data: Loaded; symbols: string[]; assets: Float64Array[]; benchmark: Float64Array | undefined }> {
  const symbols = a.symbols.map((s) => s.toUpperCase());
  const bench = a.benchmark_symbol?.toUpperCase();
  const all = bench && !symbols.includes(bench) ? [...symbols, bench] : symbols;
  const data = await load({ ...a, symbols: all }, ctx, Math.min(minSymbols, all.length));
  const returns = simpleReturns(data.prices).map((r) => Float64Array.from(r));
  const of = (s: string) => returns[data.symbols.indexOf(s)] as Float64Array;
  return { data, symbols, assets: symbols.map(of), benchmark: bench ? of(bench) : undefined };
}
