/** The portfolio golden data sets and values (scripts/golden/portfolio_golden.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FOLDERS = { A: 'tests/fixtures/research/A', B: 'tests/fixtures/research/B', P: 'tests/fixtures/portfolio/P' } as const;
export type SetName = keyof typeof FOLDERS;

export interface PortfolioGolden {
  symbols: string[];
  performance: Record<string, Record<string, number | string | null | number[]> & { weights: number[] }>;
  equal_weight: Record<string, { total_return: number; contributions: Record<string, number>; turnover: number; diversification_ratio: number }>;
  hrp: Record<string, { order: string[]; weights: Record<string, number> }>;
  hrp_d_tilde: Record<string, { order: string[]; weights: Record<string, number> }>;
  cvar: { alpha: number; max_weight: number; cvar: number; weights: number[] };
  cvar_target: { alpha: number; max_weight: number; target_return: number; cvar: number; weights: number[] };
  sparse?: Record<
    string,
    {
      lambda: number;
      max_weight: number;
      huber_m: number;
      weights: number[];
      iterations: number;
      converged: boolean;
      objective_first: number;
      objective_last: number;
    }
  >;
}

export function portfolioGolden(set: SetName): PortfolioGolden {
  return JSON.parse(readFileSync(`tests/fixtures/portfolio/golden-${set}.json`, 'utf8')) as PortfolioGolden;
}

/** Dates and simple returns of each symbol, straight from the CSVs (the sets share their dates). */
export function dataOf(set: SetName, symbols: string[]): { dates: string[]; returns: Float64Array[] } {
  let dates: string[] = [];
  const returns = symbols.map((s) => {
    const [header, ...rows] = readFileSync(join(FOLDERS[set], `${s}.csv`), 'utf8')
      .trim()
      .split('\n');
    const close = header!.split(',').indexOf('close');
    dates = rows.map((r) => r.split(',')[0]!);
    const c = rows.map((r) => Number(r.split(',')[close]));
    return Float64Array.from(c.slice(1), (v, t) => v / c[t]! - 1);
  });
  return { dates, returns };
}
