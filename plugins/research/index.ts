/**
 * Research plugin: price history, named research sessions, and statistics computed locally that
 * match statsmodels / scikit-learn / pandas (see tests/research and scripts/golden).
 * Data comes from the source src/config/data-source.ts chose (csv:, lean:, objectstore: or the simulated market, sim:).
 */
import { z } from 'zod';
import { chartImage } from '../../src/charts/image.js';
import { stamped } from '../../src/charts/stamp.js';
import { ToolError } from '../../src/tool/results.js';
import { backgroundFlag } from '../../src/tool/jobs.js';
import { definePlugin, defineTool, type ToolContext } from '../../src/tool/tool.js';
import {
  alignmentNote,
  alignmentSchema,
  barMinutes,
  criticals,
  date,
  guarded,
  instance,
  load,
  resolution,
  sessionFor,
  source,
  symbol,
  TICKERS,
  transform,
} from '../quant/common.js';
import { loadBars } from '../quant/data/bars.js';
import { barLabel } from '../quant/data/resample.js';
import { FIELDS, type Aligned, type Resolution, type Series } from '../quant/data/source.js';
import { listAvailableData } from './list-data.js';
import { markSimulated } from '../quant/simulated.js';
import { correlationHeatmapSpec, spreadSpec } from './plots.js';
import { adfuller, engleGranger, halfLife } from '../quant/stats/adf.js';
import { CAPS } from '../quant/capacity.js';
import { correlationMatrix, extremePairs, type PairValue, rowsOf } from '../quant/stats/correlation.js';
import { hurst, simpleReturns, zScore } from '../quant/stats/describe.js';
import { distanceCorrelationMatrix } from '../quant/stats/dcor-matrix.js';
import { scaledPca } from '../quant/stats/pca-solvers.js';
import { johansenTest } from '../quant/stats/johansen.js';
import { screenPairs } from '../quant/stats/pairs.js';
import { applyScreenFilters, screenFilters } from '../quant/stats/screen-filters.js';

const plotFlag = z.boolean().default(false).describe('Also return a PNG chart');
const sessionName = z.string().min(1).max(64).default('default').describe('Session to create or add to');

function transformed(aligned: Aligned, how: 'log' | 'none'): number[][] {
  if (how === 'none') return aligned.prices;
  return aligned.prices.map((p, i) =>
    p.map((v, t) => {
      if (!(v > 0))
        throw new ToolError(
          `${aligned.symbols[i]}: price ${v} on ${aligned.dates[t]} is not positive, so log prices are undefined; use price_transform "none".`,
        );
      return Math.log(v);
    }),
  );
}

function summarise(s: Series) {
  const first = s.price[0] as number;
  const last = s.price.at(-1) as number;
  return {
    symbol: s.symbol,
    rows: s.dates.length,
    first_date: s.dates[0],
    last_date: s.dates.at(-1),
    first_price: first,
    last_price: last,
    min: Math.min(...s.price),
    max: Math.max(...s.price),
    total_return: last / first - 1,
  };
}
const summarySchema = z.object({
  symbol: z.string(),
  rows: z.number(),
  first_date: z.string().optional(),
  last_date: z.string().optional(),
  first_price: z.number(),
  last_price: z.number(),
  min: z.number(),
  max: z.number(),
  total_return: z.number(),
});

async function addToSession(tickers: string[], start: string, end: string, res: Resolution, bar: number | undefined, name: string, ctx: ToolContext) {
  const src = source(ctx);
  const loaded = await Promise.all(tickers.map((t) => loadBars(src, t, start, end, res, bar, ctx)));
  const session = sessionFor(ctx, name);
  for (const s of loaded) session.set(s.symbol, s);
  const simulated = [...session.values()].some((s) => s.data_source === 'simulated');
  return {
    structured: {
      instance_name: name,
      symbols: [...session.keys()],
      added: loaded.map(summarise),
      bar: barLabel(loaded[0]?.bar_minutes),
      data_source: simulated ? 'simulated' : src.kind,
    },
  };
}

/** A chart on simulated data carries the SIMULATED stamp. */
const chartFor = (spec: Parameters<typeof chartImage>[0], data: { data_source: string }) => chartImage(data.data_source === 'simulated' ? stamped(spec) : spec);

