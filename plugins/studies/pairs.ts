/** Studies tools for pairs: rolling correlation (pair series and all-pairs screen), Kalman hedge ratio, pairs-trading simulation. */
import { z } from 'zod';
import { ToolError } from '../../src/tool/results.js';
import { defineTool, type ToolContext } from '../../src/tool/tool.js';
import { BENCHMARK, barMinutes, date, guarded, instance, load, resolution, symbol, TICKERS } from '../quant/common.js';
import { halfLife } from '../quant/stats/adf.js';
import { ols } from '../quant/stats/ols.js';
import { simulatePairs, navStatistics, rollingZ, type PairInput } from '../quant/portfolio/pairs-sim.js';
import { alphaInference } from '../quant/stats/bootstrap.js';
import { deltaToStateVar, kalmanMle, kalmanRegression, type KalmanSettings } from '../quant/stats/kalman.js';
import { regimeTest } from '../quant/stats/regime.js';
import { ROLLING_METHODS, rollingCorrelation, rollingScreen } from '../quant/stats/rolling.js';
import { blockLength, int, nBoot, PERIODS, real, seed, thin } from './common.js';

const maxPoints = int(300, 2, 5000).describe('Series points returned');
const range = { start_date: date.optional(), end_date: date.optional(), instance_name: instance, resolution, bar_minutes: barMinutes };
// delta 1e-7: on log prices the coefficients drift slowly (1e-4, a common default for price levels,
// lets a + b x follow the spread itself, so the spread loses its mean reversion).
const kalmanArgs = {
  delta: real(1e-7, 0, 0.999, true).describe('State noise: variance delta/(1-delta)'),
  obs_var: real(1e-3, 0, 1e6, true).describe('Observation noise variance'),
  mle: z.boolean().default(false).describe('Estimate both by maximum likelihood'),
};
const logs = (prices: number[][], names: string[]) =>
  prices.map((p, i) =>
    p.map((v) => {
      if (!(v > 0)) throw new ToolError(`${names[i]} has a non-positive price, so log prices are undefined.`);
      return Math.log(v);
    }),
  );
const simpleReturns = (p: number[]) => p.slice(1).map((v, t) => v / (p[t] as number) - 1);

function kalmanOf(y: number[], x: number[], a: { delta: number; obs_var: number; mle: boolean }) {
  let settings: KalmanSettings = { obsVar: a.obs_var, stateVar: deltaToStateVar(a.delta), priorVar: 1e4 };
  if (a.mle) settings = kalmanMle(y, x, settings).settings;
  return { settings, fit: kalmanRegression(y, x, settings) };
}

const progressEvery = (ctx: ToolContext, what: string) => {
  let last = -1;
  return (done: number, total: number) => {
    const step = Math.max(1, Math.floor(total / 20));
    if (done === total || done - last >= step) {
      last = done;
      void ctx.progress(done, total, `${done} of ${total} ${what}`);
    }
  };
};

