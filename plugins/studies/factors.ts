/** Studies tools for factors and alpha: factor loadings and beta, a beta-neutral momentum/value long/short book, alpha and regime inference. */
import { z } from 'zod';
import { ToolError } from '../../src/tool/results.js';
import { defineTool } from '../../src/tool/tool.js';
import { BENCHMARK, date, guarded, instance, load, symbol, TICKERS, type Selection } from '../quant/common.js';
import { correlationFrom, covarianceMatrix } from '../quant/stats/describe.js';
import { hrp, LINKAGES } from '../quant/portfolio/hrp.js';
import { betaNeutralSplit, capWeights, portfolioVol } from '../quant/portfolio/long-short.js';
import { alphaInference } from '../quant/stats/bootstrap.js';
import { descendingRanks, loadings, momentum, terciles, type FactorTable } from '../quant/stats/factors.js';
import { regimeTest, SHIFTS } from '../quant/stats/regime.js';
import { blockLength, constructing, factorFiles, int, nBoot, readFactors, real, seed } from './common.js';

const range = { start_date: date.optional(), end_date: date.optional(), instance_name: instance };
const byName = (names: string[], v: ArrayLike<number>) => Object.fromEntries(names.map((n, i) => [n, v[i] as number]));

/** Prices of symbols (+ benchmark) as simple returns keyed by the return's date, restricted to factor dates when given. */
async function returnsFor(a: Selection & { symbols: string[] }, bench: string | undefined, factors: FactorTable | undefined, ctx: Parameters<typeof load>[1]) {
  const names = a.symbols.map((s) => s.toUpperCase());
  const data = await load({ ...a, symbols: bench && !names.includes(bench) ? [...names, bench] : names }, ctx, 1);
  let rows = data.dates.slice(1).map((_, t) => t);
  let fIndex: number[] = [];
  if (factors) {
    const at = new Map(factors.dates.map((d, i) => [d, i]));
    rows = rows.filter((t) => at.has((data.dates[t + 1] as string).slice(0, 10)));
    fIndex = rows.map((t) => at.get((data.dates[t + 1] as string).slice(0, 10)) as number);
    if (rows.length < 30)
      throw new ToolError(
        `Only ${rows.length} return dates are common to the prices and the factor files (${factors.dates[0]} to ${factors.dates.at(-1)}); at least 30 are needed.`,
      );
  }
  const ret = (i: number) => Float64Array.from(rows, (t) => (data.prices[i] as number[])[t + 1]! / (data.prices[i] as number[])[t]! - 1);
  const col = (s: string) => ret(data.symbols.indexOf(s));
  return { data, names, rows, col, fIndex, dates: rows.map((t) => data.dates[t + 1] as string) };
}

