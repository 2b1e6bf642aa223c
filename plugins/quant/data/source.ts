/**
 * Price data for the research tools: one PriceSource interface with four implementations,
 * chosen by QC_MCP_DATA (csv:DIR | lean:DIR | objectstore:PREFIX | sim:), a LEAN workspace, or the
 * sandbox default (src/config/data-source.ts decides which):
 * - csv:DIR          one <SYMBOL>.csv per symbol (date and close at least; header detected; case-insensitive names)
 * - lean:DIR         LEAN's data folder (equity/usa/daily|hour/<sym>.zip, minute/<sym>/<YYYYMMDD>_trade.zip; prices x 10000)
 * - objectstore:P    <P><SYMBOL>.csv in the QuantConnect Object Store, fetched with the two-step get
 * - sim:SETTINGS     the simulated market (sim-source.ts)
 * Bad data is refused with an error naming the symbol and the row: nothing is silently repaired.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { answerOf } from '../../../src/qc/answer.js';
import { ToolError } from '../../../src/tool/results.js';
import type { ToolContext } from '../../../src/tool/tool.js';
import { FIELDS, type Field, type PriceSource, type Resolution, type Series } from './series.js';
import { SimSource } from './sim-source.js';

export { FIELDS, type Field, type PriceSource, type Resolution, type Series } from './series.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** A date cell as YYYY-MM-DD (daily) or YYYY-MM-DDTHH:MM, or undefined. */
export function normaliseDate(cell: string, intraday: boolean): string | undefined {
  const s = cell.trim().replace(/^"|"$/g, '');
  let m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(s);
  let y: number,
    mo: number,
    d: number,
    h = 0,
    mi = 0;
  if (m) [y, mo, d, h, mi] = [+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0)];
  else if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2}))?/.exec(s))) [mo, d, y, h, mi] = [+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0)];
  else return undefined;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  const day = `${y}-${pad(mo)}-${pad(d)}`;
  return intraday ? `${day}T${pad(h)}:${pad(mi)}` : day;
}

const HEADER_ALIASES: Record<string, Field | 'date'> = {
  date: 'date',
  time: 'date',
  datetime: 'date',
  timestamp: 'date',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume',
  adj_close: 'adj_close',
  'adj close': 'adj_close',
  adjclose: 'adj_close',
  adjusted_close: 'adj_close',
};

/** Parse a price CSV; the header is detected (a headerless file is date,open,high,low,close,volume or date,close). */
export function parsePriceCsv(text: string, symbol: string, intraday = false): Series {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new ToolError(`${symbol}: the file is empty`);
  const first = (lines[0] as string).split(',').map((c) => c.trim().toLowerCase().replace(/^"|"$/g, ''));
  let columns: (Field | 'date' | undefined)[];
  let body = lines;
  if (normaliseDate(first[0] ?? '', false) === undefined) {
    columns = first.map((c) => HEADER_ALIASES[c]);
    body = lines.slice(1);
    if (!columns.includes('date')) throw new ToolError(`${symbol}: no date column (header: ${first.join(', ')})`);
    if (!columns.includes('close') && !columns.includes('adj_close')) throw new ToolError(`${symbol}: no close column (header: ${first.join(', ')})`);
  } else {
    columns = first.length >= 6 ? ['date', 'open', 'high', 'low', 'close', 'volume'] : ['date', 'close'];
  }
  const dateIndex = columns.indexOf('date');
  const fields: Partial<Record<Field, number[]>> = {};
  for (const f of FIELDS) if (columns.includes(f)) fields[f] = [];
  const dates: string[] = [];
  body.forEach((line, i) => {
    const cells = line.split(',');
    const date = normaliseDate(cells[dateIndex] ?? '', intraday);
    const row = i + (body === lines ? 1 : 2);
    if (!date) throw new ToolError(`${symbol}: row ${row} has an unreadable date "${cells[dateIndex] ?? ''}"`);
    dates.push(date);
    columns.forEach((c, j) => {
      if (!c || c === 'date') return;
      const value = Number((cells[j] ?? '').trim());
      if (!Number.isFinite(value) || (cells[j] ?? '').trim() === '') throw new ToolError(`${symbol}: row ${row} (${date}) has a missing or non-numeric ${c}`);
      (fields[c] as number[]).push(value);
    });
  });
  // Sort by date and refuse duplicates.
  const order = dates.map((_, i) => i).sort((a, b) => ((dates[a] as string) < (dates[b] as string) ? -1 : 1));
  for (let k = 1; k < order.length; k++) {
    if (dates[order[k] as number] === dates[order[k - 1] as number]) throw new ToolError(`${symbol}: duplicate date ${dates[order[k] as number]}`);
  }
  const pick = <T>(xs: T[]): T[] => order.map((i) => xs[i] as T);
  const sortedFields = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, pick(v as number[])])) as Partial<Record<Field, number[]>>;
  return { symbol, dates: pick(dates), price: (sortedFields.adj_close ?? sortedFields.close) as number[], fields: sortedFields };
}