export const rollingCorrelationTool = defineTool({
  name: 'rolling_correlation',
  title: 'Rolling correlation',
  description: "Rolling correlation of simple returns. 2 symbols: the series; more: each pair's latest value and share of windows >= threshold.",
  toolset: 'studies',
  risk: 'read',
  severity: 'low',
  input: z.object({
    symbols: z.array(symbol).min(2).max(100).optional().describe(TICKERS),
    ...range,
    method: z.enum(ROLLING_METHODS).default('pearson').describe('Correlation type'),
    window: int(undefined, 5, 100_000).describe('Returns per window, bars'),
    step: int(1, 1, 100_000).describe('Bars between windows'),
    threshold: real(0.8, -1, 1).describe('Correlation, -1 to 1'),
    max_points: maxPoints,
  }),
  output: z.object({
    windows: z.number(),
    series: z.object({ dates: z.array(z.string()), values: z.array(z.number()) }).optional(),
    pairs: z.array(z.record(z.string(), z.unknown())),
    pairs_above: z.number(),
  }),
  handler: (a, ctx) =>
    guarded(async () => {
      const data = await load(a, ctx, 2);
      const returns = data.prices.map(simpleReturns);
      const n = (returns[0] as number[]).length;
      if (a.window > n) throw new ToolError(`window ${a.window} is longer than the ${n} returns available.`);
      const rows = rollingScreen(returns, a.window, a.method, a.step, a.threshold, progressEvery(ctx, 'pairs'));
      const pairs = rows
        .map((r) => ({
          symbol1: data.symbols[r.i] as string,
          symbol2: data.symbols[r.j] as string,
          latest: r.latest,
          fraction_above: r.fraction_above,
          mean: r.mean,
        }))
        .sort((x, y) => y.latest - x.latest);
      let series: { dates: string[]; values: number[] } | undefined;
      if (data.symbols.length === 2) {
        const r = rollingCorrelation(returns[0] as number[], returns[1] as number[], a.window, a.method, a.step);
        const keep = thin(r.values.length, a.max_points);
        series = { dates: keep.map((k) => data.dates[r.ends[k] as number] as string), values: keep.map((k) => r.values[k] as number) };
      }
      const windows = Math.floor((n - a.window) / a.step) + 1;
      return {
        structured: {
          method: a.method,
          window: a.window,
          step: a.step,
          threshold: a.threshold,
          windows,
          ...(series ? { series } : {}),
          pairs: pairs.slice(0, 100),
          pairs_above: pairs.filter((p) => p.latest >= a.threshold).length,
          n_obs: data.dates.length,
          source: data.source,
        },
        text: `${pairs.filter((p) => p.latest >= a.threshold).length} of ${pairs.length} pairs have a latest ${a.method} correlation >= ${a.threshold} (${windows} windows of ${a.window} returns).`,
      };
    }),
});

export const kalmanTool = defineTool({
  name: 'kalman_hedge_ratio',
  title: 'Kalman hedge ratio',
  description:
    'Kalman filter of log symbol1 = a_t + b_t log symbol2 + e, e~N(0,obs_var), a and b random walks (delta). Hedge b_t, a_t, spread (innovation), z, loglik.',
  toolset: 'studies',
  risk: 'read',
  severity: 'low',
  input: z.object({
    symbol1: symbol.describe('Dependent ticker (y)'),
    symbol2: symbol.describe('Regressor ticker (x)'),
    ...range,
    ...kalmanArgs,
    max_points: maxPoints,
  }),
  output: z.object({
    obs_var: z.number(),
    state_var: z.number(),
    loglik: z.number(),
    hedge_ratio: z.number(),
    z: z.number(),
    series: z.record(z.string(), z.array(z.unknown())),
  }),
  handler: (a, ctx) =>
    guarded(async () => {
      const data = await load({ ...a, symbols: [a.symbol1, a.symbol2] }, ctx, 2);
      const [y, x] = logs(data.prices, data.symbols) as [number[], number[]];
      const { settings, fit } = kalmanOf(y, x, a);
      const n = y.length;
      const z = Array.from(fit.innovation, (v, t) => v / Math.sqrt(fit.variance[t] as number));
      // The half-life of the spread the simulation trades (log Y - b_t log X): the filtered residual,
      // intercept included, is the part the state did not follow and reverts within a bar or so.
      const spread = y.map((v, t) => v - (fit.hedge[t] as number) * (x[t] as number));
      const keep = thin(n, a.max_points);
      const pick = (s: ArrayLike<number>) => keep.map((t) => s[t] as number);
      return {
        structured: {
          symbol1: data.symbols[0],
          symbol2: data.symbols[1],
          estimated: a.mle,
          obs_var: settings.obsVar,
          state_var: settings.stateVar,
          prior_var: settings.priorVar,
          loglik: fit.loglik,
          hedge_ratio: fit.hedge[n - 1],
          intercept: fit.intercept[n - 1],
          spread: fit.innovation[n - 1],
          z: z[n - 1],
          half_life: halfLife(spread),
          series: {
            dates: keep.map((t) => data.dates[t] as string),
            hedge_ratio: pick(fit.hedge),
            intercept: pick(fit.intercept),
            spread: pick(fit.innovation),
            z: pick(z),
          },
          n_obs: n,
          source: data.source,
        },
      };
    }),
});