export default markSimulated(
  definePlugin({
    name: 'research',
    tools: [
      listAvailableData,
      defineTool({
        name: 'get_history',
        title: 'Get price history',
        description: 'Price history per symbol from the data source: a compact summary; rows only with include_rows.',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(1).max(50).describe(TICKERS),
          start_date: date,
          end_date: date,
          resolution,
          bar_minutes: barMinutes,
          fields: z.array(z.enum(FIELDS)).optional().describe('Columns for include_rows (default close)'),
          include_rows: z.boolean().default(false).describe('Also return the rows'),
          max_rows: z.number().int().min(1).max(5000).default(250).describe('Last N rows per symbol'),
        }),
        output: z.object({
          source: z.string(),
          data_source: z.string(),
          series: z.array(
            summarySchema.extend({
              rows_included: z.array(z.record(z.string(), z.union([z.string(), z.number()]))).optional(),
              truncated: z.boolean().optional(),
            }),
          ),
        }),
        handler: async (a, ctx) => {
          const src = source(ctx);
          const loaded = await Promise.all(a.symbols.map((s) => loadBars(src, s, a.start_date, a.end_date, a.resolution, a.bar_minutes, ctx)));
          const fields = a.fields ?? ['close'];
          return {
            structured: {
              source: src.describe,
              data_source: src.kind,
              bar: barLabel(loaded[0]?.bar_minutes),
              series: loaded.map((s) => {
                if (!a.include_rows) return summarise(s);
                const missing = fields.filter((f) => !s.fields[f]);
                if (missing.length > 0) throw new ToolError(`${s.symbol} has no ${missing.join(', ')} column.`);
                const rows = s.dates.slice(-a.max_rows).map((d, k) => {
                  const i = s.dates.length - Math.min(a.max_rows, s.dates.length) + k;
                  return Object.fromEntries([['date', d], ...fields.map((f) => [f, (s.fields[f] as number[])[i] as number])]);
                });
                return { ...summarise(s), rows_included: rows, truncated: s.dates.length > a.max_rows };
              }),
            },
          };
        },
      }),
      defineTool({
        name: 'add_equity',
        title: 'Add equity',
        description: 'Load one symbol into a named research session (instance_name) that later tools can use instead of reloading.',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          ticker: symbol.describe('Ticker, e.g. KO'),
          start_date: date,
          end_date: date,
          resolution,
          bar_minutes: barMinutes,
          instance_name: sessionName,
        }),
        output: z.object({ instance_name: z.string(), symbols: z.array(z.string()), added: z.array(summarySchema) }),
        handler: (a, ctx) => addToSession([a.ticker], a.start_date, a.end_date, a.resolution, a.bar_minutes, a.instance_name, ctx),
      }),
      defineTool({
        name: 'add_multiple_equities',
        title: 'Add equities',
        description: 'Load several symbols into a named research session (instance_name).',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          tickers: z.array(symbol).min(1).max(500).describe(TICKERS),
          start_date: date,
          end_date: date,
          resolution,
          bar_minutes: barMinutes,
          instance_name: sessionName,
        }),
        output: z.object({ instance_name: z.string(), symbols: z.array(z.string()), added: z.array(summarySchema) }),
        handler: (a, ctx) => addToSession(a.tickers, a.start_date, a.end_date, a.resolution, a.bar_minutes, a.instance_name, ctx),
      }),
      defineTool({
        name: 'test_cointegration',
        title: 'Test cointegration (Engle-Granger)',
        description:
          'Engle-Granger test of symbol1 on symbol2: OLS with a constant, then ADF without a constant on the residuals (lags by AIC up to 12(n/100)^(1/4)); MacKinnon p-value and critical values. Matches statsmodels coint(trend="c").',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbol1: symbol.describe('Dependent ticker (y)'),
          symbol2: symbol.describe('Regressor ticker (x)'),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          trend: z.literal('c').default('c').describe('c: constant'),
          price_transform: transform,
          plot: plotFlag,
        }),
        output: z.object({
          symbol1: z.string(),
          symbol2: z.string(),
          statistic: z.number(),
          p_value: z.number(),
          critical_values: criticals,
          hedge_ratio: z.number(),
          intercept: z.number(),
          half_life: z.number().nullable(),
          is_cointegrated: z.boolean(),
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const data = await load({ ...a, symbols: [a.symbol1, a.symbol2] }, ctx, 2);
            const [y, x] = transformed(data, a.price_transform) as [number[], number[]];
            const r = engleGranger(y, x);
            const spread = y.map((v, t) => v - r.intercept - r.hedge_ratio * (x[t] as number));
            const title = `Spread ${data.symbols[0]} - ${r.hedge_ratio.toFixed(3)} x ${data.symbols[1]} (${a.price_transform} prices), p = ${r.p_value.toFixed(4)}`;
            return {
              structured: {
                symbol1: data.symbols[0],
                symbol2: data.symbols[1],
                statistic: r.statistic,
                p_value: r.p_value,
                critical_values: r.critical_values,
                hedge_ratio: r.hedge_ratio,
                intercept: r.intercept,
                half_life: r.half_life,
                is_cointegrated: r.is_cointegrated,
                ...alignmentNote(data),
              },
              ...(a.plot ? { content: [await chartFor(spreadSpec(title, data.dates, spread), data)] } : {}),
            };
          }),
      }),
      defineTool({
        name: 'test_johansen',
        title: 'Test cointegration (Johansen)',
        description:
          'Johansen trace and max-eigenvalue tests, 90/95/99% critical values (MacKinnon-Haug-Michelis 1999), eigenvalues, eigenvectors, rank at 5%; matches statsmodels coint_johansen; output deterministic names the case and table.',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(2).max(CAPS.johansen).optional().describe(TICKERS),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          det_order: z
            .union([z.literal(-1), z.literal(0), z.literal(1)])
            .default(0)
            .describe('-1 none, 0 constant, 1 trend'),
          k_ar_diff: z.number().int().min(1).max(20).default(1).describe('Lagged differences, in bars'),
          price_transform: transform,
        }),
        output: z.object({
          symbols: z.array(z.string()),
          trace_statistics: z.array(z.number()),
          max_eigen_statistics: z.array(z.number()),
          critical_values: z.object({ trace: z.array(z.array(z.number())), max_eigen: z.array(z.array(z.number())) }),
          eigenvalues: z.array(z.number()),
          eigenvectors: z.array(z.array(z.number())),
          rank_5pct: z.number(),
          deterministic: z.object({ det_order: z.number(), name: z.string(), model: z.string(), critical_values: z.string() }),
          notes: z.array(z.string()),
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const data = await load(a, ctx, 2, { tool: 'test_johansen', max: CAPS.johansen });
            const r = johansenTest(transformed(data, a.price_transform), data.symbols, a.det_order, a.k_ar_diff);
            return {
              structured: {
                symbols: r.symbols,
                trace_statistics: r.trace_statistics,
                max_eigen_statistics: r.max_eigen_statistics,
                critical_values: { trace: r.trace_critical_values, max_eigen: r.max_eigen_critical_values },
                eigenvalues: r.eigenvalues,
                eigenvectors: r.eigenvectors,
                rank_5pct: r.rank_5pct,
                deterministic: r.deterministic,
                notes: r.notes,
                ...alignmentNote(data),
              },
            };
          }),
      }),
      defineTool({
        name: 'analyze_mean_reversion',
        title: 'Analyze mean reversion',
        description:
          'Per symbol (or the spread log(a) - hedge_ratio*log(b) when two symbols and hedge_ratio are given): ADF on log prices (constant, AIC), half-life -ln2/lambda from ds = a + lambda*s(t-1), Hurst slope over tau 2..min(100, n/2), and the current z-score over lookback_period with a signal.',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(1).max(CAPS.perSymbol).optional().describe(TICKERS),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          lookback_period: z.number().int().min(2).max(1000).default(20).describe('z-score window, bars'),
          hedge_ratio: z.number().optional().describe('h in the spread log(a) - h*log(b)'),
          entry_z: z.number().positive().default(2).describe('|z| for a signal, in std devs'),
        }),
        output: z.object({
          results: z.array(
            z.object({
              name: z.string(),
              adf_statistic: z.number(),
              adf_p_value: z.number(),
              half_life: z.number().nullable(),
              hurst: z.number(),
              z_score: z.number(),
              signal: z
                .enum(['long', 'short', 'flat'])
                .describe('long (z <= -entry_z): buy a; with hedge_ratio also sell b worth hedge_ratio x the value of a. short: the reverse'),
              is_mean_reverting: z.boolean(),
            }),
          ),
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const data = await load(a, ctx, 1, { tool: 'analyze_mean_reversion', max: CAPS.perSymbol });
            if (a.lookback_period > data.dates.length)
              throw new ToolError(`lookback_period ${a.lookback_period} is longer than the ${data.dates.length} common observations.`);
            const logs = transformed(data, 'log');
            const targets: { name: string; series: number[] }[] =
              a.hedge_ratio !== undefined
                ? (() => {
                    if (logs.length !== 2)
                      throw new ToolError('hedge_ratio needs exactly two symbols: the spread is log(symbol1) - hedge_ratio * log(symbol2).');
                    return [
                      {
                        name: `${data.symbols[0]} - ${a.hedge_ratio} x ${data.symbols[1]}`,
                        series: (logs[0] as number[]).map((v, t) => v - (a.hedge_ratio as number) * ((logs[1] as number[])[t] as number)),
                      },
                    ];
                  })()
                : logs.map((s, i) => ({ name: data.symbols[i] as string, series: s }));
            return {
              structured: {
                results: targets.map(({ name, series }) => {
                  const adf = adfuller(series, 'c');
                  const z = zScore(series, a.lookback_period);
                  return {
                    name,
                    adf_statistic: adf.statistic,
                    adf_p_value: adf.p_value,
                    half_life: halfLife(series),
                    hurst: hurst(series),
                    z_score: z,
                    signal: z >= a.entry_z ? 'short' : z <= -a.entry_z ? 'long' : 'flat',
                    is_mean_reverting: adf.p_value < 0.05,
                  } as const;
                }),
                ...alignmentNote(data),
              },
            };
          }),
      }),
      defineTool({
        name: 'perform_pca_analysis',
        title: 'PCA of returns',
        description: 'PCA of simple daily returns as scikit-learn: variance ratios, cumulative too, loadings by symbol; 5 components unless n_components.',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(2).max(CAPS.matrix).optional().describe(TICKERS),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          n_components: z.number().int().min(1).optional().describe('Components to return'),
          background: backgroundFlag,
        }),
        output: z.object({
          method: z.string(),
          explained_variance_ratio: z.array(z.number()),
          cumulative_variance_ratio: z.array(z.number()),
          loadings: z.array(z.record(z.string(), z.number())),
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const data = await load(a, ctx, 2, { tool: 'perform_pca_analysis', max: CAPS.matrix, cost: 'matrix' });
            const returns = simpleReturns(data.prices);
            const r = await scaledPca(returns, Math.min(a.n_components ?? 5, returns.length));
            const k = r.components.length;
            let running = 0;
            return {
              structured: {
                method: r.method,
                explained_variance_ratio: r.explained_variance_ratio.slice(0, k),
                cumulative_variance_ratio: r.explained_variance_ratio.slice(0, k).map((v) => (running += v)),
                loadings: r.components.slice(0, k).map((row) => Object.fromEntries(row.map((v, j) => [data.symbols[j] as string, v]))),
                ...alignmentNote(data),
              },
            };
          }),
      }),
      defineTool({
        name: 'calculate_correlation_matrix',
        title: 'Correlation matrix',
        description:
          'Correlation of simple daily returns: pearson or spearman (as pandas) or distance (Szekely). Most and least correlated pairs; over 20 symbols the matrix comes only with include_matrix.',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(2).max(CAPS.matrix).optional().describe(TICKERS),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          method: z.enum(['pearson', 'spearman', 'distance']).default('pearson').describe('Correlation type'),
          window: z.number().int().min(3).optional().describe('Use only the last N returns (bars)'),
          include_matrix: z.boolean().optional().describe('Return the full matrix'),
          plot: plotFlag,
          background: backgroundFlag,
        }),
        output: z.object({
          symbols: z.array(z.string()),
          method: z.string(),
          matrix: z.array(z.array(z.number())).optional(),
          most_correlated: z.array(z.object({ symbol1: z.string(), symbol2: z.string(), correlation: z.number() })),
          least_correlated: z.array(z.object({ symbol1: z.string(), symbol2: z.string(), correlation: z.number() })),
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const data = await load(a, ctx, 2, { tool: 'calculate_correlation_matrix', max: CAPS.matrix, cost: a.method === 'distance' ? 'pairs' : 'matrix' });
            let returns = simpleReturns(data.prices);
            if (a.window !== undefined) {
              if (a.window > (returns[0] as number[]).length)
                throw new ToolError(`window ${a.window} is longer than the ${(returns[0] as number[]).length} returns available.`);
              returns = returns.map((r) => r.slice(-(a.window as number)));
            }
            const n = returns.length;
            const flat = a.method === 'distance' ? await distanceCorrelationMatrix(returns, ctx.signal) : await correlationMatrix(returns, a.method);
            const named = (q: PairValue) => ({ symbol1: data.symbols[q.i] as string, symbol2: data.symbols[q.j] as string, correlation: q.value });
            const extremes = extremePairs(flat, n, 5);
            const showMatrix = a.include_matrix ?? n <= 20;
            const matrix = showMatrix || a.plot ? rowsOf(flat, n) : [];
            return {
              structured: {
                symbols: data.symbols,
                method: a.method,
                ...(showMatrix ? { matrix } : {}),
                most_correlated: extremes.most.map(named),
                least_correlated: extremes.least.map(named),
                ...alignmentNote(data),
              },
              ...(a.plot ? { content: [await chartFor(correlationHeatmapSpec(data.symbols, matrix, a.method), data)] } : {}),
            };
          }),
      }),
      defineTool({
        name: 'find_cointegrated_pairs',
        title: 'Find cointegrated pairs',
        description:
          'Engle-Granger (as test_cointegration, log prices) on every pair, in parallel, with progress; correction adjusts p over all tests; max_half_life and max_hurst filter the residual spread; johansen trace-tests survivors. Summary: tests run and expected false positives.',
        toolset: 'research',
        risk: 'read',
        severity: 'low',
        input: z.object({
          symbols: z.array(symbol).min(2).max(CAPS.pairs).optional().describe(TICKERS),
          start_date: date.optional(),
          end_date: date.optional(),
          instance_name: instance,
          p_value_threshold: z.number().gt(0).lt(1).default(0.05).describe('Max p-value, fraction'),
          max_pairs: z.number().int().min(1).max(1000).default(50).describe('Pairs to return'),
          ...screenFilters,
          background: backgroundFlag,
        }),
        output: z.object({
          pairs: z.array(
            z.object({
              symbol1: z.string(),
              symbol2: z.string(),
              statistic: z.number(),
              p_value: z.number(),
              p_adjusted: z.number(),
              hedge_ratio: z.number(),
              half_life: z.number().nullable(),
              hurst: z.number(),
            }),
          ),
          tested: z.number(),
          found: z.number(),
          summary: z.string(),
          ...alignmentSchema,
        }),
        handler: (a, ctx) =>
          guarded(async () => {
            const data = await load(a, ctx, 2, { tool: 'find_cointegrated_pairs', max: CAPS.pairs, cost: 'pairs' });
            const logs = transformed(data, 'log');
            let last = 0;
            const screen = await screenPairs(
              logs,
              { threshold: a.p_value_threshold, johansenLag: a.johansen ? a.k_ar_diff : undefined },
              (done, total) => {
                if (done === total || done - last >= Math.max(1, Math.floor(total / 20))) {
                  last = done;
                  void ctx.progress(done, total, `${done} of ${total} pairs tested`);
                }
              },
              ctx.signal,
            );
            const screened = await applyScreenFilters(screen, a, a.max_pairs, ctx.signal);
            const flagged = screened.kept.map((r) => ({
              symbol1: data.symbols[r.i] as string,
              symbol2: data.symbols[r.j] as string,
              statistic: r.statistic,
              p_value: r.p_value,
              p_adjusted: r.p_adjusted,
              hedge_ratio: r.hedge_ratio,
              half_life: r.half_life,
              hurst: r.hurst,
              ...(r.johansen ? { johansen: r.johansen } : {}),
            }));
            return {
              structured: {
                pairs: flagged,
                tested: screen.pairs,
                found: screened.found,
                summary: screened.summary,
                ...alignmentNote(data),
              },
            };
          }),
      }),
    ],
  }),
);