export const longShortTool = defineTool({
  name: 'build_long_short',
  title: 'Beta-neutral long/short',
  description:
    'Terciles of 12-1 momentum (averaged with value_scores ranks, higher = cheaper): long top, short bottom; HRP per book capped at per_name_cap; books sized for zero beta to benchmark_symbol; scaled to ex-ante target_volatility, gross <= max_gross.',
  toolset: 'studies',
  risk: 'read',
  severity: 'low',
  input: z.object({
    symbols: z.array(symbol).min(6).max(500).describe(TICKERS),
    ...range,
    benchmark_symbol: symbol.describe(BENCHMARK),
    value_scores: z.record(z.string(), z.number()).optional().describe('{SYMBOL: score}, higher = cheaper'),
    lookback: int(252, 20, 10_000).describe('Momentum window, bars'),
    skip: int(21, 0, 1000).describe('Latest bars left out'),
    per_name_cap: real(0.25, 0, 1, true).describe('Per name, fraction of its book'),
    target_volatility: real(0.1, 0, 2, true).describe('Annual, fraction'),
    max_gross: real(2, 0, 10, true).describe('Gross cap, multiple of capital'),
    linkage: z.enum(LINKAGES).default('single').describe('HRP clustering linkage'),
  }),
  output: z.object({
    weights: z.record(z.string(), z.number()),
    scores: z.array(z.unknown()),
    ex_ante_volatility: z.number(),
    net_beta: z.number(),
    gross: z.number(),
  }),
  handler: (a, ctx) =>
    guarded(() =>
      constructing(async () => {
        const bench = a.benchmark_symbol.toUpperCase();
        const names = a.symbols.map((s) => s.toUpperCase());
        if (names.includes(bench)) throw new ToolError(`benchmark_symbol ${bench} is also in symbols.`);
        const { data, col } = await returnsFor(a, bench, undefined, ctx);
        if (data.dates.length <= a.lookback)
          throw new ToolError(`12-1 momentum needs more than lookback=${a.lookback} bars; the range has ${data.dates.length}.`);
        const mom = names.map((s) => momentum(data.prices[data.symbols.indexOf(s)] as number[], a.lookback, a.skip));
        let rank = descendingRanks(mom);
        if (a.value_scores) {
          const missing = names.filter((s) => !Object.keys(a.value_scores!).some((k) => k.toUpperCase() === s));
          if (missing.length) throw new ToolError(`value_scores has no score for ${missing.join(', ')}.`);
          const value = names.map((s) => Object.entries(a.value_scores!).find(([k]) => k.toUpperCase() === s)![1]);
          const vr = descendingRanks(value);
          rank = descendingRanks(rank.map((r, i) => -(r + (vr[i] as number)) / 2));
        }
        const tier = terciles(rank);
        const b = col(bench);
        const betas = names.map((s) => loadings(col(s), [b]).betas[0] as number);
        const book = async (members: number[]) => {
          const cols = members.map((i) => col(names[i] as string));
          const p = cols.length;
          let w: Float64Array;
          if (p === 1) w = Float64Array.of(1);
          else {
            const cov = await covarianceMatrix(cols);
            w = hrp(cov, correlationFrom(cov, p), p, a.linkage).weights as Float64Array;
          }
          const capped = capWeights(w, a.per_name_cap);
          return { members, w: capped, beta: members.reduce((s, i, k) => s + (capped[k] as number) * (betas[i] as number), 0) };
        };
        const longs = await book(tier.flatMap((t, i) => (t === 1 ? [i] : [])));
        const shorts = await book(tier.flatMap((t, i) => (t === 3 ? [i] : [])));
        const split = betaNeutralSplit(longs.beta, shorts.beta);
        const w = new Float64Array(names.length);
        longs.members.forEach((i, k) => (w[i] = split.long * (longs.w[k] as number)));
        shorts.members.forEach((i, k) => (w[i] = -split.short * (shorts.w[k] as number)));
        const cov = await covarianceMatrix(names.map((s) => col(s)));
        const vol = portfolioVol(w, cov) * Math.sqrt(252);
        const scale = Math.min(a.target_volatility / vol, a.max_gross);
        const final = Float64Array.from(w, (v) => v * scale);
        return {
          structured: {
            weights: Object.fromEntries(names.map((s, i) => [s, final[i] as number]).filter(([, v]) => v !== 0)),
            long: longs.members.map((i) => names[i]),
            short: shorts.members.map((i) => names[i]),
            scores: names.map((s, i) => ({
              symbol: s,
              momentum: mom[i],
              ...(a.value_scores ? { value: Object.entries(a.value_scores).find(([k]) => k.toUpperCase() === s)![1] } : {}),
              rank: rank[i],
              tercile: tier[i],
              beta: betas[i],
            })),
            book_betas: { long: longs.beta, short: shorts.beta },
            ex_ante_volatility: vol * scale,
            net_beta: final.reduce((s, v, i) => s + v * (betas[i] as number), 0),
            gross: final.reduce((s, v) => s + Math.abs(v), 0),
            net: final.reduce((s, v) => s + v, 0),
            capped_by_max_gross: scale === a.max_gross,
            n_obs: data.dates.length,
          },
        };
      }),
    ),
});

