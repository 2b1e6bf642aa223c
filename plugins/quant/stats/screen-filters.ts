/**
 * Filters and honesty for the all-pairs cointegration screen: a multiple-testing correction over
 * every test run, the Hurst exponent and half-life of each surviving pair's residual spread (as
 * analyze_mean_reversion defines them), optional Johansen trace tests on the survivors, and a
 * summary that states how many tests ran and how many false positives chance alone would give.
 */
import { z } from 'zod';
import { engleGranger } from './adf.js';
import { hurst } from './describe.js';
import { johansen } from './johansen.js';
import type { PairResult } from './pairs.js';
import { adjust, CORRECTIONS, type Correction } from './multiple-testing.js';

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

export interface Survivor extends PairResult {
  p_adjusted: number;
  hurst: number;
  johansen?: { trace: number; critical_95: number; passes: boolean; error?: string };
}

export async function applyScreenFilters(results: PairResult[], logs: Float64Array[], o: ScreenOptions): Promise<{ kept: Survivor[]; summary: string }> {
  const valid = results.filter((r) => !r.error);
  const adjusted = adjust(
    valid.map((r) => r.p_value),
    o.correction,
  );
  const m = valid.length;
  const raw = valid.filter((r) => r.p_value < o.p_value_threshold).length;
  let kept: Survivor[] = valid.map((r, k) => ({ ...r, p_adjusted: adjusted[k] as number, hurst: NaN })).filter((r) => r.p_adjusted < o.p_value_threshold);
  const significant = kept.length;
  // On this thread: yield every ~20 ms so other requests (a ping) are answered meanwhile.
  let slice = performance.now();
  for (const r of kept) {
    r.hurst = hurst(engleGranger(logs[r.i] as Float64Array, logs[r.j] as Float64Array).residuals);
    if (performance.now() - slice > 20) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
  }
  if (o.max_half_life !== undefined) kept = kept.filter((r) => r.half_life !== null && r.half_life <= (o.max_half_life as number));
  if (o.max_hurst !== undefined) kept = kept.filter((r) => r.hurst < (o.max_hurst as number));
  const afterMeanReversion = kept.length;
  if (o.johansen) {
    for (const r of kept) {
      const a = logs[r.i] as Float64Array;
      const b = logs[r.j] as Float64Array;
      try {
        const j = johansen(
          Array.from(a, (v, t) => [v, b[t] as number]),
          0,
          o.k_ar_diff,
        );
        const cv = (j.trace_critical_values[0] as number[])[1] as number;
        r.johansen = { trace: j.trace_statistics[0] as number, critical_95: cv, passes: (j.trace_statistics[0] as number) > cv };
      } catch (error) {
        r.johansen = { trace: NaN, critical_95: NaN, passes: false, error: (error as Error).message };
      }
    }
    kept = kept.filter((r) => r.johansen?.passes);
  }
  kept.sort((x, y) => x.p_value - y.p_value);
  const expected = m * o.p_value_threshold;
  const parts = [
    `${m} pair tests at p < ${o.p_value_threshold}: ${raw} pass unadjusted, where chance alone would give about ${Number(expected.toPrecision(3))} false positives if no pair were cointegrated.`,
    o.correction === 'none'
      ? 'No multiple-testing correction: use correction fdr_bh or bonferroni before trusting the list.'
      : `After ${o.correction === 'fdr_bh' ? 'Benjamini-Hochberg (false discovery rate)' : 'Bonferroni (family-wise)'} adjustment: ${significant}.`,
  ];
  if (o.max_half_life !== undefined || o.max_hurst !== undefined) parts.push(`Half-life/Hurst filters keep ${afterMeanReversion}.`);
  if (o.johansen) parts.push(`Johansen trace test (lag ${o.k_ar_diff}, 5%) keeps ${kept.length}.`);
  return { kept, summary: parts.join(' ') };
}
