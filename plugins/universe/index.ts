/**
 * Universe plugin: screening by return, volatility, Sharpe and correlation to a benchmark;
 * selection of weakly correlated assets; ETF constituents from a LEAN data folder, optionally loaded
 * into a research session.
 */
import { z } from 'zod';
import { ToolError } from '../../src/tool/results.js';
import { definePlugin, defineTool } from '../../src/tool/tool.js';
import { LeanSource } from '../quant/data/source.js';
import { alignmentNote, alignmentSchema, date, guarded, instance, load, loadWithBenchmark, sessionFor, source, symbol } from '../quant/common.js';
import { correlationMatrix, rowsOf } from '../quant/stats/correlation.js';
import { pearsonMatrix, simpleReturns } from '../quant/stats/describe.js';
import { performance } from '../quant/portfolio/analytics.js';
import { correlationDistance, leafOrder, linkage } from '../quant/portfolio/hrp.js';
import { readEtfConstituents } from '../quant/data/etf.js';

/** Average of the pairwise correlations among the chosen indices. */
function averageCorrelation(corr: number[][], chosen: number[]): number {
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < chosen.length; a++) {
    for (let b = a + 1; b < chosen.length; b++) {
      sum += (corr[chosen[a] as number] as number[])[chosen[b] as number] as number;
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

/** Start from the least correlated pair, then add the asset that keeps the set's average correlation lowest. */
export function greedyUncorrelated(corr: number[][], k: number): number[] {
  const n = corr.length;
  let best: [number, number] = [0, 1];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if ((corr[i] as number[])[j]! < (corr[best[0]] as number[])[best[1]]!) best = [i, j];
  const chosen = [...best];
  while (chosen.length < k) {
    let pick = -1;
    let pickSum = Infinity;
    for (let c = 0; c < n; c++) {
      if (chosen.includes(c)) continue;
      const sum = chosen.reduce((s, i) => s + (corr[c] as number[])[i]!, 0);
      if (sum < pickSum) {
        pickSum = sum;
        pick = c;
      }
    }
    chosen.push(pick);
  }
  return chosen;
}

/** Average-linkage clusters of the correlation distance cut into k groups; from each, its least correlated member. */
export function clusterUncorrelated(corr: number[][], k: number): number[] {
  const n = corr.length;
  const merges = linkage(correlationDistance(corr.flat(), n), n, 'average');
  // Apply the first n - k merges; what is left are k clusters.
  const members = new Map<number, number[]>(Array.from({ length: n }, (_, i) => [i, [i]]));
  merges.slice(0, n - k).forEach((m, step) => {
    members.set(n + step, [...(members.get(m.left) ?? []), ...(members.get(m.right) ?? [])]);
    members.delete(m.left);
    members.delete(m.right);
  });
  const meanCorr = (i: number) => corr[i]!.reduce((s, v, j) => (j === i ? s : s + v), 0) / (n - 1);
  const order = leafOrder(merges, n);
  return [...members.values()]
    .map((group) => group.reduce((best, i) => (meanCorr(i) < meanCorr(best) ? i : best)))
    .sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** The community server's ranking: the k assets with the smallest sum of correlations to all others. */
export function sumOfCorrelations(corr: number[][], k: number): number[] {
  const sums = corr.map((row, i) => row.reduce((s, v, j) => (j === i ? s : s + v), 0));
  return sums.map((_, i) => i).sort((a, b) => sums[a]! - sums[b]! || a - b).slice(0, k);
}

function leanRoot(ctx: Parameters<typeof source>[0]): string {
  const src = source(ctx);
  if (!(src instanceof LeanSource)) throw new ToolError(`ETF constituents come from a LEAN data folder (equity/usa/universes/etf/...), so the data source must be lean:DIR; it is ${src.describe}.`);
  return src.dir;
}

const constituentSchema = z.object({ symbol: z.string(), weight: z.number().nullable(), shares_held: z.number().nullable(), market_value: z.number().nullable() });

export default definePlugin({
  name: 'universe',
  tools: [
    defineTool({
      name: 'screen_assets_by_criteria',
      title: 'Screen assets',
      description:
        'Screen on simple daily returns: annual_return (CAGR) >= min_return, annual_volatility <= max_volatility, sharpe (rf 0) >= min_sharpe, correlation to benchmark_symbol <= max_correlation. Returns passed (with figures) and failed (with reasons).',
      toolset: 'universe', risk: 'read', severity: 'low',
      input: z.object({
        symbols: z.array(symbol).min(1).max(500), start_date: date.optional(), end_date: date.optional(), instance_name: instance,
        min_return: z.number().optional(), max_volatility: z.number().gt(0).optional(), min_sharpe: z.number().optional(),
        max_correlation: z.number().min(-1).max(1).optional(), benchmark_symbol: symbol.optional(),
      }),
      output: z.object({
        passed: z.array(z.object({ symbol: z.string(), annual_return: z.number(), annual_volatility: z.number(), sharpe: z.number().nullable(), correlation: z.number().optional() })),
        failed: z.array(z.object({ symbol: z.string(), reasons: z.array(z.string()) })),
        ...alignmentSchema,
      }),
      handler: (a, ctx) =>
        guarded(async () => {
          if (a.max_correlation !== undefined && !a.benchmark_symbol) throw new ToolError('max_correlation needs benchmark_symbol: the correlation is measured against it.');
          if ([a.min_return, a.max_volatility, a.min_sharpe, a.max_correlation].every((c) => c === undefined)) throw new ToolError('Give at least one criterion: min_return, max_volatility, min_sharpe or max_correlation.');
          const { data, symbols, assets, benchmark } = await loadWithBenchmark(a, ctx, 1);
          const bench = a.benchmark_symbol?.toUpperCase();
          const passed: { symbol: string; annual_return: number; annual_volatility: number; sharpe: number | null; correlation?: number }[] = [];
          const failed: { symbol: string; reasons: string[] }[] = [];
          for (const [k, s] of symbols.entries()) {
            const r = assets[k] as Float64Array;
            const p = performance(r, data.dates, 0, 0);
            const figures = {
              symbol: s,
              annual_return: p.cagr,
              annual_volatility: p.annual_volatility,
              sharpe: p.sharpe_ratio,
              ...(benchmark ? { correlation: (pearsonMatrix([r, benchmark])[0] as number[])[1] as number } : {}),
            };
            const reasons: string[] = [];
            if (a.min_return !== undefined && figures.annual_return < a.min_return) reasons.push(`annual_return ${figures.annual_return.toFixed(4)} < min_return ${a.min_return}`);
            if (a.max_volatility !== undefined && figures.annual_volatility > a.max_volatility) reasons.push(`annual_volatility ${figures.annual_volatility.toFixed(4)} > max_volatility ${a.max_volatility}`);
            if (a.min_sharpe !== undefined && (figures.sharpe === null || figures.sharpe < a.min_sharpe)) reasons.push(`sharpe ${figures.sharpe === null ? 'undefined (constant prices)' : figures.sharpe.toFixed(4)} < min_sharpe ${a.min_sharpe}`);
            if (a.max_correlation !== undefined && figures.correlation !== undefined && figures.correlation > a.max_correlation) reasons.push(`correlation to ${bench} ${figures.correlation.toFixed(4)} > max_correlation ${a.max_correlation}`);
            if (reasons.length === 0) passed.push(figures);
            else failed.push({ symbol: s, reasons });
          }
          return { structured: { passed, failed, ...alignmentNote(data) } };
        }),
    }),
    defineTool({
      name: 'select_uncorrelated_assets',
      title: 'Select uncorrelated assets',
      description:
        'Pick n_assets weakly correlated symbols (Pearson, daily returns). greedy: least correlated pair, then add what keeps the average pairwise correlation lowest. cluster: average linkage of sqrt((1-rho)/2) cut into n_assets groups, least correlated member of each. Compares with the sum-of-correlations ranking.',
      toolset: 'universe', risk: 'read', severity: 'low',
      input: z.object({ symbols: z.array(symbol).min(3).max(500), n_assets: z.number().int().min(2), start_date: date.optional(), end_date: date.optional(), instance_name: instance, method: z.enum(['greedy', 'cluster']).default('greedy') }),
      output: z.object({ selected: z.array(z.string()), average_correlation: z.number(), method: z.string(), sum_of_correlations_ranking: z.object({ selected: z.array(z.string()), average_correlation: z.number() }), ...alignmentSchema }),
      handler: (a, ctx) =>
        guarded(async () => {
          if (a.n_assets >= a.symbols.length) throw new ToolError(`n_assets ${a.n_assets} must be smaller than the ${a.symbols.length} symbols given.`);
          const data = await load(a, ctx, 3);
          const corr = rowsOf(await correlationMatrix(simpleReturns(data.prices)), data.symbols.length);
          const chosen = a.method === 'greedy' ? greedyUncorrelated(corr, a.n_assets) : clusterUncorrelated(corr, a.n_assets);
          const community = sumOfCorrelations(corr, a.n_assets);
          return {
            structured: {
              selected: chosen.map((i) => data.symbols[i] as string),
              average_correlation: averageCorrelation(corr, chosen),
              method: a.method,
              sum_of_correlations_ranking: { selected: community.map((i) => data.symbols[i] as string), average_correlation: averageCorrelation(corr, community) },
              ...alignmentNote(data),
            },
          };
        }),
    }),
    defineTool({
      name: 'get_etf_constituents',
      title: 'ETF constituents',
      description: 'ETF constituents by weight from LEAN data (equity/usa/universes/etf/<etf>/<YYYYMMDD>.csv; nearest earlier date if missing). Needs a lean:DIR source.',
      toolset: 'universe', risk: 'read', severity: 'low',
      input: z.object({ etf_ticker: symbol, date, max_results: z.number().int().min(1).max(5000).default(50) }),
      output: z.object({ etf: z.string(), requested_date: z.string(), as_of: z.string(), count: z.number(), constituents: z.array(constituentSchema), truncated: z.boolean() }),
      handler: async (a, ctx) => {
        const holdings = readEtfConstituents(leanRoot(ctx), a.etf_ticker, a.date);
        return { structured: { ...holdings, count: holdings.constituents.length, constituents: holdings.constituents.slice(0, a.max_results), truncated: holdings.constituents.length > a.max_results } };
      },
    }),
    defineTool({
      name: 'add_etf_universe_securities',
      title: 'Add ETF constituents to research session',
      description: 'Load an ETF\'s largest constituents (as get_etf_constituents) into a research session; those without price data are skipped with the reason.',
      toolset: 'universe', risk: 'read', severity: 'low',
      input: z.object({ etf_ticker: symbol, date, start_date: date, end_date: date, instance_name: z.string().min(1).max(64).default('default'), max_securities: z.number().int().min(1).max(500).default(50), min_weight: z.number().min(0).max(1).optional() }),
      output: z.object({ instance_name: z.string(), etf: z.string(), as_of: z.string(), added: z.array(z.string()), skipped: z.array(z.object({ symbol: z.string(), reason: z.string() })), symbols: z.array(z.string()) }),
      handler: async (a, ctx) => {
        if (a.start_date > a.end_date) throw new ToolError(`start_date ${a.start_date} is after end_date ${a.end_date}.`);
        const holdings = readEtfConstituents(leanRoot(ctx), a.etf_ticker, a.date);
        const picked = holdings.constituents.filter((c) => a.min_weight === undefined || (c.weight ?? 0) >= a.min_weight).slice(0, a.max_securities);
        const src = source(ctx);
        const settled = await Promise.allSettled(picked.map((c) => src.load(c.symbol, a.start_date, a.end_date, 'daily', ctx)));
        const session = sessionFor(ctx, a.instance_name);
        const added: string[] = [];
        const skipped: { symbol: string; reason: string }[] = [];
        settled.forEach((r, i) => {
          const s = (picked[i] as { symbol: string }).symbol;
          if (r.status === 'fulfilled') {
            session.set(r.value.symbol, r.value);
            added.push(r.value.symbol);
          } else skipped.push({ symbol: s, reason: (r.reason as Error).message });
        });
        return { structured: { instance_name: a.instance_name, etf: holdings.etf, as_of: holdings.as_of, added, skipped, symbols: [...session.keys()] } };
      },
    }),
  ],
});
