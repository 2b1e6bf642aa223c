/**
 * sim: the simulated market as a price source. `sim:` uses seed 1, 100 tickers and today's date as
 * the last day; `sim:seed=7,symbols=150,end=2024-12-31` sets them. Markets are built once per
 * setting and shared; each symbol's bars are generated when first asked for and kept.
 */
import { ToolError } from '../../../src/tool/results.js';
import { FIRST_DATE, INDEX_ETF, MIN_SIZE } from './sim-universe.js';
import { SimMarket, type DailyBars } from './sim-market.js';
import { resample } from './resample.js';
import type { Field, PriceSource, Resolution, Series } from './series.js';

export const SIMULATED_NOTE = 'SIMULATED market data (sim:): not real prices; set QC_MCP_DATA or use a LEAN workspace for real data.';

export interface SimSettings {
  seed: number;
  symbols: number;
  end: string | undefined;
}

/** The settings after "sim:" (comma-separated key=value: seed, symbols, end). */
export function parseSimSpec(rest: string): SimSettings {
  const out: SimSettings = { seed: 1, symbols: 100, end: undefined };
  for (const part of rest
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const [key, value = ''] = part.split('=').map((s) => s.trim()) as [string, string?];
    if (key === 'seed' && /^\d{1,10}$/.test(value)) out.seed = Number(value);
    else if (key === 'symbols' && /^\d{1,4}$/.test(value) && Number(value) >= MIN_SIZE + 1 && Number(value) <= 1000) out.symbols = Number(value);
    else if (key === 'end' && /^\d{4}-\d{2}-\d{2}$/.test(value) && value > FIRST_DATE) out.end = value;
    else throw new ToolError(`sim: settings are seed=N, symbols=${MIN_SIZE + 1}..1000 and end=YYYY-MM-DD, comma-separated (got "${part}").`);
  }
  return out;
}

const markets = new Map<string, SimMarket>();

/** A market shared by every source with the same settings (the end defaults to today, UTC). */
function marketFor(s: SimSettings): SimMarket {
  const end = s.end ?? new Date().toISOString().slice(0, 10);
  const key = `${s.seed}|${s.symbols}|${end}`;
  let market = markets.get(key);
  if (!market) {
    if (markets.size >= 4) markets.clear();
    markets.set(key, (market = new SimMarket({ seed: s.seed, symbols: s.symbols, end })));
  }
  return market;
}

function toSeries(symbol: string, bars: DailyBars, from: number, to: number): Series {
  const pick = (xs: Float64Array) => Array.from(xs.subarray(from, to));
  const fields: Partial<Record<Field, number[]>> = {
    open: pick(bars.open),
    high: pick(bars.high),
    low: pick(bars.low),
    close: pick(bars.close),
    volume: pick(bars.volume),
  };
  return { symbol, dates: bars.dates.slice(from, to), price: fields.close as number[], fields, data_source: 'simulated' };
}

export class SimSource implements PriceSource {
  readonly kind = 'simulated' as const;
  readonly settings: SimSettings;

  constructor(rest: string) {
    this.settings = parseSimSpec(rest);
  }

  get market(): SimMarket {
    return marketFor(this.settings);
  }

  get describe(): string {
    const s = this.settings;
    return `sim:seed=${s.seed},symbols=${s.symbols}${s.end ? `,end=${s.end}` : ''}`;
  }

  async load(symbol: string, start: string, end: string, resolution: Resolution): Promise<Series> {
    const market = this.market;
    const sym = symbol.toUpperCase();
    if (!market.has(sym))
      throw new ToolError(`unknown symbol ${symbol}: the simulated market has no ${sym}; list_available_data lists its ${market.names.length + 1} tickers.`);
    const range = `the simulated market covers ${market.dates[0]} to ${market.dates.at(-1)}`;
    if (resolution === 'daily') {
      const bars = market.daily(sym);
      const from = bars.dates.findIndex((d) => d >= start);
      const to = bars.dates.findLastIndex((d) => d <= end.slice(0, 10)) + 1;
      if (from < 0 || to <= from) throw new ToolError(`${sym}: no data between ${start} and ${end} (${range}).`);
      return toSeries(sym, bars, from, to);
    }
    if (!market.hasMinutes(sym))
      throw new ToolError(
        `${sym} has daily bars only in the simulated market; minute and hour bars exist for ${market.names
          .filter((n) => market.hasMinutes(n.symbol))
          .map((n) => n.symbol)
          .concat(INDEX_ETF)
          .join(', ')}.`,
      );
    const days = market.dates.filter((d) => d >= start.slice(0, 10) && d <= end.slice(0, 10));
    if (days.length === 0) throw new ToolError(`${sym}: no data between ${start} and ${end} (${range}).`);
    if (days.length > 2600) throw new ToolError(`${sym}: ${days.length} days of minute bars is more than 2,600 (about ten years); ask for a shorter range.`);
    const parts = days.map((d) => toSeries(sym, market.minutes(sym, d) as DailyBars, 0, 390));
    const merged: Series = { symbol: sym, dates: parts.flatMap((p) => p.dates), price: [], fields: {}, data_source: 'simulated', bar_minutes: 1 };
    for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) merged.fields[f] = parts.flatMap((p) => p.fields[f] as number[]);
    merged.price = merged.fields.close as number[];
    return resolution === 'hour' ? resample(merged, 'minute', 60) : merged;
  }
}
