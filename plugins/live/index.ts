/**
 * live_overview: the monitoring question in one call. Every running live algorithm with its runtime
 * statistics, holdings, last log lines, and whether it has run a day without a fill. Each read is a
 * call of the live read tool (ctx.call), so its availability, rules and audit apply; no project files.
 */
import { z } from 'zod';
import { definePlugin, defineTool, type ToolContext } from '../../src/tool/tool.js';

type Json = Record<string, unknown>;

const DAY_MS = 24 * 3_600_000;
/** QuantConnect's windows: log lines and orders per read. */
const LOG_WINDOW = 250;
const ORDER_WINDOW = 1000;

const timeOf = (value: unknown): number | undefined => {
  const ms = typeof value === 'string' ? Date.parse(value.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

/** The deployment's last `n` log lines (line numbers count from the deployment's first line). */
async function lastLogs(ctx: ToolContext, projectId: number, deployId: string, n: number): Promise<string[]> {
  if (n === 0) return [];
  const read = async (startLine: number, endLine: number) =>
    (await ctx.call('read_live_logs', { projectId, algorithmId: deployId, startLine, endLine })).structured;
  const first = await read(0, LOG_WINDOW);
  const own = Number(first.length ?? 0) - Number(first.deploymentOffset ?? 0);
  const lines = own > LOG_WINDOW ? (await read(own - n, own)).logs : first.logs;
  return (Array.isArray(lines) ? lines.map(String) : []).slice(-n);
}

/** When the deployment's last order filled (QuantConnect lists orders oldest first); undefined without one. */
async function lastFill(ctx: ToolContext, projectId: number): Promise<number | undefined> {
  const read = async (start: number, end: number) => (await ctx.call('read_live_orders', { projectId, start, end })).structured;
  let answer = await read(0, ORDER_WINDOW);
  const length = Number(answer.length ?? 0);
  if (length > ORDER_WINDOW) answer = await read(length - ORDER_WINDOW, length);
  const orders = (Array.isArray(answer.orders) ? answer.orders : []) as Json[];
  const times = orders.map((o) => timeOf(o.lastFillTime ?? o.time)).filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

const holdingsOf = (portfolio: unknown) =>
  Object.entries(((portfolio as Json | undefined)?.holdings ?? {}) as Record<string, Json>).map(([symbol, h]) => ({
    symbol,
    quantity: h.q,
    averagePrice: h.a,
    price: h.p,
    value: h.v,
    ...(h.u !== undefined ? { unrealized: h.u } : {}),
  }));

export default definePlugin({
  name: 'live',
  tools: [
    defineTool({
      name: 'live_overview',
      title: 'Live overview',
      description: 'Each running live algorithm: statistics, holdings, last logs; idle_24h: no fill in 24 h.',
      toolset: 'live',
      risk: 'read',
      severity: 'low',
      openWorld: true,
      calls: ['list_live_algorithms', 'read_live_algorithm', 'read_live_portfolio', 'read_live_logs', 'read_live_orders'],
      input: z.object({ log_lines: z.number().int().min(0).max(50).default(5).describe('Log lines each') }),
      output: z.object({ algorithms: z.array(z.object({ idle_24h: z.boolean() }).passthrough()) }),
      handler: async (a, ctx) => {
        const rows = ((await ctx.call('list_live_algorithms', { status: 'Running' })).structured.live ?? []) as Json[];
        const now = Date.now();
        const algorithms = [];
        for (const row of rows.filter((r) => r.status === 'Running')) {
          const projectId = Number(row.projectId);
          const deployId = String(row.deployId);
          const live = (await ctx.call('read_live_algorithm', { projectId })).structured;
          const portfolio = (await ctx.call('read_live_portfolio', { projectId })).structured.portfolio;
          const launched = timeOf(row.launched ?? live.launched);
          const filled = await lastFill(ctx, projectId);
          const since = filled ?? launched;
          algorithms.push({
            projectId,
            deployId,
            name: live.projectName,
            launched: row.launched ?? live.launched,
            lastFill: filled === undefined ? null : new Date(filled).toISOString(),
            idle_24h: since !== undefined && now - since > DAY_MS,
            statistics: live.runtimeStatistics ?? {},
            holdings: holdingsOf(portfolio),
            logs: await lastLogs(ctx, projectId, deployId, a.log_lines),
          });
        }
        return { structured: { algorithms } };
      },
    }),
  ],
});