export const factorExposuresTool = defineTool({
  name: 'factor_regression',
  title: 'Factor regression',
  description:
    'Per symbol (e.g. a stock or a strategy equity CSV): OLS of daily returns (minus RF when a factor file has it) on a constant, benchmark_symbol and factor_files: alpha, loadings, t, R^2; n_boot > 0: stationary-bootstrap p of alpha (seeded); shift: Gaussian LR test of a mean/volatility shift at break_date (chi-square) or unknown (sup-LR, Monte-Carlo null).',
  toolset: 'studies',
  risk: 'read',
  severity: 'low',
  input: z.object({
    symbols: z.array(symbol).min(1).max(200).describe(TICKERS),
    ...range,
    benchmark_symbol: symbol.optional().describe(BENCHMARK),
    factor_files: factorFiles.optional(),
    n_boot: nBoot(0, 0, 50_000),
    block_length: blockLength,
    seed,
    shift: z.enum(SHIFTS).optional().describe('What may shift'),
    break_date: date.optional().describe('Known break, YYYY-MM-DD'),
    trim: real(0.15, 0.05, 0.45).describe('Unknown break: ends left out, fraction'),
    n_sim: int(999, 99, 20_000).describe('Monte-Carlo draws'),
  }),
  output: z.object({ regressors: z.array(z.string()), assets: z.array(z.record(z.string(), z.unknown())), n_obs: z.number() }),
  handler: (a, ctx) =>
    guarded(async () => {
      if (!a.factor_files?.length && !a.benchmark_symbol) throw new ToolError('Give benchmark_symbol, factor_files or both to regress on.');
      const factors = a.factor_files?.length ? readFactors(ctx, a.factor_files) : undefined;
      const bench = a.benchmark_symbol?.toUpperCase();
      const { names, col, fIndex, dates } = await returnsFor(a, bench, factors, ctx);
      const used = factors ? factors.names.filter((n) => n !== 'RF') : [];
      const rfAt = factors?.names.indexOf('RF') ?? -1;
      const cols: Float64Array[] = [];
      const labels: string[] = [];
      if (bench) cols.push(col(bench)), labels.push(bench);
      for (const n of used) cols.push(Float64Array.from(fIndex, (i) => (factors!.columns[factors!.names.indexOf(n)] as number[])[i] as number)), labels.push(n);
      let breakIndex: number | undefined;
      if (a.break_date) {
        breakIndex = dates.findIndex((d) => d.slice(0, 10) >= (a.break_date as string));
        if (breakIndex < 2 || breakIndex > dates.length - 2)
          throw new ToolError(`break_date ${a.break_date} leaves fewer than 2 returns on one side (returns run ${dates[0]} to ${dates.at(-1)}).`);
      }
      const assets = names.map((s, k) => {
        let y = col(s);
        if (factors && rfAt >= 0) y = Float64Array.from(y, (v, t) => v - ((factors.columns[rfAt] as number[])[fIndex[t] as number] as number));
        const l = loadings(y, cols);
        const out: Record<string, unknown> = {
          symbol: s,
          alpha: l.alpha,
          alpha_annual: l.alpha * 252,
          alpha_t: l.alpha_t,
          loadings: byName(labels, l.betas),
          t_stats: byName(labels, l.t_stats),
          r_squared: l.r_squared,
        };
        if (a.n_boot > 0) {
          const inf = alphaInference(y, cols, {
            nBoot: a.n_boot,
            blockLength: a.block_length,
            seed: a.seed,
            onProgress: (d, t) => void ctx.progress(k * t + d, names.length * t, `${s}: ${d} of ${t} bootstrap draws`),
          });
          Object.assign(out, { p_value_bootstrap: inf.p_value_bootstrap, bootstrap_se: inf.bootstrap_se });
        }
        if (a.shift) {
          const r = regimeTest(y, a.shift, { breakIndex, trim: a.trim, nSim: a.n_sim, seed: a.seed });
          out.regime = { ...r, break_date: dates[r.break_index] };
        }
        return out;
      });
      return {
        structured: {
          regressors: labels,
          excess_of: factors && rfAt >= 0 ? 'RF' : null,
          assets,
          n_obs: dates.length,
          ...(a.n_boot > 0
            ? {
                bootstrap: {
                  n_boot: a.n_boot,
                  block_length: a.block_length,
                  seed: a.seed,
                  p_value: 'share of |alpha* - alpha| >= |alpha| over stationary-bootstrap resamples of (y, X) rows',
                },
              }
            : {}),
          ...(a.shift ? { regime_model: 'Gaussian i.i.d. returns; H1: other mean and/or volatility from the break on' } : {}),
        },
      };
    }),
});
