/**
 * Factor files in the common published CSV layout and what is computed from them:
 * - Kenneth French's data library files (e.g. F-F_Research_Data_5_Factors_2x3_daily.CSV): free-text
 *   lines, then a header row whose first cell is empty (",Mkt-RF,SMB,HML,RMW,CMA,RF"), then rows
 *   "YYYYMMDD,v1,v2,..." in percent, up to the first row that is not a dated row (a blank line, an
 *   annual section or a copyright line);
 * - a plain "date,NAME,..." file (e.g. an AQR factor such as QMJ exported to CSV), dates as
 *   YYYYMMDD, YYYY-MM-DD or MM/DD/YYYY.
 * Loadings: OLS of each asset's excess return (minus RF when a file has it) on a constant and the
 * factors; 12-1 momentum; tercile membership.
 */
import { normaliseDate } from '../data/source.js';
import { ols } from './ols.js';

export interface FactorTable {
  names: string[];
  dates: string[];
  /** columns[j][t]: factor names[j] on dates[t], as a fraction (percent files divided by 100). */
  columns: number[][];
}

export class FactorFileError extends Error {
  override name = 'FactorFileError';
}

export function parseFactorCsv(text: string, file: string, percent: boolean): FactorTable {
  const lines = text.split(/\r?\n/);
  const dated = (cell: string | undefined) => normaliseDate((cell ?? '').trim(), false) !== undefined && /^\s*"?\d/.test(cell ?? '');
  const first = lines.findIndex((l) => dated(l.split(',')[0]));
  if (first < 1)
    throw new FactorFileError(`${file}: no header row followed by dated rows (expected e.g. ",Mkt-RF,SMB,HML,RMW,CMA,RF" then "19630701,-0.67,...")`);
  const header = (lines[first - 1] as string).split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  const names = header.slice(1);
  if (names.length === 0 || names.some((n) => n === ''))
    throw new FactorFileError(`${file}: the header row "${lines[first - 1]}" does not name every factor column`);
  const dates: string[] = [];
  const columns: number[][] = names.map(() => []);
  const scale = percent ? 0.01 : 1;
  for (let r = first; r < lines.length; r++) {
    const cells = (lines[r] as string).split(',');
    if (!dated(cells[0])) break;
    const date = normaliseDate((cells[0] as string).trim(), false) as string;
    if (dates.length > 0 && date <= (dates.at(-1) as string)) throw new FactorFileError(`${file}: row ${r + 1} (${date}) is not after the row before it`);
    dates.push(date);
    names.forEach((name, j) => {
      const raw = (cells[j + 1] ?? '').trim();
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v) || v <= -99.99)
        throw new FactorFileError(`${file}: row ${r + 1} (${date}) has a missing or non-numeric ${name} ("${raw}")`);
      (columns[j] as number[]).push(v * scale);
    });
  }
  return { names, dates, columns };
}

/** Inner join of several factor tables on their dates (a name in two files is an error). */
export function joinFactors(tables: FactorTable[]): FactorTable {
  const names = tables.flatMap((t) => t.names);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new FactorFileError(`factor ${dup} appears in two files`);
  const sets = tables.map((t) => new Map(t.dates.map((d, i) => [d, i])));
  const dates = (tables[0] as FactorTable).dates.filter((d) => sets.every((s) => s.has(d)));
  return {
    names,
    dates,
    columns: tables.flatMap((t, k) => t.columns.map((c) => dates.map((d) => c[(sets[k] as Map<string, number>).get(d) as number] as number))),
  };
}

export interface Loadings {
  alpha: number;
  /** Per factor, in the order of factor names. */
  betas: number[];
  t_stats: number[];
  alpha_t: number;
  r_squared: number;
  n_obs: number;
}

/** OLS of y on [1, factors...]: coefficients, t-statistics and R^2 (as statsmodels OLS). */
export function loadings(y: Float64Array, factors: Float64Array[]): Loadings {
  const n = y.length;
  const fit = ols([new Float64Array(n).fill(1), ...factors], y);
  let mean = 0;
  for (const v of y) mean += v;
  mean /= n;
  let tss = 0;
  for (const v of y) tss += (v - mean) ** 2;
  const t = Array.from(fit.beta, (b, i) => b / (fit.se[i] as number));
  return {
    alpha: fit.beta[0] as number,
    betas: Array.from(fit.beta.subarray(1)),
    alpha_t: t[0] as number,
    t_stats: t.slice(1),
    r_squared: 1 - fit.rss / tss,
    n_obs: n,
  };
}

/** 12-1 momentum at the last date: price[n-1-skip] / price[n-1-lookback] - 1 (lookback 252, skip 21 for daily bars). */
export function momentum(price: ArrayLike<number>, lookback = 252, skip = 21): number {
  const n = price.length;
  return (price[n - 1 - skip] as number) / (price[n - 1 - lookback] as number) - 1;
}

/** Ranks 1..n of scores, highest score first (ties by input order). */
export function descendingRanks(scores: number[]): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const out = new Array<number>(scores.length);
  order.forEach((i, r) => (out[i] = r + 1));
  return out;
}

/** Tercile of each rank (1 = top third): the top floor(n/3) are 1, the bottom floor(n/3) are 3, the rest 2. */
export function terciles(ranks: number[]): (1 | 2 | 3)[] {
  const n = ranks.length;
  const third = Math.floor(n / 3);
  return ranks.map((r) => (r <= third ? 1 : r > n - third ? 3 : 2));
}