/** The rows within [start, end]; an error naming the symbol when none are. */
export function slice(series: Series, start: string, end: string): Series {
  const endKey = end.length === 10 ? `${end}T99` : end;
  const keep = series.dates.map((d, i) => (d >= start && d <= endKey ? i : -1)).filter((i) => i >= 0);
  if (keep.length === 0) {
    throw new ToolError(`${series.symbol}: no data between ${start} and ${end} (the data covers ${series.dates[0] ?? '?'} to ${series.dates.at(-1) ?? '?'})`);
  }
  const pick = (xs: number[]) => keep.map((i) => xs[i] as number);
  return {
    ...series,
    dates: keep.map((i) => series.dates[i] as string),
    price: pick(series.price),
    fields: Object.fromEntries(Object.entries(series.fields).map(([k, v]) => [k, pick(v as number[])])),
  };
}

/** csv:DIR */
export class CsvSource implements PriceSource {
  readonly kind = 'csv' as const;
  constructor(readonly dir: string) {}
  get describe(): string {
    return `csv:${this.dir}`;
  }
  async load(symbol: string, start: string, end: string, resolution: Resolution): Promise<Series> {
    if (!existsSync(this.dir)) throw new ToolError(`the data folder ${this.dir} does not exist (QC_MCP_DATA)`);
    const file = readdirSync(this.dir).find((f) => f.toLowerCase() === `${symbol.toLowerCase()}.csv`);
    if (!file) throw new ToolError(`unknown symbol ${symbol}: there is no ${symbol}.csv in ${this.dir}`);
    return slice(parsePriceCsv(readFileSync(join(this.dir, file), 'utf8'), symbol.toUpperCase(), resolution !== 'daily'), start, end);
  }
}

/** lean:DIR, LEAN's data layout as lean-cli users have it. */
export class LeanSource implements PriceSource {
  readonly kind = 'lean' as const;
  constructor(readonly dir: string) {}
  get describe(): string {
    return `lean:${this.dir}`;
  }

  private parseLean(text: string, symbol: string, day?: string): Series {
    const dates: string[] = [];
    const cols: number[][] = [[], [], [], [], []];
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      const cells = line.split(',');
      let date: string | undefined;
      if (day) {
        const ms = Number(cells[0]);
        date = `${day}T${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor((ms % 3_600_000) / 60_000))}`;
      } else {
        date = normaliseDate(cells[0] ?? '', (cells[0] ?? '').includes(':') && !(cells[0] ?? '').endsWith('00:00'));
      }
      if (!date) throw new ToolError(`${symbol}: unreadable LEAN row "${line.slice(0, 40)}"`);
      dates.push(date);
      for (let j = 0; j < 5; j++) {
        const v = Number(cells[j + 1]);
        if (!Number.isFinite(v)) throw new ToolError(`${symbol}: LEAN row ${date} has a non-numeric value`);
        (cols[j] as number[]).push(j < 4 ? v / 10_000 : v);
      }
    }
    return {
      symbol,
      dates,
      price: cols[3] as number[],
      fields: { open: cols[0], high: cols[1], low: cols[2], close: cols[3], volume: cols[4] } as Partial<Record<Field, number[]>>,
    };
  }

  private unzipOne(path: string, symbol: string): string {
    const entries = unzipSync(readFileSync(path));
    const name = Object.keys(entries).find((n) => n.toLowerCase().endsWith('.csv'));
    if (!name) throw new ToolError(`${symbol}: ${path} holds no CSV`);
    return strFromU8(entries[name] as Uint8Array);
  }

  async load(symbol: string, start: string, end: string, resolution: Resolution): Promise<Series> {
    const sym = symbol.toLowerCase();
    const base = join(this.dir, 'equity', 'usa', resolution);
    if (resolution !== 'minute') {
      const path = join(base, `${sym}.zip`);
      if (!existsSync(path)) throw new ToolError(`unknown symbol ${symbol}: no ${resolution} data at ${path}`);
      const series = this.parseLean(this.unzipOne(path, symbol), symbol.toUpperCase());
      const fixed = resolution === 'hour' ? { ...series, dates: series.dates.map((d) => (d.length === 10 ? `${d}T00:00` : d)) } : series;
      return slice(resolution === 'hour' ? { ...fixed, bar_minutes: 60 } : fixed, start, end);
    }
    const folder = join(base, sym);
    if (!existsSync(folder)) throw new ToolError(`unknown symbol ${symbol}: no minute data at ${folder}`);
    const days = readdirSync(folder)
      .filter((f) => /^\d{8}_trade\.zip$/.test(f))
      .map((f) => f.slice(0, 8))
      .sort()
      .filter(
        (d) =>
          `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` >= start.slice(0, 10) &&
          `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` <= end.slice(0, 10),
      );
    if (days.length === 0) throw new ToolError(`${symbol}: no minute data between ${start} and ${end}`);
    const parts = days.map((d) =>
      this.parseLean(this.unzipOne(join(folder, `${d}_trade.zip`), symbol), symbol.toUpperCase(), `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`),
    );
    const merged: Series = { symbol: symbol.toUpperCase(), dates: parts.flatMap((p) => p.dates), price: parts.flatMap((p) => p.price), fields: {} };
    for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) merged.fields[f] = parts.flatMap((p) => p.fields[f] ?? []);
    return slice({ ...merged, bar_minutes: 1 }, start, end);
  }
}

