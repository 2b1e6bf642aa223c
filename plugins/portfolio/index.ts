/**
 * Portfolio plugin: performance of given weights with real rebalancing, equal weight, sparse index
 * tracking, hierarchical risk parity and minimum CVaR, all on simple daily returns from the research
 * data layer. Definitions are in each tool's description and the README; golden values come from
 * scripts/golden/portfolio_golden.py.
 */
import { z } from 'zod';
import { ToolError } from '../../src/tool/results.js';
import { definePlugin, defineTool, type ToolContext, type ToolReturn } from '../../src/tool/tool.js';
import { alignmentNote, alignmentSchema, BENCHMARK, date, guarded, instance, loadWithBenchmark, symbol, TICKERS } from '../quant/common.js';
import { correlationFrom, covarianceMatrix } from '../quant/stats/describe.js';
import { markSimulated } from '../quant/simulated.js';
import { diversificationRatio, performance, REBALANCE, simulate, type Performance } from '../quant/portfolio/analytics.js';
import { exportWeights, weightsTable } from '../quant/export.js';
import { HRP_DISTANCES, hrp, LINKAGES } from '../quant/portfolio/hrp.js';
import { callInPool } from '../quant/pool.js';
import { sparseTracking, sparseTrackingMaxAssets } from '../quant/portfolio/sparse.js';

/** From this many assets HRP's linkage runs on the worker pool. */
const HRP_POOL_FROM = 150;

const exportFlag = z.boolean().default(false).describe('Also save a CSV (resource link)');
const weightsSchema = z.record(z.string(), z.number()).describe('Fractions of capital');
const rebalance = (fallback: (typeof REBALANCE)[number]) => z.enum(REBALANCE).default(fallback).describe('Reset to target weights after each period');
const exportSchema = { export_path: z.string().optional() };
const nullable = z.number().nullable();
const performanceSchema = {
  total_return: z.number(),
  cagr: z.number(),
  annual_volatility: z.number(),
  sharpe_ratio: nullable,
  sortino_ratio: nullable,
  max_drawdown: z.number().describe('Negative fraction'),
  peak_date: z.string(),
  trough_date: z.string(),
  recovery_date: z.string().nullable(),
  calmar_ratio: nullable,
  hit_rate: z.number(),
  turnover: z.number(),
  beta: nullable.optional(),
  alpha: nullable.optional(),
  tracking_error: z.number().optional(),
  information_ratio: nullable.optional(),
};

const byName = (symbols: string[], values: ArrayLike<number>): Record<string, number> => Object.fromEntries(symbols.map((s, i) => [s, values[i] as number]));

const weight = z.number().finite().min(-10).max(10);

/** Target weights given as {SYMBOL: weight} (the optimisers' output) or as a list parallel to symbols. */
function targetWeights(symbols: string[] | undefined, weights: Record<string, number> | number[]): { symbols: string[]; weights: number[] } {
  if (!Array.isArray(weights)) {
    const entries = Object.entries(weights);
    if (entries.length === 0 || entries.length > 200) throw new ToolError(`weights has ${entries.length} symbols; give 1 to 200, as {SYMBOL: weight}.`);
    if (symbols && symbols.map((x) => x.toUpperCase()).join() !== entries.map(([k]) => k.toUpperCase()).join()) {
      throw new ToolError('With weights as {SYMBOL: weight}, leave symbols out (or list the same symbols in the same order).');
    }
    return { symbols: entries.map(([k]) => k), weights: entries.map(([, w]) => w) };
  }
  if (!symbols) throw new ToolError('weights is a list, so symbols is needed: one symbol per weight, in order (or pass weights as {SYMBOL: weight}).');
  if (weights.length !== symbols.length)
    throw new ToolError(`weights has ${weights.length} values for ${symbols.length} symbols; give one weight per symbol, in order.`);
  return { symbols, weights };
}

