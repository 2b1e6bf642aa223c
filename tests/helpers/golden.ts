/** The research golden data sets: CSVs and the reference libraries' values (scripts/golden/research_golden.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GOLDEN_DIR = 'tests/fixtures/research';
export const SETS = ['A', 'B'] as const;

export interface Golden {
  symbols: string[];
  start: string;
  end: string;
  adf: Record<
    string,
    { statistic: number; p_value: number; used_lag: number; n_obs: number; critical_values: Record<string, number>; half_life: number | null; hurst: number }
  >;
  coint: Record<string, { statistic: number; p_value: number; critical_values: Record<string, number>; hedge_ratio: number; half_life: number | null }>;
  johansen: Record<
    string,
    { eigenvalues: number[]; eigenvectors: number[][]; trace: number[]; max_eigen: number[]; trace_cv: number[][]; max_eigen_cv: number[][] }
  >;
  pca: { explained_variance_ratio: number[]; components: number[][] };
  correlation: { pearson: number[][]; spearman: number[][]; distance: number[][] };
  pairs: { symbol1: string; symbol2: string; statistic: number; p_value: number }[];
}

export const golden = (set: string): Golden => JSON.parse(readFileSync(join(GOLDEN_DIR, `golden-${set}.json`), 'utf8')) as Golden;

/** Closing prices of one golden symbol, read straight from its CSV. */
export function closes(set: string, symbol: string): number[] {
  const [header, ...rows] = readFileSync(join(GOLDEN_DIR, set, `${symbol}.csv`), 'utf8')
    .trim()
    .split('\n');
  const index = header!.split(',').indexOf('close');
  return rows.map((r) => Number(r.split(',')[index]));
}

/** |a - b| <= tol * max(1, |b|): relative for large values, absolute near zero. */
export function near(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}