/** objectstore:PREFIX: <PREFIX><SYMBOL>.csv in the QuantConnect Object Store. */
export class ObjectStoreSource implements PriceSource {
  readonly kind = 'objectstore' as const;
  constructor(private readonly prefix: string) {}
  get describe(): string {
    return `objectstore:${this.prefix}`;
  }
  async load(symbol: string, start: string, end: string, resolution: Resolution, ctx: ToolContext): Promise<Series> {
    const organizationId = ctx.settings.organizationId;
    if (!organizationId) throw new ToolError('the Object Store needs QUANTCONNECT_ORGANIZATION_ID');
    const key = `${this.prefix}${symbol.toUpperCase()}.csv`;
    const post = async (body: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const answer = await answerOf(await ctx.qc.postJson('/object/get', body, { read: true, signal: ctx.signal }));
      if (answer.kind === 'refused') throw new ToolError(`unknown symbol ${symbol}: Object Store key ${key}: ${answer.errors.join('; ') || 'not found'}`);
      if (answer.kind !== 'ok') throw new ToolError(`Object Store key ${key}: QuantConnect answered HTTP ${answer.status}`);
      return answer.body as Record<string, unknown>;
    };
    const job = await post({ organizationId, keys: [key] });
    const link = await post({ organizationId, jobId: job.jobId });
    const response = await fetch(String(link.url), { signal: ctx.signal });
    if (!response.ok) throw new ToolError(`${symbol}: downloading ${key} failed (HTTP ${response.status})`);
    // The Object Store serves downloads as a zip archive, even for one key.
    const bytes = new Uint8Array(await response.arrayBuffer());
    const zipped = bytes[0] === 0x50 && bytes[1] === 0x4b;
    const entries = zipped ? unzipSync(bytes) : {};
    const file = zipped ? (entries[key] ?? Object.values(entries)[0]) : bytes;
    if (!file) throw new ToolError(`${symbol}: the download of ${key} is an empty archive`);
    return slice(parsePriceCsv(strFromU8(file), symbol.toUpperCase(), resolution !== 'daily'), start, end);
  }
}

export function sourceFromSpec(spec: string | undefined): PriceSource | undefined {
  if (!spec) return undefined;
  const [kind, ...rest] = spec.split(':');
  const value = rest.join(':');
  if (kind === 'csv' && value) return new CsvSource(value);
  if (kind === 'lean' && value) return new LeanSource(value);
  if (kind === 'objectstore') return new ObjectStoreSource(value);
  if (kind === 'sim') return new SimSource(value);
  throw new ToolError(`QC_MCP_DATA must be csv:DIR, lean:DIR, objectstore:PREFIX or sim: (got ${JSON.stringify(spec)})`);
}

export interface Aligned {
  symbols: string[];
  dates: string[];
  /** prices[i] is the aligned price of symbols[i]. */
  prices: number[][];
  dropped: Record<string, number>;
}

/** Inner join on dates; reports how many rows of each symbol had no partner. */
export function align(series: Series[]): Aligned {
  // Fast path: every series on the same ascending dates (one source, one range) needs no matching.
  const d0 = series[0]?.dates ?? [];
  if (
    d0.every((d, i) => i === 0 || (d0[i - 1] as string) < d) &&
    series.every((s) => s.dates === d0 || (s.dates.length === d0.length && s.dates.every((d, i) => d === d0[i])))
  ) {
    return {
      symbols: series.map((s) => s.symbol),
      dates: [...d0],
      prices: series.map((s) => s.price.slice()),
      dropped: Object.fromEntries(series.map((s) => [s.symbol, 0])),
    };
  }
  const counts = new Map<string, number>();
  for (const s of series) for (const d of s.dates) counts.set(d, (counts.get(d) ?? 0) + 1);
  const common = [...counts.entries()]
    .filter(([, c]) => c === series.length)
    .map(([d]) => d)
    .sort();
  const keep = new Set(common);
  return {
    symbols: series.map((s) => s.symbol),
    dates: common,
    prices: series.map((s) => s.dates.map((d, i) => (keep.has(d) ? (s.price[i] as number) : NaN)).filter((v) => !Number.isNaN(v))),
    dropped: Object.fromEntries(series.map((s) => [s.symbol, s.dates.length - common.length])),
  };
}
