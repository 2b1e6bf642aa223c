/** Sweep ranking: an optimization's runs (labelled from the spec's statistics order) or a set of backtests, filtered and sorted by any statistic. */
import { z } from 'zod';
import { ToolError } from '../../src/tool/results.js';
import { defineTool, type ToolContext } from '../../src/tool/tool.js';
import { int } from './common.js';
import { labelBacktestStatistics, labelOptimizationStatistics, parseFilter, passes, statisticKey, type Filter } from '../quant/portfolio/ranking.js';

type Json = Record<string, unknown>;

async function post(ctx: ToolContext, path: string, body: Json): Promise<Json> {
  const response = await ctx.qc.postJson(path, body, { read: true, signal: ctx.signal });
  let parsed: Json;
  try {
    parsed = JSON.parse(await response.text()) as Json;
  } catch {
    throw new ToolError(`QuantConnect answered ${path} with HTTP ${response.status} and no JSON.`);
  }
  if (!response.ok || parsed.success === false)
    throw new ToolError(`${path} failed (HTTP ${response.status})${Array.isArray(parsed.errors) ? `: ${parsed.errors.join('; ')}` : ''}`);
  return parsed;
}

interface Run {
  id: string;
  name: string;
  parameters: Record<string, unknown>;
  statistics: Record<string, number>;
}

export const rankRunsTool = defineTool({
  name: 'rank_backtests',
  title: 'Rank sweep runs',
  description:
    'Rank an optimization\'s runs (labelled statistics) or backtests (projectId, backtestIds) by any statistic, e.g. sort_by information_ratio, where ["drawdown < 10"] (percent in percent).',
  toolset: 'studies',
  risk: 'read',
  severity: 'low',
  input: z.object({
    optimizationId: z.string().optional().describe('Optimization id'),
    projectId: z.number().optional().describe('Project id, with backtestIds'),
    backtestIds: z.array(z.string()).max(200).optional().describe('Backtest ids'),
    sort_by: z.string().default('sharpe_ratio').describe('Statistic name'),
    ascending: z.boolean().default(false).describe('Lowest first'),
    where: z.array(z.string()).max(10).default([]).describe('Filters such as "drawdown < 10"'),
    top: int(3, 1, 200).describe('Runs to return'),
  }),
  output: z.object({
    total: z.number(),
    passed: z.number(),
    runs: z.array(z.object({ id: z.string(), name: z.string(), parameters: z.unknown(), statistics: z.record(z.string(), z.number()) })),
  }),
  handler: async (a, ctx) => {
    const filters = a.where.map(parseFilter);
    const bad = filters.find((f): f is string => typeof f === 'string');
    if (bad) throw new ToolError(bad);
    let runs: Run[];
    if (a.optimizationId) {
      const o = ((await post(ctx, '/optimizations/read', { optimizationId: a.optimizationId })).optimization ?? {}) as Json;
      const backtests = (o.backtests ?? {}) as Record<string, Json>;
      runs = Object.entries(backtests).map(([id, b]) => ({
        id: String(b.id ?? id),
        name: String(b.name ?? ''),
        parameters: (b.parameterSet ?? {}) as Record<string, unknown>,
        statistics: labelOptimizationStatistics(Array.isArray(b.statistics) ? b.statistics : []),
      }));
    } else if (a.projectId && a.backtestIds?.length) {
      runs = [];
      for (const [k, backtestId] of a.backtestIds.entries()) {
        await ctx.progress(k, a.backtestIds.length, `reading backtest ${k + 1} of ${a.backtestIds.length}`);
        const b = ((await post(ctx, '/backtests/read', { projectId: a.projectId, backtestId })).backtest ?? {}) as Json;
        runs.push({
          id: backtestId,
          name: String(b.name ?? ''),
          parameters: (b.parameterSet ?? {}) as Record<string, unknown>,
          statistics: labelBacktestStatistics({ ...((b.statistics ?? {}) as Json), ...((b.runtimeStatistics ?? {}) as Json) }),
        });
      }
    } else throw new ToolError('Give optimizationId, or projectId and backtestIds.');
    const key = statisticKey(a.sort_by);
    const known = new Set(runs.flatMap((r) => Object.keys(r.statistics)));
    if (runs.length > 0 && !known.has(key)) throw new ToolError(`No run has the statistic "${a.sort_by}"; available: ${[...known].sort().join(', ')}.`);
    const kept = runs.filter((r) => (filters as Filter[]).every((f) => passes(r.statistics, f)) && r.statistics[key] !== undefined);
    kept.sort((x, y) => (a.ascending ? 1 : -1) * ((x.statistics[key] as number) - (y.statistics[key] as number)));
    return {
      structured: { sort_by: key, ascending: a.ascending, where: a.where, total: runs.length, passed: kept.length, runs: kept.slice(0, a.top) },
      text: `${kept.length} of ${runs.length} runs pass ${a.where.join(' and ') || 'no filter'}; top ${Math.min(a.top, kept.length)} by ${key}: ${kept
        .slice(0, a.top)
        .map((r) => `${r.name || r.id} (${r.statistics[key]})`)
        .join(', ')}`,
    };
  },
});
