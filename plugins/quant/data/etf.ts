/**
 * ETF constituents in LEAN's format: equity/usa/universes/etf/<etf>/<YYYYMMDD>.csv, one line per
 * holding (ticker, security id, last update, weight, shares held, market value; no header). The file
 * for the requested date is used, else the nearest earlier one. The files come from a LEAN data
 * folder, or from the simulated market, which writes them in the same format.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolError } from '../../../src/tool/results.js';

export interface Constituent {
  symbol: string;
  weight: number | null;
  shares_held: number | null;
  market_value: number | null;
}

export interface EtfHoldings {
  etf: string;
  requested_date: string;
  /** The file's date (YYYY-MM-DD): the requested one or the nearest earlier. */
  as_of: string;
  constituents: Constituent[];
}

/** One ETF's constituent files: their dates (YYYYMMDD, any order) and their text. */
export interface EtfFiles {
  where: string;
  days(): string[];
  read(day: string): string;
}

const number = (cell: string | undefined): number | null => {
  if (cell === undefined || cell.trim() === '') return null;
  const v = Number(cell);
  return Number.isFinite(v) ? v : null;
};

export function leanEtfFiles(leanDir: string, etf: string): EtfFiles {
  const folder = join(leanDir, 'equity', 'usa', 'universes', 'etf', etf.toLowerCase());
  if (!existsSync(folder)) throw new ToolError(`There is no constituents folder for ${etf.toUpperCase()} in the LEAN data (${folder}).`);
  return {
    where: folder,
    days: () =>
      readdirSync(folder)
        .filter((f) => /^\d{8}\.csv$/.test(f))
        .map((f) => f.slice(0, 8)),
    read: (day) => readFileSync(join(folder, `${day}.csv`), 'utf8'),
  };
}

export function etfHoldings(files: EtfFiles, etf: string, date: string): EtfHoldings {
  const wanted = date.replace(/-/g, '');
  const days = files.days().sort();
  if (days.length === 0) throw new ToolError(`The constituents folder for ${etf.toUpperCase()} has no <YYYYMMDD>.csv files.`);
  const chosen = days.filter((f) => f <= wanted).at(-1);
  if (!chosen)
    throw new ToolError(
      `${etf.toUpperCase()} has no constituents on or before ${date}; the earliest file is ${days[0]!.slice(0, 4)}-${days[0]!.slice(4, 6)}-${days[0]!.slice(6)}.`,
    );
  const constituents = files
    .read(chosen)
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const cells = line.split(',');
      return { symbol: (cells[0] ?? '').trim().toUpperCase(), weight: number(cells[3]), shares_held: number(cells[4]), market_value: number(cells[5]) };
    })
    .filter((c) => c.symbol !== '')
    .sort((a, b) => (b.weight ?? -1) - (a.weight ?? -1));
  return { etf: etf.toUpperCase(), requested_date: date, as_of: `${chosen.slice(0, 4)}-${chosen.slice(4, 6)}-${chosen.slice(6)}`, constituents };
}

export function readEtfConstituents(leanDir: string, etf: string, date: string): EtfHoldings {
  return etfHoldings(leanEtfFiles(leanDir, etf), etf, date);
}