export const simulatePairsTool = defineTool({
  name: 'simulate_pairs_trading',
  title: 'Simulate pairs trading',
  description:
    'Local simulation at bar closes, not a LEAN backtest: log spread with an OLS (in-sample) or Kalman (filtered) hedge, z over lookback bars; entry past +-entry_z held confirm_bars bars; exit at exit_z, stop_z or max_hold_half_lives x half-life; pair_pct x NAV per pair, gross <= max_gross x NAV. Trades, PnL per pair, stats, regime LR test, bootstrap p of alpha vs benchmark_symbol.',
  toolset: 'studies',
  risk: 'read',
  severity: 'low',
  input: z.object({
    pairs: z
      .array(z.string().refine((v) => /^[A-Za-z0-9._-]{1,20}\/[A-Za-z0-9._-]{1,20}$/.test(v), 'a pair is "Y/X", e.g. KO/PEP'))
      .min(1)
      .max(50)
      .describe('"Y/X" tickers, e.g. KO/PEP'),
    ...range,
    hedge: z.enum(['ols', 'kalman']).default('kalman').describe('Hedge ratio model'),
    lookback: int(60, 5, 100_000).describe('Rolling z window (ols), bars'),
    ...kalmanArgs,
    entry_z: real(2, 0, 100, true).describe('z, std devs'),
    exit_z: real(0, 0, 100).describe('z, std devs'),
    stop_z: real(4, 0, 100, true).describe('z, std devs'),
    confirm_bars: int(2, 1, 50).describe('Bars beyond entry_z'),
    max_hold_half_lives: real(3, 0, 1000, true).describe('Max hold, in half-lives'),
    pair_pct: real(0.03, 0, 1, true).describe('Gross per pair, fraction of NAV'),
    max_gross: real(3, 0, 50, true).describe('Gross cap, multiple of NAV'),
    cost_bps: real(1, 0, 1000).describe('Per side, basis points of notional'),
    capital: real(1e6, 0, 1e12, true).describe('Starting NAV, account currency'),
    periods_per_year: real(undefined, 1, 1e6).optional().describe('Bars per year (default by resolution)'),
    benchmark_symbol: symbol.optional().describe(BENCHMARK),
    n_boot: nBoot(1000, 100, 20_000),
    block_length: blockLength,
    seed,
    max_trades: int(100, 0, 5000).describe('Trades to list'),
  }),
  output: z.object({
    label: z.string(),
    statistics: z.record(z.string(), z.unknown()),
    trades: z.array(
      z.looseObject({
        side: z
          .enum(['long_spread', 'short_spread'])
          .describe('long_spread: buy Y worth notional/(1+|hedge_ratio|), sell X worth hedge_ratio x that; short_spread: the reverse'),
      }),
    ),
    attribution: z.array(z.unknown()),
    alpha: z.unknown(),
    regime: z.unknown(),
  }),
  handler: (a, ctx) =>
    guarded(async () => {
      if (a.stop_z <= a.entry_z) throw new ToolError(`stop_z ${a.stop_z} must be above entry_z ${a.entry_z}.`);
      if (a.exit_z >= a.entry_z) throw new ToolError(`exit_z ${a.exit_z} must be below entry_z ${a.entry_z}.`);
      const legs = a.pairs.map((p) => p.toUpperCase().split('/') as [string, string]);
      const names = [...new Set(legs.flat())];
      const bench = a.benchmark_symbol?.toUpperCase();
      const data = await load({ ...a, symbols: bench && !names.includes(bench) ? [...names, bench] : names }, ctx, 2);
      const lp = logs(data.prices, data.symbols);
      const col = (s: string) => data.symbols.indexOf(s.toUpperCase());
      const inputs: PairInput[] = legs.map(([s1, s2], k) => {
        void ctx.progress(k, a.pairs.length + 1, `spread of ${s1}/${s2}`);
        const y = lp[col(s1)] as number[];
        const x = lp[col(s2)] as number[];
        if (a.hedge === 'kalman') {
          const { fit } = kalmanOf(y, x, a);
          // The spread with the filtered hedge b_t, z-scored over lookback as for OLS (scale-free): the
          // filter's standardised innovation depends on obs_var's scale and is near white noise once the
          // state follows the spread (as by MLE), so it seldom stays past entry_z for confirm_bars.
          const spread = y.map((v, t) => v - (fit.hedge[t] as number) * (x[t] as number));
          return {
            name: `${s1.toUpperCase()}/${s2.toUpperCase()}`,
            y: data.prices[col(s1)] as number[],
            x: data.prices[col(s2)] as number[],
            hedge: fit.hedge,
            z: rollingZ(spread, a.lookback),
            halfLife: halfLife(spread),
          };
        }
        const fit = ols([Float64Array.from(x), new Float64Array(x.length).fill(1)], Float64Array.from(y));
        const b = fit.beta[0] as number;
        const spread = y.map((v, t) => v - b * (x[t] as number));
        return {
          name: `${s1.toUpperCase()}/${s2.toUpperCase()}`,
          y: data.prices[col(s1)] as number[],
          x: data.prices[col(s2)] as number[],
          hedge: new Float64Array(y.length).fill(b),
          z: rollingZ(spread, a.lookback),
          halfLife: halfLife(spread),
        };
      });
      const sim = simulatePairs(inputs, {
        entryZ: a.entry_z,
        exitZ: a.exit_z,
        stopZ: a.stop_z,
        confirmBars: a.confirm_bars,
        maxHoldHalfLives: a.max_hold_half_lives,
        pairPct: a.pair_pct,
        maxGross: a.max_gross,
        costBps: a.cost_bps,
        capital: a.capital,
      });
      // N-minute bars annualise by bars a year of the regular session (252 x ceil(390 / N)).
      const periods = a.periods_per_year ?? (data.bar_minutes ? data.periods_per_year : PERIODS[a.resolution]);
      const { returns, ...figures } = navStatistics(sim.nav, a.capital, periods);
      const r = returns.subarray(1);
      const wins = sim.trades.filter((t) => t.pnl > 0).length;
      let alpha: Record<string, unknown> | undefined;
      if (bench) {
        const b = simpleReturns(data.prices[col(bench)] as number[]);
        await ctx.progress(a.pairs.length, a.pairs.length + 1, 'bootstrap of alpha');
        const inf = alphaInference(r, [b], { nBoot: a.n_boot, blockLength: a.block_length, seed: a.seed });
        alpha = { benchmark: bench, ...inf, alpha_annual: inf.alpha * periods, betas: undefined, beta: inf.betas[0] };
      }
      const regime = regimeTest(r, 'both', { trim: 0.15, nSim: 499, seed: a.seed });
      return {
        structured: {
          label: 'Research on local data: a simulation at bar closes, not a LEAN backtest.',
          statistics: {
            ...figures,
            final_nav: sim.nav[sim.nav.length - 1] as number,
            trades: sim.trades.length,
            hit_rate: sim.trades.length ? wins / sim.trades.length : null,
            exposure: sim.exposure,
            max_gross_leverage: sim.max_gross_leverage,
            skipped_for_leverage: sim.skipped_for_leverage,
            costs: sim.trades.reduce((s, t) => s + t.costs, 0),
            periods_per_year: periods,
          },
          trades: sim.trades
            .slice(0, a.max_trades)
            .map((t) => ({ ...t, entry_date: data.dates[t.entry_bar] as string, exit_date: data.dates[t.exit_bar] as string })),
          attribution: sim.attribution,
          ...(alpha ? { alpha } : {}),
          regime: { ...regime, break_date: data.dates[regime.break_index + 1] },
          n_obs: data.dates.length,
          source: data.source,
        },
      };
    }),
});
