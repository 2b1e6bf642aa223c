/**
 * Workflow plugin: one call for compile -> backtest -> summary, and server-side waiting for
 * compiles, backtests, optimizations and live deployments. Every step is a call of another tool
 * (ctx.call), so that tool's availability, rules, limits, confirmation and audit apply. Polling backs off (0.3 s to 5 s),
 * sends MCP progress notifications, honours cancellation and a timeout, and says how to resume.
 */
import { z } from 'zod';
import { chartImage } from '../../src/charts/image.js';
import { ToolError } from '../../src/tool/results.js';
import { definePlugin, defineTool, type ToolContext } from '../../src/tool/tool.js';
import { backtestLinks, summariseBacktest } from '../../src/api/backtest-summary.js';
import { pollUntil, type Json } from './poll.js';
import { stamped } from '../../src/charts/stamp.js';
import { dailyCloses, fromStartingEquity, tearSheet, tearSheetSpec } from './tearsheet.js';
import { tearSheetReport } from './tearsheet-pdf.js';
import { renderPdf } from '../../src/charts/pdf.js';
import { exportFile } from '../quant/export.js';

const projectId = z.number().int().positive().describe('Project id');
const timeout = (fallback: number) => z.number().int().min(5).max(3600).default(fallback).describe('Seconds to wait');
const backtestId = z.string().min(1).describe('Backtest id');
const summarySchema = z.object({
  projectId: z.number(),
  backtestId: z.string(),
  name: z.unknown(),
  status: z.unknown(),
  progress: z.unknown(),
  completed: z.unknown(),
  period: z.string().optional(),
  statistics: z.record(z.string(), z.unknown()),
  runtime_statistics: z.unknown(),
  error: z.string().optional(),
  stacktrace: z.string().optional(),
  hint: z.string().optional(),
  more: z.string(),
});

/** The last 40 lines of a compile's log. */
const logsOf = (c: Json): string[] => (Array.isArray(c.logs) ? c.logs : []).map(String).slice(-40);
const compileDone = (c: Json) => c.state === 'BuildSuccess' || c.state === 'BuildError';
const backtestOf = (r: Json) => (r.backtest ?? {}) as Json;
const backtestDone = (b: Json) => b.completed === true || b.completed === 'true' || (typeof b.error === 'string' && b.error !== '');

async function waitCompile(ctx: ToolContext, project: number, compileId: string, deadline: number, timeoutS: number, share: number): Promise<Json> {
  return pollUntil(
    ctx,
    deadline,
    async () => {
      const c = (await ctx.call('read_compile', { projectId: project, compileId })).structured;
      await ctx.progress(c.state === 'InQueue' ? share / 2 : share, 100, `compile ${compileId}: ${String(c.state)}`);
      return c;
    },
    compileDone,
    { timeoutS, resume: `Compile ${compileId} of project ${project} may still be in queue: wait_for_compile(projectId=${project}, compileId="${compileId}").` },
  );
}

async function waitBacktest(ctx: ToolContext, project: number, backtestId: string, deadline: number, timeoutS: number, from: number): Promise<Json> {
  const r = await pollUntil(
    ctx,
    deadline,
    async () => {
      const b = backtestOf((await ctx.call('read_backtest', { projectId: project, backtestId, include: ['full'] })).structured);
      const fraction = Number(b.progress ?? 0);
      await ctx.progress(
        from + (100 - from) * (Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0),
        100,
        `backtest ${backtestId}: ${String(b.status ?? '')}`,
      );
      return b;
    },
    backtestDone,
    {
      timeoutS,
      resume: `Backtest ${backtestId} of project ${project} may still be running: wait_for_backtest(projectId=${project}, backtestId="${backtestId}").`,
    },
  );
  return r;
}

function backtestReturn(b: Json, project: number, extra: Json = {}) {
  return { structured: { ...extra, ...summariseBacktest(b, project) }, content: backtestLinks(project, b) };
}

