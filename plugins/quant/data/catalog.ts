/**
 * What a price source holds, for list_available_data: its symbols (with sector where known), and
 * for each, the resolutions and first and last dates. Symbols are listed cheaply (file names); the
 * date ranges are read only for the symbols of the page asked for.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { ToolError } from '../../../src/tool/results.js';
import { normaliseDate, type CsvSource, type LeanSource, type PriceSource, type Resolution } from './source.js';
import type { SimSource } from './sim-source.js';

export interface Coverage {
  resolution: Resolution;
  start: string;
  end: string;
}

export interface Catalog {
  symbols(): { symbol: string; sector?: string }[];
  coverage(symbol: string): Coverage[];
  /** ETFs with constituent files. */
  etfs(): string[];
}

const listDir = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);
const fromCompact = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** First and last non-empty lines of a text. */
function ends(text: string): [string, string] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return [lines[0] ?? '', lines.at(-1) ?? ''];
}

function csvCatalog(src: CsvSource): Catalog {
  if (!existsSync(src.dir)) throw new ToolError(`the data folder ${src.dir} does not exist`);
  const files = new Map(
    listDir(src.dir)
      .filter((f) => f.toLowerCase().endsWith('.csv'))
      .map((f) => [f.slice(0, -4).toUpperCase(), f]),
  );
  return {
    symbols: () => [...files.keys()].sort().map((symbol) => ({ symbol })),
    coverage: (symbol) => {
      const lines = readFileSync(join(src.dir, files.get(symbol) as string), 'utf8')
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '');
      const dates = lines
        .map((l) => normaliseDate(l.split(',')[0] ?? '', true))
        .filter((d): d is string => d !== undefined)
        .sort();
      if (dates.length === 0) return [];
      const intraday = dates.some((d) => !d.endsWith('T00:00'));
      const show = (d: string) => (intraday ? d : d.slice(0, 10));
      return [{ resolution: intraday ? 'minute' : 'daily', start: show(dates[0] as string), end: show(dates.at(-1) as string) }];
    },
    etfs: () => [],
  };
}

function leanCatalog(src: LeanSource): Catalog {
  const base = join(src.dir, 'equity', 'usa');
  const zipped = (res: 'daily' | 'hour') =>
    listDir(join(base, res))
      .filter((f) => f.endsWith('.zip'))
      .map((f) => f.slice(0, -4).toUpperCase());
  const minuteDirs = listDir(join(base, 'minute'))
    .filter((f) => statSync(join(base, 'minute', f)).isDirectory())
    .map((f) => f.toUpperCase());
  const zipEnds = (path: string): [string, string] => {
    const entries = unzipSync(readFileSync(path));
    const name = Object.keys(entries).find((n) => n.toLowerCase().endsWith('.csv'));
    return name ? ends(strFromU8(entries[name] as Uint8Array)) : ['', ''];
  };
  const stamp = (line: string, intraday: boolean) => {
    const d = normaliseDate(line.split(',')[0] ?? '', intraday);
    return d ?? '?';
  };
  return {
    symbols: () => [...new Set([...zipped('daily'), ...zipped('hour'), ...minuteDirs])].sort().map((symbol) => ({ symbol })),
    coverage: (symbol) => {
      const out: Coverage[] = [];
      const sym = symbol.toLowerCase();
      for (const res of ['daily', 'hour'] as const) {
        const path = join(base, res, `${sym}.zip`);
        if (!existsSync(path)) continue;
        const [first, last] = zipEnds(path);
        out.push({ resolution: res, start: stamp(first, res === 'hour'), end: stamp(last, res === 'hour') });
      }
      const days = listDir(join(base, 'minute', sym))
        .filter((f) => /^\d{8}_trade\.zip$/.test(f))
        .sort();
      if (days.length > 0) out.push({ resolution: 'minute', start: fromCompact(days[0] as string), end: fromCompact(days.at(-1) as string) });
      return out;
    },
    etfs: () =>
      listDir(join(base, 'universes', 'etf'))
        .map((e) => e.toUpperCase())
        .sort(),
  };
}

function simCatalog(src: SimSource): Catalog {
  const market = src.market;
  const first = market.dates[0] as string;
  const last = market.dates.at(-1) as string;
  return {
    symbols: () =>
      [{ symbol: 'SPY', sector: market.sector('SPY') as string }, ...market.names.map((n) => ({ symbol: n.symbol, sector: n.sector }))].sort((a, b) =>
        a.symbol < b.symbol ? -1 : 1,
      ),
    coverage: (symbol) => [
      { resolution: 'daily', start: first, end: last },
      ...(market.hasMinutes(symbol) ? (['hour', 'minute'] as const).map((resolution) => ({ resolution, start: first, end: last })) : []),
    ],
    etfs: () => ['SPY'],
  };
}

export function catalogOf(src: PriceSource): Catalog {
  if (src.kind === 'csv') return csvCatalog(src as CsvSource);
  if (src.kind === 'lean') return leanCatalog(src as LeanSource);
  if (src.kind === 'simulated') return simCatalog(src as SimSource);
  throw new ToolError(`${src.describe} cannot be listed here: list_object_store_files lists the Object Store's keys.`);
}
