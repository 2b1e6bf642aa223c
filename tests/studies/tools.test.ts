/**
 * The studies tools, the screen's new filters and the benchmark figures through a real MCP client on
 * the fixture data (tests/fixtures/research, tests/fixtures/portfolio, tests/fixtures/studies), against
 * scripts/golden/studies_golden.py; sweep ranking against the sandbox over real HTTP.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { near } from '../helpers/golden.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { allEnabledOverlay, unrestrictedOverlay } from '../helpers/overlay.js';
import { sandboxSession } from '../helpers/sandbox.js';
import { pollUntil } from '../helpers/workflow.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const G = JSON.parse(readFileSync('tests/fixtures/studies/golden.json', 'utf8')) as any;
type Out = Record<string, unknown>;

const open: { close: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});
async function server(data: string): Promise<Connected> {
  const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: `csv:${resolve(data)}`, QC_MCP_TOOLS: allEnabledOverlay() }) });
  open.push(c);
  return c;
}
async function ok(c: Connected, name: string, args: Out): Promise<Out> {
  const r = await c.client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  return r.structuredContent as Out;
}
async function fails(c: Connected, name: string, args: Out, message: RegExp): Promise<void> {
  const r = await c.client.callTool({ name, arguments: args });
  expect(r.isError, `${name} should fail`).toBe(true);
  expect(JSON.stringify(r.content)).toMatch(message);
}
const A = { start_date: '2023-01-01', end_date: '2026-12-31' };
const F = { start_date: '2020-01-01', end_date: '2023-12-31' };
const FILES = [{ file: 'F-F_Research_Data_5_Factors_2x3_daily.CSV' }, { file: 'QMJ.csv', percent: false }];

describe('find_cointegrated_pairs: corrections, mean-reversion filters, Johansen, an honest summary', () => {
  it('BH-adjusted p, Hurst, half-life and the Johansen trace equal statsmodels; the summary states tests and expected false positives', async () => {
    const c = await server('tests/fixtures/research/A');
    const out = await ok(c, 'find_cointegrated_pairs', {
      symbols: ['KO', 'PEP', 'MRV', 'QQQ', 'SPY', 'XLE'],
      ...A,
      p_value_threshold: 0.5,
      correction: 'fdr_bh',
      johansen: true,
      k_ar_diff: 2,
      max_pairs: 100,
    });
    expect(out.summary).toMatch(/^15 pair tests at p < 0\.5: \d+ pass unadjusted, where chance alone would give about 7\.5 false positives/);
    const pairs = out.pairs as {
      symbol1: string;
      symbol2: string;
      p_adjusted: number;
      hurst: number;
      half_life: number;
      johansen: { trace: number; critical_95: number; passes: boolean };
    }[];
    const expected = G.screen.filter(
      (g: { p_bh: number; johansen_trace: number; johansen_cv95: number }) => g.p_bh < 0.5 && g.johansen_trace > g.johansen_cv95,
    );
    expect(pairs.length).toBe(expected.length);
    expect(pairs.length).toBeGreaterThan(0);
    for (const p of pairs) {
      const g = G.screen.find((x: { symbol1: string; symbol2: string }) => x.symbol1 === p.symbol1 && x.symbol2 === p.symbol2);
      expect(near(p.p_adjusted, g.p_bh, 1e-6)).toBe(true);
      expect(near(p.hurst, g.hurst, 1e-9)).toBe(true);
      expect(near(p.half_life, g.half_life, 1e-6)).toBe(true);
      expect(near(p.johansen.trace, g.johansen_trace, 1e-6)).toBe(true);
      expect(p.johansen.critical_95).toBe(g.johansen_cv95);
    }
    const strict = await ok(c, 'find_cointegrated_pairs', {
      symbols: ['KO', 'PEP', 'MRV', 'QQQ', 'SPY', 'XLE'],
      ...A,
      p_value_threshold: 0.05,
      correction: 'bonferroni',
      max_hurst: 0.4,
      max_half_life: 20,
    });
    expect(strict.summary).toMatch(/Bonferroni .*: \d+\. Half-life\/Hurst filters keep \d+\./);
    const bonf = G.screen.filter(
      (g: { p_bonferroni: number; hurst: number; half_life: number }) => g.p_bonferroni < 0.05 && g.hurst < 0.4 && g.half_life <= 20,
    );
    expect(strict.found).toBe(bonf.length);
  });
});

describe('studies tools on research set A', () => {
  it("rolling_correlation: the KO/PEP Pearson series equals pandas; the screen's latest value and share above threshold equal pandas", async () => {
    const c = await server('tests/fixtures/research/A');
    const pair = await ok(c, 'rolling_correlation', { symbols: ['KO', 'PEP'], ...A, window: G.rolling.window, step: G.rolling.step, max_points: 1000 });
    const series = pair.series as { dates: string[]; values: number[] };
    expect(series.dates).toEqual(G.rolling.dates);
    series.values.forEach((v, k) => expect(Math.abs(v - G.rolling.pearson[k])).toBeLessThan(1e-10));
    const S = G.screen_rolling ?? G.rolling.screen;
    const screen = await ok(c, 'rolling_correlation', {
      symbols: ['KO', 'PEP', 'MRV', 'QQQ', 'SPY', 'XLE'],
      ...A,
      window: S.window,
      step: S.step,
      threshold: S.threshold,
    });
    const rows = screen.pairs as { symbol1: string; symbol2: string; latest: number; fraction_above: number }[];
    expect(rows).toHaveLength(15);
    for (const g of S.pairs) {
      const r = rows.find((x) => x.symbol1 === g.symbol1 && x.symbol2 === g.symbol2)!;
      expect(Math.abs(r.latest - g.latest)).toBeLessThan(1e-10);
      expect(r.fraction_above).toBeCloseTo(g.fraction_above, 12);
    }
    expect(screen.pairs_above).toBe(S.pairs.filter((g: { latest: number }) => g.latest >= S.threshold).length);
    await fails(c, 'rolling_correlation', { symbols: ['KO', 'PEP'], ...A, window: 100_000 }, /window 100000 is longer than the \d+ returns/);
    await fails(c, 'rolling_correlation', { symbols: ['KO', 'PEP'], ...A, window: 2.5 }, /window: must be an integer from 5/);
  });

  it('kalman_hedge_ratio: the latest hedge, spread and log-likelihood equal statsmodels; MLE raises the likelihood', async () => {
    const c = await server('tests/fixtures/research/A');
    const K = G.kalman;
    const out = await ok(c, 'kalman_hedge_ratio', { symbol1: 'KO', symbol2: 'PEP', ...A, delta: K.delta, obs_var: K.obs_var, max_points: 10 });
    expect(near(out.hedge_ratio as number, K.hedge.at(-1), 1e-8)).toBe(true);
    expect(near(out.spread as number, K.innovation.at(-1), 1e-8)).toBe(true);
    expect(near(out.loglik as number, K.loglik, 1e-9)).toBe(true);
    expect((out.series as { hedge_ratio: number[] }).hedge_ratio).toHaveLength(10);
    const mle = await ok(c, 'kalman_hedge_ratio', { symbol1: 'KO', symbol2: 'PEP', ...A, mle: true });
    expect(mle.loglik as number).toBeGreaterThan(K.mle.loglik - 1e-4);
    await fails(c, 'kalman_hedge_ratio', { symbol1: 'KO', symbol2: 'PEP', ...A, delta: 1.5 }, /delta: must be above 0 and at most 0\.999/);
  });

  it('simulate_pairs_trading: labelled local research; PnL per pair adds up to the NAV change; rules hold in the trade log', async () => {
    const c = await server('tests/fixtures/research/A');
    const out = await ok(c, 'simulate_pairs_trading', {
      pairs: ['KO/PEP', 'QQQ/SPY'],
      ...A,
      hedge: 'ols',
      lookback: 20,
      entry_z: 1.5,
      stop_z: 4,
      confirm_bars: 2,
      cost_bps: 2,
      benchmark_symbol: 'SPY',
      n_boot: 200,
    });
    expect(out.label).toMatch(/not a LEAN backtest/);
    const stats = out.statistics as Record<string, number>;
    const attribution = out.attribution as { pair: string; pnl: number; trades: number }[];
    expect(attribution.map((a) => a.pair)).toEqual(['KO/PEP', 'QQQ/SPY']);
    expect(attribution.reduce((s, a) => s + a.pnl, 0)).toBeCloseTo(stats.final_nav! - 1_000_000, 4);
    const trades = out.trades as { entry_z: number; notional: number; reason: string; exit_bar: number; entry_bar: number }[];
    expect(trades.length).toBeGreaterThan(0);
    for (const t of trades) {
      expect(Math.abs(t.entry_z)).toBeGreaterThanOrEqual(1.5);
      expect(Math.abs(t.entry_z)).toBeLessThan(4);
      expect(t.notional).toBeLessThanOrEqual(0.03 * 1.1e6);
      expect(['mean', 'time', 'stop', 'end']).toContain(t.reason);
    }
    expect(stats.max_gross_leverage).toBeLessThanOrEqual(3 + 1e-12);
    expect((out.alpha as { p_value_bootstrap: number }).p_value_bootstrap).toBeGreaterThanOrEqual(0);
    expect((out.regime as { null_distribution: string }).null_distribution).toMatch(/Monte-Carlo null/);
    await fails(c, 'simulate_pairs_trading', { pairs: ['KO/PEP'], ...A, entry_z: 3, stop_z: 2 }, /stop_z 2 must be above entry_z 3/);
    await fails(c, 'simulate_pairs_trading', { pairs: ['KOPEP'], ...A }, /pairs.0: a pair is .*Y\/X/);
  });
});

describe('factor tools on the factor set F (Kenneth French layout + QMJ)', () => {
  it('factor_regression: loadings, t and R^2 equal statsmodels OLS; planted exposures recovered within 4 standard errors; bootstrap p and regime test', async () => {
    const c = await server('tests/fixtures/studies/F');
    const symbols = ['F01', 'F02', 'F03', 'F04', 'F05', 'F06', 'F07', 'F08', 'F09'];
    const out = await ok(c, 'factor_regression', { symbols, ...F, factor_files: FILES });
    expect(out.regressors).toEqual(G.factor.factors);
    expect(out.excess_of).toBe('RF');
    for (const a of out.assets as { symbol: string; alpha: number; loadings: Record<string, number>; t_stats: Record<string, number>; r_squared: number }[]) {
      const g = G.factor.assets[a.symbol];
      expect(near(a.alpha, g.alpha, 1e-9)).toBe(true);
      G.factor.factors.forEach((f: string, k: number) => {
        expect(near(a.loadings[f]!, g.loadings[k], 1e-8), `${a.symbol} ${f}`).toBe(true);
        expect(near(a.t_stats[f]!, g.t[k + 1], 1e-6)).toBe(true);
        // The planted exposure lies within 4 standard errors of the estimate.
        expect(Math.abs(a.loadings[f]! - G.factor.planted[a.symbol][k])).toBeLessThan(4 * Math.abs(a.loadings[f]! / a.t_stats[f]!));
      });
      expect(near(a.r_squared, g.r_squared, 1e-9)).toBe(true);
    }
    const B = G.factor.bootstrap;
    const strat = await ok(c, 'factor_regression', {
      symbols: ['STRAT'],
      ...F,
      benchmark_symbol: 'MKT',
      n_boot: 2000,
      block_length: 10,
      shift: 'volatility',
      break_date: G.factor.regime.STRAT.break_date,
    });
    const s = (strat.assets as Record<string, number & Record<string, unknown>>[])[0] as unknown as {
      alpha: number;
      p_value_bootstrap: number;
      regime: { statistic: number; p_value: number; df: number };
    };
    expect(near(s.alpha, B.alpha, 1e-10)).toBe(true);
    const err = Math.sqrt((B.p_value * (1 - B.p_value)) / 2000) + Math.sqrt((B.p_value * (1 - B.p_value)) / B.draws);
    expect(Math.abs(s.p_value_bootstrap - B.p_value)).toBeLessThan(4 * err);
    expect(near(s.regime.statistic, G.factor.regime.STRAT.given.volatility.statistic, 1e-7)).toBe(true);
    expect(s.regime.df).toBe(1);
    await fails(c, 'factor_regression', { symbols: ['F01'], ...F, factor_files: [{ file: '../../research/A/KO.csv' }] }, /outside the data folder/);
    await fails(c, 'factor_regression', { symbols: ['F01'], ...F }, /Give benchmark_symbol, factor_files or both/);
  });

  it('build_long_short: terciles of 12-1 momentum as pandas; caps hold; net beta 0 and ex-ante volatility at target by the golden betas and covariance', async () => {
    const c = await server('tests/fixtures/studies/F');
    const symbols = ['F01', 'F02', 'F03', 'F04', 'F05', 'F06', 'F07', 'F08', 'F09'];
    const out = await ok(c, 'build_long_short', { symbols, ...F, benchmark_symbol: 'MKT', per_name_cap: 0.4, target_volatility: 0.08 });
    const scores = out.scores as { symbol: string; momentum: number; tercile: number }[];
    for (const s of scores) expect(near(s.momentum, G.factor.momentum[s.symbol], 1e-10)).toBe(true);
    const order = [...symbols].sort((x, y) => G.factor.momentum[y] - G.factor.momentum[x]);
    expect(out.long).toEqual(symbols.filter((s) => order.slice(0, 3).includes(s)));
    expect(out.short).toEqual(symbols.filter((s) => order.slice(-3).includes(s)));
    const w = out.weights as Record<string, number>;
    const netBeta = Object.entries(w).reduce((acc, [s, v]) => acc + v * G.factor.assets[s].beta_mkt, 0);
    expect(Math.abs(netBeta)).toBeLessThan(1e-9);
    const vec = symbols.map((s) => w[s] ?? 0);
    let variance = 0;
    vec.forEach((a, i) => vec.forEach((b, j) => (variance += a * b * G.factor.cov[i][j])));
    expect(Math.sqrt(variance * 252)).toBeCloseTo(0.08, 9);
    const longs = (out.long as string[]).map((s) => w[s]!);
    expect(Math.max(...longs) / longs.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(0.4 + 1e-12);
    await fails(c, 'build_long_short', { symbols, ...F, benchmark_symbol: 'MKT', per_name_cap: 0.2 }, /Infeasible: a cap of 0\.2 on 3 names/);
  });
});

describe("calculate_portfolio_performance: the benchmark's own figures in the same call", () => {
  it('equal numpy/pandas on the benchmark IDX', async () => {
    const c = await server('tests/fixtures/portfolio/P');
    const out = await ok(c, 'calculate_portfolio_performance', {
      symbols: ['P00', 'P01'],
      weights: [0.5, 0.5],
      benchmark_symbol: 'IDX',
      risk_free_rate: 0.02,
      start_date: '2021-01-01',
      end_date: '2024-12-31',
    });
    const b = out.benchmark as Record<string, number>;
    for (const [k, v] of Object.entries(G.benchmark_P)) expect(near(b[k]!, v as number, 1e-9), k).toBe(true);
    expect(typeof out.information_ratio).toBe('number');
  });
});

describe('rank_backtests on the sandbox', () => {
  it("labels an optimization's statistics by the spec's order, filters on drawdown and ranks by information ratio", async () => {
    const s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay() });
    open.push(s);
    const call = async (name: string, args: Out) => {
      const r = await s.client.callTool({ name, arguments: args });
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
      return r.structuredContent as Out;
    };
    const p = ((await call('create_project', { name: 'Sweep', language: 'Py' })).projects as { projectId: number }[])[0]!.projectId;
    const compileId = String((await call('create_compile', { projectId: p })).compileId);
    await pollUntil(
      () => call('read_compile', { projectId: p, compileId }),
      (r) => r.state !== 'InQueue',
    );
    const created = await call('create_optimization', {
      projectId: p,
      name: 'grid',
      target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
      targetTo: 'max',
      strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
      compileId,
      parameters: [
        { name: 'entry_z', min: 1, max: 3, step: 0.5 },
        { name: 'lookback', min: 20, max: 60, step: 20 },
      ],
      estimatedCost: 1,
      nodeType: 'O2-8',
      parallelNodes: 2,
    });
    const optimizationId = (created.optimizations as { optimizationId: string }[])[0]!.optimizationId;
    await pollUntil(
      () => call('read_optimization', { optimizationId }),
      (r) => (r.optimization as { status: string }).status === 'completed',
    );
    const raw = (await call('read_optimization', { optimizationId })).optimization as { backtests: Record<string, { statistics: number[] }> };
    const out = await call('rank_backtests', { optimizationId, sort_by: 'information_ratio', where: ['drawdown < 10'], top: 3 });
    const runs = out.runs as { id: string; parameters: Record<string, string>; statistics: Record<string, number> }[];
    expect(out.total).toBe(15);
    const all = Object.values(raw.backtests).map((b) => ({ ir: b.statistics[10]!, dd: b.statistics[7]! }));
    const expected = all
      .filter((b) => b.dd < 10)
      .map((b) => b.ir)
      .sort((a, b) => b - a)
      .slice(0, 3);
    expect(runs.map((r) => r.statistics.information_ratio)).toEqual(expected);
    expect(out.passed).toBe(all.filter((b) => b.dd < 10).length);
    for (const r of runs) {
      expect(r.statistics.drawdown).toBeLessThan(10);
      expect(Object.keys(r.parameters).sort()).toEqual(['entry_z', 'lookback']);
      expect(Object.keys(r.statistics)).toContain('sharpe_ratio');
    }
    const bad = await s.client.callTool({ name: 'rank_backtests', arguments: { optimizationId, where: ['drawdown is small'] } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/drawdown is small.* is not .*statistic.* <op> <number>/);
  });
});
