/**
 * The portfolio computations against the golden values of scripts/golden/portfolio_golden.py
 * (independent numpy / pandas / scipy implementations of the same definitions) on three data sets.
 */
import { describe, expect, it } from 'vitest';
import { diversificationRatio, performance, type REBALANCE, simulate } from '../../plugins/quant/portfolio/analytics.js';
import { minimizeCvar } from '../../plugins/quant/portfolio/cvar.js';
import { hrp, LINKAGES } from '../../plugins/quant/portfolio/hrp.js';
import { projectCappedSimplex, sparseTracking } from '../../plugins/quant/portfolio/sparse.js';
import { correlationFrom, covarianceMatrix, pearsonMatrix } from '../../plugins/quant/stats/describe.js';
import { near } from '../helpers/golden.js';
import { dataOf, portfolioGolden } from '../helpers/portfolio.js';

describe.each(['A', 'B', 'P'] as const)('set %s', (set) => {
  const g = portfolioGolden(set);
  const { dates, returns } = dataOf(set, g.symbols);
  const bench = returns.at(-1)!;
  const assets = returns.slice(0, -1);

  it('performance figures match for long-only and levered weights under every rebalance frequency', () => {
    for (const [key, ref] of Object.entries(g.performance)) {
      const freq = key.split('|')[1] as (typeof REBALANCE)[number];
      const path = simulate(assets, dates, ref.weights, freq);
      const ours = performance(path.returns, dates, path.turnover, 0.02, bench) as unknown as Record<string, unknown>;
      for (const [field, value] of Object.entries(ref)) {
        if (field === 'weights') continue;
        if (typeof value === 'number') expect(near(ours[field] as number, value, 1e-9), `${key} ${field}: ${String(ours[field])} vs ${value}`).toBe(true);
        else expect(ours[field], `${key} ${field}`).toBe(value);
      }
    }
  });

  it('equal weight: contributions, turnover and diversification ratio match; monthly and daily paths differ', async () => {
    const n = assets.length;
    const ew = new Array<number>(n).fill(1 / n);
    const paths: Record<string, Float64Array> = {};
    for (const [freq, ref] of Object.entries(g.equal_weight)) {
      const path = simulate(assets, dates, ew, freq as 'daily');
      paths[freq] = path.returns;
      expect(near(path.returns.reduce((acc, r) => acc * (1 + r), 1) - 1, ref.total_return, 1e-10)).toBe(true);
      expect(near(path.turnover, ref.turnover, 1e-10)).toBe(true);
      Object.values(ref.contributions).forEach((c, i) => expect(near(path.contributions[i]!, c, 1e-10)).toBe(true));
      expect(near(diversificationRatio(ew, await covarianceMatrix(assets)), ref.diversification_ratio, 1e-10)).toBe(true);
    }
    // Daily (constant weights) and monthly (drift, then reset) are different paths: they differ on days inside a month.
    const differing = paths.daily!.filter((r, t) => Math.abs(r - paths.monthly![t]!) > 1e-12).length;
    expect(differing).toBeGreaterThan(dates.length / 2);
    expect(paths.daily![0]).toBe(paths.monthly![0]); // the first day starts from the same weights
  });

  it('HRP equals the reference implementation of the paper (scipy linkage), for every linkage method', async () => {
    const p = assets.length;
    const cov = await covarianceMatrix(assets);
    const corr = correlationFrom(cov, p);
    // The correlation the tool derives from the covariance is pandas' (Pearson) correlation.
    const pandasLike = pearsonMatrix(Array.from(assets, (a) => Array.from(a)));
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) expect(Math.abs(corr[i * p + j]! - pandasLike[i]![j]!)).toBeLessThan(1e-12);
    for (const method of LINKAGES) {
      const ref = g.hrp[method]!;
      const ours = hrp(cov, corr, p, method);
      expect(ours.order.map((i) => g.symbols[i])).toEqual(ref.order);
      Object.values(ref.weights).forEach((w, i) => expect(near(ours.weights[i]!, w, 1e-10)).toBe(true));
    }
  });

  it('min-CVaR equals scipy linprog(method="highs") on the same LP to 1e-8, with and without a return target', async () => {
    for (const ref of [g.cvar, g.cvar_target]) {
      const ours = await minimizeCvar(assets, ref.alpha, ref.max_weight, 'target_return' in ref ? (ref.target_return as number) : undefined);
      expect(Math.abs(ours.cvar - ref.cvar)).toBeLessThan(1e-8);
      expect(ours.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      ours.weights.forEach((w) => expect(w).toBeLessThanOrEqual(ref.max_weight + 1e-9));
      // VaR by its definition: the smallest scenario loss with at least alpha of the losses at or below it.
      const losses = Array.from({ length: assets[0]!.length }, (_, t) => -assets.reduce((s, a, i) => s + ours.weights[i]! * a[t]!, 0));
      expect(losses.filter((l) => l <= ours.var + 1e-15).length / losses.length).toBeGreaterThanOrEqual(ref.alpha);
      expect(losses.filter((l) => l < ours.var - 1e-15).length / losses.length).toBeLessThan(ref.alpha);
      expect(ours.cvar).toBeGreaterThanOrEqual(ours.var - 1e-12);
    }
  });
});

describe('sparse index tracking (set P)', () => {
  const g = portfolioGolden('P');
  const { returns } = dataOf('P', g.symbols);
  const bench = returns.at(-1)!;
  const assets = returns.slice(0, -1);
  const runs = Object.values(g.sparse!).map((ref) => ({
    ref,
    ours: sparseTracking(assets, bench, { lambda: ref.lambda, maxWeight: ref.max_weight, huberM: ref.huber_m, p: 1e-3, maxIterations: 2000, tolerance: 1e-10 }),
  }));

  it('matches the numpy implementation of the same MM algorithm', () => {
    for (const { ref, ours } of runs) {
      expect(ours.converged).toBe(ref.converged);
      expect(Math.abs(ours.iterations - ref.iterations)).toBeLessThanOrEqual(2);
      ours.weights.forEach((w, i) => expect(Math.abs(w - ref.weights[i]!)).toBeLessThan(1e-7));
      expect(near(ours.objective[0]!, ref.objective_first, 1e-12)).toBe(true);
      expect(near(ours.objective.at(-1)!, ref.objective_last, 1e-6)).toBe(true);
    }
  });

  it('never increases the objective, and the weights are feasible', () => {
    for (const { ref, ours } of runs) {
      ours.objective.slice(1).forEach((f, k) => expect(f, `iteration ${k + 1}`).toBeLessThanOrEqual(ours.objective[k]! * (1 + 1e-12)));
      expect(ours.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      ours.weights.forEach((w) => expect(w >= 0 && w <= ref.max_weight + 1e-15).toBe(true));
    }
  });

  it('the count of non-zero weights falls as lambda rises, to a truly sparse portfolio', () => {
    const counts = runs.map(({ ours }) => ours.weights.filter((w) => w > 0).length);
    for (let k = 1; k < counts.length; k++) expect(counts[k]!).toBeLessThan(counts[k - 1]!);
    expect(counts.at(-1)!).toBeLessThanOrEqual(assets.length / 4);
  });

  it('projects onto the capped simplex exactly', () => {
    const w = projectCappedSimplex(Float64Array.from([0.9, 0.5, -0.2, 0.1]), 0.4);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(Array.from(w).every((x) => x >= 0 && x <= 0.4)).toBe(true);
    expect(w[0]).toBe(0.4);
    expect(w[2]).toBe(0);
  });
});
