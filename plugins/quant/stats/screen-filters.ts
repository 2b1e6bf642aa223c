/**
 * Filters and honesty for the all-pairs cointegration screen: a multiple-testing correction over
 * every test run, the Hurst exponent and half-life of each surviving pair's residual spread (as
 * analyze_mean_reversion defines them), optional Johansen trace tests on the survivors, and a
 * summary that states how many tests ran and how many false positives chance alone would give.
 */
import { z } from 'zod';
import { runInPool } from '../pool.js';
import { CORRECTIONS, type Correction } from './multiple-testing.js';
import { bhSorted, pairAt } from './pair-chunks.js';
import type { Screen } from './pairs.js';

export const screenFilters = {
  correction: z.enum(CORRECTIONS).default('none').describe('Multiple-testing correction'),
  max_half_life: z.number().positive().optional().describe('Spread half-life cap, bars'),
  max_hurst: z.number().optional().describe('Spread Hurst exponent cap'),
  johansen: z.boolean().default(false).describe('Also Johansen-test survivors'),
  k_ar_diff: z.number().int().min(1).max(20).default(1).describe('Johansen lagged differences, bars'),
};

export interface ScreenOptions {
  p_value_threshold: number;
  correction: Correction;
  max_half_life?: number | undefined;
  max_hurst?: number | undefined;
  johansen: boolean;
  k_ar_diff: number;
}

export interface Survivor {
  i: number;
  j: number;
  statistic: number;
  p_value: number;
  hedge_ratio: number;
  half_life: number | null;
  p_adjusted: number;
  hurst: number;
  johansen?: { trace: number; critical_95: number; passes: boolean; error?: string };
}

/** Benjamini-Hochberg adjustment of the candidates' p-values over every valid test (the sort runs on the pool for large screens). */
async function bhAdjusted(screen: Screen, signal: AbortSignal): Promise<{ m: number; adjustedOf: (p: number) => number }> {
  const out = new Float64Array(new SharedArrayBuffer(Math.max(1, 2 * screen.pairs) * Float64Array.BYTES_PER_ELEMENT));
  const m = screen.pairs > 200_000 ? await runInPool('bh', { p: screen.pValues, out }, signal) : bhSorted(screen.pValues, out);
  const sorted = out.subarray(m, 2 * m);
  return {
    m,
    adjustedOf: (p) => {
      // The last rank among equal p-values carries their common adjustment.
      let lo = 0;
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((sorted[mid] as number) <= p) lo = mid + 1;
        else hi = mid;
      }
      return out[lo - 1] as number;
    },
  };
}

/**
 * The screen's survivors: adjusted p under the threshold, then the half-life/Hurst filters and the
 * Johansen test; sorted by p-value (pair order among equals). Only the first `limit` become objects.
 */
export async function applyScreenFilters(
  screen: Screen,
  o: ScreenOptions,
  limit: number,
  signal: AbortSignal,
): Promise<{ kept: Survivor[]; found: number; tested: number; summary: string }> {
  const c = screen.candidates;
  const { k, p, halfLife, hurst, trace, critical } = c.cols;
  const m = screen.pairs - screen.failed;
  const raw = c.length;
  const bh = o.correction === 'fdr_bh' ? await bhAdjusted(screen, signal) : undefined;
  const adjusted = new Float64Array(c.length);
  for (let x = 0; x < c.length; x++) {
    const v = p[x] as number;
    adjusted[x] = bh ? bh.adjustedOf(v) : o.correction === 'bonferroni' ? Math.min(1, v * m) : v;
  }
  let kept: number[] = [];
  for (let x = 0; x < c.length; x++) if ((adjusted[x] as number) < o.p_value_threshold) kept.push(x);
  const significant = kept.length;
  if (o.max_half_life !== undefined) kept = kept.filter((x) => !Number.isNaN(halfLife[x] as number) && (halfLife[x] as number) <= (o.max_half_life as number));
  if (o.max_hurst !== undefined) kept = kept.filter((x) => (hurst[x] as number) < (o.max_hurst as number));
  const afterMeanReversion = kept.length;
  const passes = (x: number) => !c.traceErrors.has(x) && (trace[x] as number) > (critical[x] as number);
  if (o.johansen) kept = kept.filter(passes);
  kept.sort((x, y) => (p[x] as number) - (p[y] as number) || (k[x] as number) - (k[y] as number));
  const survivors = kept.slice(0, limit).map((x): Survivor => {
    const [i, j] = pairAt(k[x] as number, screen.n);
    return {
      i,
      j,
      statistic: c.cols.statistic[x] as number,
      p_value: p[x] as number,
      hedge_ratio: c.cols.hedge[x] as number,
      half_life: Number.isNaN(halfLife[x] as number) ? null : (halfLife[x] as number),
      p_adjusted: adjusted[x] as number,
      hurst: hurst[x] as number,
      ...(o.johansen ? { johansen: { trace: trace[x] as number, critical_95: critical[x] as number, passes: passes(x) } } : {}),
    };
  });
  const expected = m * o.p_value_threshold;
  const parts = [
    `${m} pair tests at p < ${o.p_value_threshold}: ${raw} pass unadjusted, where chance alone would give about ${Number(expected.toPrecision(3))} false positives if no pair were cointegrated.`,
    o.correction === 'none'
      ? 'No multiple-testing correction: use correction fdr_bh or bonferroni before trusting the list.'
      : `After ${o.correction === 'fdr_bh' ? 'Benjamini-Hochberg (false discovery rate)' : 'Bonferroni (family-wise)'} adjustment: ${significant}.`,
  ];
  if (o.max_half_life !== undefined || o.max_hurst !== undefined) parts.push(`Half-life/Hurst filters keep ${afterMeanReversion}.`);
  if (o.johansen) parts.push(`Johansen trace test (lag ${o.k_ar_diff}, 5%) keeps ${kept.length}.`);
  return { kept: survivors, found: kept.length, tested: m, summary: parts.join(' ') };
}