/** The weights map, its table as the text, and the CSV export when asked. */
function optimiserReturn(
  tool: string,
  weights: Record<string, number>,
  structured: Record<string, unknown>,
  doExport: boolean,
  ctx: ToolContext,
  summary: string,
): ToolReturn {
  const exported = doExport ? exportWeights(ctx.settings.exportDir, tool, weights) : undefined;
  const figures = Object.entries(structured)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k}=${Number((v as number).toPrecision(6))}`)
    .join(' ');
  return {
    structured: { weights, ...structured, ...(exported ? { export_path: exported.path } : {}) },
    text: `${weightsTable(weights, summary)}\n${figures}`,
    ...(exported ? { files: [exported] } : {}),
  };
}

function checkCap(maxWeight: number, n: number): void {
  if (maxWeight * n < 1 - 1e-12) {
    throw new ToolError(
      `Infeasible: max_weight ${maxWeight} x ${n} symbols = ${Number((maxWeight * n).toPrecision(4))} < 1, so fully invested weights cannot respect the cap. Raise max_weight to at least ${Number((1 / n).toPrecision(4))} or add symbols.`,
    );
  }
}

const rebalanceDoc =
  'Weights drift between rebalances and reset after the last trading day of each week/month/quarter (daily: constant; none: buy and hold); cash (1 - sum w) earns 0.';
const metricsDoc =
  "Simple returns, annualised by the bar size; figures defined in docs/research.md, with benchmark_symbol also beta, alpha, tracking_error, information_ratio and the benchmark's own.";

export default markSimulated(
  definePlugin({
    name: 'portfolio',
    tools: [
      defineTool({
        name: 'calculate_portfolio_performance',
        title: 'Portfolio performance',
        description: `Performance of target weights (shorts, leverage, sums other than 1 allowed and reported). ${rebalanceDoc} ${metricsDoc}`,
        toolset: 'portfolio',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(1).max(200).optional().describe('Tickers for weights given as a list, same order'),
          weights: z
            .union([z.record(symbol, weight), z.array(weight).min(1).max(200)])
            .describe('{SYMBOL: weight} as optimisers return, or a list matching symbols; fractions of capital (0.25 = 25%)'),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          benchmark_symbol: symbol.optional().describe(BENCHMARK),
          rebalance_frequency: rebalance('none'),
          risk_free_rate: z.number().min(-0.1).max(1).default(0).describe('Annual, fraction'),
        }),
        output: z.object({
          ...performanceSchema,
          benchmark: z.record(z.string(), z.unknown()).optional(),
          weights: weightsSchema,
          net_exposure: z.number(),
          gross_leverage: z.number(),
          cash_weight: z.number(),
          rebalances: z.number(),
          notes: z.array(z.string()),
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const given = targetWeights(a.symbols, a.weights);
            const { data, symbols, assets, benchmark } = await loadWithBenchmark({ ...a, symbols: given.symbols }, ctx, 1);
            const weights = given.weights;
            const path = simulate(assets, data.dates, weights, a.rebalance_frequency);
            const figures = performance(path.returns, data.dates, path.turnover, a.risk_free_rate, benchmark, data.periods_per_year);
            const net = weights.reduce((s, w) => s + w, 0);
            const gross = weights.reduce((s, w) => s + Math.abs(w), 0);
            const notes: string[] = [];
            if (Math.abs(net - 1) > 1e-9)
              notes.push(
                net < 1
                  ? `Weights sum to ${net.toPrecision(4)}: ${(1 - net).toPrecision(4)} is held as cash earning 0.`
                  : `Weights sum to ${net.toPrecision(4)}: ${(net - 1).toPrecision(4)} is borrowed at 0 (negative cash).`,
              );
            if (weights.some((w) => w < 0)) notes.push(`Short positions: ${symbols.filter((_, i) => (weights[i] as number) < 0).join(', ')}.`);
            if (gross > 1 + 1e-9) notes.push(`Gross leverage ${gross.toPrecision(4)}x.`);
            return {
              structured: {
                ...figures,
                ...(benchmark ? { benchmark: { symbol: a.benchmark_symbol?.toUpperCase(), ...performance(benchmark, data.dates, 0, a.risk_free_rate) } } : {}),
                weights: byName(symbols, weights),
                net_exposure: net,
                gross_leverage: gross,
                cash_weight: 1 - net,
                rebalances: path.rebalances,
                notes,
                ...alignmentNote(data),
              },
            };
          }),
      }),
      defineTool({
        name: 'optimize_equal_weight_portfolio',
        title: 'Equal-weight portfolio',
        description:
          'Equal weights 1/N, rebalanced as in calculate_portfolio_performance. Returns contributions (sum of daily weight*return), diversification ratio (sum w_i*sigma_i / sigma_p) and performance.',
        toolset: 'portfolio',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(2).max(200).describe(TICKERS),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          rebalance_frequency: rebalance('monthly'),
          export: exportFlag,
        }),
        output: z.object({
          weights: weightsSchema,
          contributions: weightsSchema,
          diversification_ratio: z.number(),
          rebalances: z.number(),
          performance: z.record(z.string(), z.unknown()),
          ...exportSchema,
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const { data, symbols, assets } = await loadWithBenchmark(a, ctx, 2);
            const n = assets.length;
            const weights = new Array<number>(n).fill(1 / n);
            const path = simulate(assets, data.dates, weights, a.rebalance_frequency);
            const figures: Performance = performance(path.returns, data.dates, path.turnover, 0, undefined, data.periods_per_year);
            return optimiserReturn(
              'optimize_equal_weight_portfolio',
              byName(symbols, weights),
              {
                contributions: byName(symbols, path.contributions),
                diversification_ratio: diversificationRatio(weights, await covarianceMatrix(assets)),
                rebalances: path.rebalances,
                performance: figures,
                ...alignmentNote(data),
              },
              a.export,
              ctx,
              `Equal weight, rebalanced ${a.rebalance_frequency}`,
            );
          }),
      }),
      defineTool({
        name: 'sparse_optimization',
        title: 'Sparse index tracking',
        description:
          'Benidis, Feng & Palomar 2018 (objective in docs/research.md): long-only, sum 1, w <= max_weight; larger lambda, fewer names; max_assets searches lambda for at most that many.',
        toolset: 'portfolio',
        risk: 'read',
        severity: 'low',
        input: z.object({
          portfolio_symbols: z.array(symbol).min(2).max(500).describe('Candidate tickers, e.g. KO'),
          benchmark_symbol: symbol.describe('Index ticker to track, e.g. SPY'),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          max_weight: z.number().gt(0).max(1).default(0.25).describe('Per name, fraction'),
          lambda: z.number().min(0).max(1).default(1e-6).describe('Useful range 1e-7..1e-4; ignored with max_assets'),
          max_assets: z.number().int().min(1).max(500).optional().describe('Target number of names: lambda is searched'),
          huber_m: z.number().gt(0).max(1).default(0.01).describe('Huber threshold, daily return fraction'),
          p: z.number().gt(0).max(1).default(1e-3).describe('Smoothing of the l0 penalty'),
          max_iterations: z.number().int().min(1).max(100_000).default(2000).describe('Iteration cap'),
          tolerance: z.number().gt(0).max(1e-2).default(1e-10).describe('Convergence tolerance'),
          export: exportFlag,
        }),
        output: z.object({
          weights: weightsSchema,
          lambda: z.number(),
          lambda_evaluations: z.number().optional(),
          active_count: z.number(),
          tracking_error: z.number(),
          downside_risk: z.number(),
          iterations: z.number(),
          converged: z.boolean(),
          objective_start: z.number(),
          objective_end: z.number(),
          ...exportSchema,
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const bench = a.benchmark_symbol.toUpperCase();
            if (a.portfolio_symbols.some((s) => s.toUpperCase() === bench))
              throw new ToolError(`benchmark_symbol ${bench} is also in portfolio_symbols; track it with other assets.`);
            checkCap(a.max_weight, a.portfolio_symbols.length);
            const { data, symbols, assets, benchmark } = await loadWithBenchmark({ ...a, symbols: a.portfolio_symbols }, ctx, 3);
            const options = { maxWeight: a.max_weight, huberM: a.huber_m, p: a.p, maxIterations: a.max_iterations, tolerance: a.tolerance };
            if (a.max_assets !== undefined && a.max_assets * a.max_weight < 1 - 1e-12) {
              throw new ToolError(
                `Infeasible: max_assets ${a.max_assets} names capped at max_weight ${a.max_weight} cannot sum to 1; allow at least ${Math.ceil(1 / a.max_weight - 1e-12)} names or raise max_weight.`,
              );
            }
            const result =
              a.max_assets === undefined
                ? { ...sparseTracking(assets, benchmark as Float64Array, { ...options, lambda: a.lambda }), lambda: a.lambda }
                : sparseTrackingMaxAssets(assets, benchmark as Float64Array, options, a.max_assets);
            const held = result.weights.filter((w) => w > 0).length;
            if (a.max_assets !== undefined && held > a.max_assets) {
              throw new ToolError(
                `max_assets ${a.max_assets} was not reached: even lambda ${result.lambda} leaves ${held} names. Raise max_assets, or max_iterations so the solver converges.`,
              );
            }
            const index = benchmark as Float64Array;
            const tracked = new Float64Array(index.length);
            assets.forEach((x, i) => x.forEach((r, t) => (tracked[t] = (tracked[t] as number) + (result.weights[i] as number) * r)));
            const trackingError = performance(tracked, data.dates, 0, 0, index, data.periods_per_year).tracking_error as number;
            let shortfall = 0;
            for (let t = 0; t < index.length; t++) shortfall += Math.min((tracked[t] as number) - (index[t] as number), 0) ** 2;
            const weights = Object.fromEntries(symbols.map((s, i) => [s, result.weights[i] as number]).filter(([, w]) => (w as number) > 0));
            return optimiserReturn(
              'sparse_optimization',
              weights,
              {
                lambda: result.lambda,
                ...('evaluations' in result ? { lambda_evaluations: result.evaluations } : {}),
                active_count: Object.keys(weights).length,
                tracking_error: trackingError,
                downside_risk: Math.sqrt((shortfall / index.length) * data.periods_per_year),
                iterations: result.iterations,
                converged: result.converged,
                objective_start: result.objective[0] as number,
                objective_end: result.objective.at(-1) as number,
                ...alignmentNote(data),
              },
              a.export,
              ctx,
              `Sparse tracking of ${bench}: ${Object.keys(weights).length} of ${symbols.length} assets`,
            );
          }),
      }),
      defineTool({
        name: 'hierarchical_risk_parity',
        title: 'Hierarchical risk parity',
        description:
          "HRP (Lopez de Prado 2016): linkage of d = sqrt((1-rho)/2) (default, as PyPortfolioOpt, Riskfolio-Lib, mlfinlab) or d_tilde (distance between columns of d, the paper's code), then recursive bisection.",
        toolset: 'portfolio',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(2).max(1000).describe(TICKERS),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          linkage: z.enum(LINKAGES).default('single').describe('Clustering linkage'),
          distance: z.enum(HRP_DISTANCES).default('d').describe('See description'),
          export: exportFlag,
        }),
        output: z.object({
          weights: weightsSchema,
          order: z.array(z.string()),
          distance: z.enum(HRP_DISTANCES),
          annual_volatility: z.number(),
          ...exportSchema,
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const { data, symbols, assets } = await loadWithBenchmark(a, ctx, 2);
            const p = assets.length;
            const cov = await covarianceMatrix(assets);
            for (let i = 0; i < p; i++)
              if (!((cov[i * p + i] as number) > 0))
                throw new ToolError(`${symbols[i]} has constant prices over the range, so its variance is 0 and inverse-variance weights are undefined.`);
            const corr = correlationFrom(cov, p);
            // Large linkages run on the worker pool, so the main thread keeps answering.
            const result =
              p >= HRP_POOL_FROM ? await callInPool('hrp', [cov, corr, p, a.linkage, a.distance], ctx.signal) : hrp(cov, corr, p, a.linkage, a.distance);
            let variance = 0;
            for (let i = 0; i < p; i++)
              for (let j = 0; j < p; j++) variance += (result.weights[i] as number) * (result.weights[j] as number) * (cov[i * p + j] as number);
            return optimiserReturn(
              'hierarchical_risk_parity',
              byName(symbols, result.weights),
              {
                order: result.order.map((i) => symbols[i] as string),
                distance: a.distance,
                annual_volatility: Math.sqrt(variance * data.periods_per_year),
                ...alignmentNote(data),
              },
              a.export,
              ctx,
              `HRP (${a.linkage} linkage on ${a.distance === 'd' ? 'd' : 'd-tilde'})`,
            );
          }),
      }),
      defineTool({
        name: 'minimize_cvar',
        title: 'Minimum CVaR portfolio',
        description:
          'Minimum CVaR (Rockafellar-Uryasev LP, HiGHS) over historical daily returns (loss = -return); long-only, sum 1, w <= max_weight, optional 252*mean >= target_return. cvar, var: positive daily loss fractions at alpha.',
        toolset: 'portfolio',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(2).max(500).describe(TICKERS),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          alpha: z.number().min(0.5).max(0.999).default(0.95).describe('Confidence level, fraction'),
          target_return: z.number().min(-1).max(10).optional().describe('Annual, fraction'),
          max_weight: z.number().gt(0).max(1).default(1).describe('Per name, fraction'),
          export: exportFlag,
        }),
        output: z.object({
          weights: weightsSchema,
          cvar: z.number(),
          var: z.number(),
          expected_return: z.number().describe('Annualised mean return, fraction'),
          n_scenarios: z.number(),
          ...exportSchema,
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            checkCap(a.max_weight, a.symbols.length);
            const { data, symbols, assets } = await loadWithBenchmark(a, ctx, 2);
            // The LP is solved on the worker pool (HiGHS loads there once), so the main thread keeps answering.
            const solved = await callInPool('minimizeCvar', [assets, a.alpha, a.max_weight, a.target_return], ctx.signal);
            if ('infeasible' in solved) {
              const means = assets.map((x) => (x.reduce((s, v) => s + v, 0) / x.length) * data.periods_per_year);
              throw new ToolError(
                `Infeasible: no long-only portfolio with max_weight ${a.max_weight} reaches target_return ${a.target_return}; the best reachable is about ${Math.max(...means).toPrecision(4)} a year (the best single asset, before the cap).`,
              );
            }
            const result = solved.result;
            const expected =
              assets.reduce((s, x, i) => s + (result.weights[i] as number) * (x.reduce((acc, v) => acc + v, 0) / x.length), 0) * data.periods_per_year;
            const weights = Object.fromEntries(symbols.map((s, i) => [s, Math.abs(result.weights[i] as number) < 1e-12 ? 0 : (result.weights[i] as number)]));
            return optimiserReturn(
              'minimize_cvar',
              weights,
              { cvar: result.cvar, var: result.var, expected_return: expected, n_scenarios: (assets[0] as Float64Array).length, ...alignmentNote(data) },
              a.export,
              ctx,
              `Minimum CVaR at ${a.alpha}`,
            );
          }),
      }),
    ],
  }),
);