export default definePlugin({
  name: 'workflows',
  tools: [
    defineTool({
      name: 'compile_and_backtest',
      title: 'Compile and backtest',
      description:
        'Compile, wait, backtest, wait; returns a compact summary (key and runtime statistics; on failure compile logs or the runtime error, stack trace and a hint) with resource links to the full result. Sends progress; on cancel or timeout_s stops waiting and says how to resume.',
      toolset: 'backtests',
      risk: 'execute',
      severity: 'high',
      openWorld: true,
      calls: ['create_compile', 'read_compile', 'create_backtest', 'read_backtest'],
      input: z.object({
        projectId,
        backtestName: z.string().min(1).max(200).optional().describe('Name for the backtest'),
        parameters: z
          .record(z.string(), z.union([z.string(), z.number()]))
          .optional()
          .describe('Algorithm parameters by name'),
        timeout_s: timeout(900),
      }),
      output: summarySchema
        .extend({ compileId: z.string(), elapsed_s: z.number() })
        .partial()
        .extend({ stage: z.enum(['compile', 'backtest']), compile_logs: z.array(z.string()).optional() }),
      handler: async (a, ctx) => {
        const started = Date.now();
        const deadline = started + a.timeout_s * 1000;
        await ctx.progress(0, 100, `compiling project ${a.projectId}`);
        const created = (await ctx.call('create_compile', { projectId: a.projectId })).structured;
        const compileId = String(created.compileId ?? '');
        if (!compileId) throw new ToolError('QuantConnect did not return a compileId.');
        const compile = await waitCompile(ctx, a.projectId, compileId, deadline, a.timeout_s, 10);
        if (compile.state === 'BuildError') {
          return {
            structured: {
              stage: 'compile',
              projectId: a.projectId,
              compileId,
              status: 'BuildError',
              compile_logs: logsOf(compile),
              hint: 'Fix the build errors above (file and line are in the log), then run compile_and_backtest again.',
              elapsed_s: (Date.now() - started) / 1000,
            },
          };
        }
        const body: Json = {
          projectId: a.projectId,
          compileId,
          backtestName: a.backtestName ?? `Backtest ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`,
        };
        if (a.parameters) body.parameters = Object.fromEntries(Object.entries(a.parameters).map(([k, v]) => [k, String(v)]));
        const backtestId = String(backtestOf((await ctx.call('create_backtest', body)).structured).backtestId ?? '');
        if (!backtestId) throw new ToolError('QuantConnect did not return a backtestId.');
        await ctx.progress(10, 100, `backtest ${backtestId} started`);
        const b = await waitBacktest(ctx, a.projectId, backtestId, deadline, a.timeout_s, 10);
        return backtestReturn(b, a.projectId, { stage: 'backtest', compileId, elapsed_s: (Date.now() - started) / 1000 });
      },
    }),
    defineTool({
      name: 'wait_for_compile',
      title: 'Wait for compile',
      description: 'Wait until a compile leaves the queue (BuildSuccess or BuildError), with progress.',
      toolset: 'compile',
      risk: 'read',
      severity: 'low',
      openWorld: true,
      calls: ['read_compile'],
      input: z.object({ projectId, compileId: z.string().min(1).describe('Compile id'), timeout_s: timeout(300) }),
      output: z.object({ compileId: z.string(), state: z.string(), logs: z.array(z.string()) }),
      handler: async (a, ctx) => {
        const c = await waitCompile(ctx, a.projectId, a.compileId, Date.now() + a.timeout_s * 1000, a.timeout_s, 100);
        return { structured: { compileId: a.compileId, state: String(c.state), logs: logsOf(c) } };
      },
    }),
    defineTool({
      name: 'wait_for_backtest',
      title: 'Wait for backtest',
      description: 'Wait until a backtest completes or fails, with progress; returns the compact summary of compile_and_backtest and resource links.',
      toolset: 'backtests',
      risk: 'read',
      severity: 'low',
      openWorld: true,
      calls: ['read_backtest'],
      input: z.object({ projectId, backtestId, timeout_s: timeout(900) }),
      output: summarySchema,
      handler: async (a, ctx) =>
        backtestReturn(await waitBacktest(ctx, a.projectId, a.backtestId, Date.now() + a.timeout_s * 1000, a.timeout_s, 0), a.projectId),
    }),
    defineTool({
      name: 'wait_for_optimization',
      title: 'Wait for optimization',
      description: 'Wait until an optimization completes (or fails or is aborted), with progress from its backtest counts.',
      toolset: 'optimizations',
      risk: 'read',
      severity: 'low',
      openWorld: true,
      calls: ['read_optimization'],
      input: z.object({ optimizationId: z.string().min(1).describe('Optimization id'), timeout_s: timeout(3600) }),
      output: z.object({ optimizationId: z.string(), status: z.string(), runtime_statistics: z.unknown() }),
      handler: async (a, ctx) => {
        const o = await pollUntil(
          ctx,
          Date.now() + a.timeout_s * 1000,
          async () => {
            const r = (await ctx.call('read_optimization', { optimizationId: a.optimizationId })).structured.optimization as Json | undefined;
            const stats = (r?.runtimeStatistics ?? {}) as Record<string, unknown>;
            const total = Number(stats.Total ?? 0);
            const done = Number(stats.Completed ?? 0) + Number(stats.Failed ?? 0);
            await ctx.progress(
              total > 0 ? (100 * done) / total : 0,
              100,
              `optimization ${a.optimizationId}: ${String(r?.status ?? '')}${total > 0 ? ` (${done}/${total} backtests)` : ''}`,
            );
            return r ?? {};
          },
          (r) => ['completed', 'aborted', 'failed', 'runtimeerror'].includes(String(r.status ?? '').toLowerCase()),
          {
            timeoutS: a.timeout_s,
            resume: `Optimization ${a.optimizationId} may still be running: wait_for_optimization(optimizationId="${a.optimizationId}").`,
          },
        );
        return { structured: { optimizationId: a.optimizationId, status: String(o.status), runtime_statistics: o.runtimeStatistics ?? {} } };
      },
    }),
    defineTool({
      name: 'wait_for_live_algorithm',
      title: 'Wait for live algorithm',
      description: "Wait until the project's live algorithm is Running (a loading answer counts as not yet), or has stopped with an error; with progress.",
      toolset: 'live',
      risk: 'read',
      severity: 'low',
      openWorld: true,
      calls: ['read_live_algorithm'],
      input: z.object({ projectId, timeout_s: timeout(600) }),
      output: z.object({ projectId: z.number(), deployId: z.unknown(), status: z.string(), running: z.boolean(), error: z.string().optional() }),
      handler: async (a, ctx) => {
        const settled = ['running', 'stopped', 'liquidated', 'runtimeerror', 'deleted'];
        const live = await pollUntil(
          ctx,
          Date.now() + a.timeout_s * 1000,
          async () => {
            const r = (await ctx.call('read_live_algorithm', { projectId: a.projectId })).structured;
            // While the deployment starts, QuantConnect may answer with a loading response instead of a status.
            const status = typeof r.status === 'string' && !/loading/i.test(r.status) ? r.status : 'Loading';
            await ctx.progress(status.toLowerCase() === 'running' ? 100 : 30, 100, `live algorithm of project ${a.projectId}: ${status}`);
            return { ...r, status } as Json;
          },
          (r) => settled.includes(String(r.status).toLowerCase()),
          {
            timeoutS: a.timeout_s,
            resume: `The deployment of project ${a.projectId} may still be starting: wait_for_live_algorithm(projectId=${a.projectId}).`,
          },
        );
        const running = String(live.status).toLowerCase() === 'running';
        return {
          structured: {
            projectId: a.projectId,
            deployId: live.deployId,
            status: String(live.status),
            running,
            ...(running
              ? {}
              : { error: typeof live.error === 'string' ? live.error : `The live algorithm is ${String(live.status)}; read_live_logs shows why.` }),
          },
        };
      },
    }),
    defineTool({
      name: 'backtest_tear_sheet',
      title: 'Backtest tear sheet',
      description:
        'PNG tear sheet of a finished backtest from its starting equity: growth of 1 vs benchmark, drawdown, monthly returns, 63-day rolling Sharpe; figures as structured content.',
      toolset: 'backtests',
      risk: 'read',
      severity: 'low',
      openWorld: true,
      calls: ['read_backtest', 'read_backtest_chart', 'read_backtest_orders'],
      input: z.object({ projectId, backtestId }),
      output: z.object({
        backtestId: z.string(),
        total_return: z.number(),
        cagr: z.number(),
        annual_volatility: z.number(),
        sharpe_ratio: z.number().nullable(),
        max_drawdown: z.number(),
        benchmark_total_return: z.number().nullable(),
        monthly_returns: z.array(z.object({ month: z.string(), return: z.number() })),
        days: z.number(),
      }),
      handler: async (a, ctx) => {
        const backtest = backtestOf((await ctx.call('read_backtest', { projectId: a.projectId, backtestId: a.backtestId, include: ['full'] })).structured);
        if (typeof backtest.error === 'string' && backtest.error !== '') {
          throw new ToolError(
            `Backtest ${a.backtestId} ended with a runtime error, so there is no tear sheet: ${backtest.error.split('\n')[0]?.slice(0, 300)} (read_backtest shows the stack trace).`,
          );
        }
        if (!backtestDone(backtest)) {
          const progress = Number(backtest.progress ?? 0);
          throw new ToolError(
            `Backtest ${a.backtestId} has not finished (${String(backtest.status ?? 'running')}${Number.isFinite(progress) ? `, ${Math.round(progress * 100)}%` : ''}): wait_for_backtest(projectId=${a.projectId}, backtestId="${a.backtestId}") first.`,
          );
        }
        const stats = ((backtest.totalPerformance as Json | undefined)?.portfolioStatistics ?? {}) as Json;
        const startText = (backtest.statistics as Json | undefined)?.['Start Equity'];
        const startEquity = Number(stats.startEquity ?? (typeof startText === 'string' ? startText.replace(/[$,]/g, '') : NaN));
        const simulated =
          ctx.settings.backend === 'sandbox' || /SIMULATED/.test(String(backtest.note ?? '')) || /sandbox/i.test(String(backtest.nodeName ?? ''));
        const chart = async (name: string) => {
          const r = (
            await ctx.call('read_backtest_chart', { projectId: a.projectId, backtestId: a.backtestId, name, count: 5000, start: 0, end: 4_102_444_800 })
          ).structured;
          if (!r.chart) throw new ToolError(`The backtest's ${name} chart is not ready (${String(r.status ?? 'loading')}): wait_for_backtest first.`);
          const series = Object.values(((r.chart as Json).series ?? {}) as Record<string, { values?: unknown[] }>);
          return dailyCloses(series[0]?.values ?? []);
        };
        const equity = fromStartingEquity(
          await chart('Strategy Equity'),
          Number.isFinite(startEquity) ? startEquity : undefined,
          typeof backtest.backtestStart === 'string' ? backtest.backtestStart : undefined,
        );
        if (equity.length < 3) throw new ToolError(`The equity chart has ${equity.length} daily points; a tear sheet needs at least 3.`);
        const benchmark = await chart('Benchmark').catch(() => []);
        const { figures, series } = tearSheet(equity, benchmark);
        const spec = tearSheetSpec(`Backtest ${a.backtestId} (project ${a.projectId})`, series);
        const image = await chartImage(simulated ? stamped(spec, 'SIMULATED: a sandbox backtest, not real results') : spec);
        const closedTrades = ((backtest.totalPerformance as Json | undefined)?.closedTrades ?? []) as unknown[];
        const orders = closedTrades.length
          ? { total: 0, items: [] }
          : await ctx.call('read_backtest_orders', { projectId: a.projectId, backtestId: a.backtestId, start: 0, end: 99 }).then(
              (r) => ({ total: Number(r.structured.length ?? 0), items: (r.structured.orders ?? []) as unknown[] }),
              () => ({ total: 0, items: [] }),
            );
        const report = tearSheetReport({
          title: `Tear sheet: backtest ${a.backtestId}`,
          subtitle: [
            `Project ${a.projectId}, ${String(backtest.name ?? '')}`,
            `${equity[0]?.date} to ${equity.at(-1)?.date}`,
            `Made ${new Date().toISOString()}`,
          ],
          ...(simulated ? { stamp: 'SIMULATED: a sandbox backtest, not real results' } : {}),
          figures,
          startingEquity: Number.isFinite(startEquity) ? startEquity : null,
          endingEquity: (equity.at(-1) as { value: number }).value,
          leanStatistics: (backtest.statistics ?? {}) as Json,
          png: image.type === 'image' ? Buffer.from(image.data, 'base64') : undefined,
          chartNote: image.type === 'text' ? image.text : undefined,
          equity,
          closedTrades,
          orders,
        });
        const pdf = exportFile(
          ctx.settings.exportDir,
          'backtest_tear_sheet',
          a.backtestId,
          'pdf',
          await renderPdf(report),
          `Tear sheet of backtest ${a.backtestId} (PDF)`,
        );
        return {
          files: [pdf],
          structured: { backtestId: a.backtestId, ...figures, starting_equity: Number.isFinite(startEquity) ? startEquity : null, simulated },
          text: `${simulated ? 'SIMULATED (sandbox backtest). ' : ''}Tear sheet of backtest ${a.backtestId}: total return ${(figures.total_return * 100).toFixed(2)}%, Sharpe ${figures.sharpe_ratio?.toFixed(2) ?? 'n/a'}, max drawdown ${(figures.max_drawdown * 100).toFixed(2)}%.`,
          content: [image],
        };
      },
    }),
  ],
});
