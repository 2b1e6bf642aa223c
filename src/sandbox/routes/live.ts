/**
 * Live algorithms, following QuantConnect's state machine: InQueue (warming up, charts and
 * orders answer LoadingResponse) -> Running -> Stopped or Liquidated. Commands are refused
 * until the algorithm runs. Paper trading only: every brokerage is simulated.
 */
import { hashSeed, hexId, metrics, prng, runtimeStrings, SIMULATED_NOTE, simulateRun } from '../simulate.js';
import type { LiveDeployment, Project } from '../state.js';
import { chartFrom, successfulCompile } from './builds.js';
import { checkWindow, fail, guarded, iso, ok, projectOf, Refusal, type Body, type Route, type RouteContext } from './common.js';

type LiveStatus = 'InQueue' | 'Running' | 'Stopped' | 'Liquidated';

export function liveStatus(live: LiveDeployment, ctx: RouteContext): LiveStatus {
  if (live.liquidated) return 'Liquidated';
  if (live.stoppedMs !== null) return 'Stopped';
  return ctx.now() - live.createdMs < ctx.timing.liveWarmupMs ? 'InQueue' : 'Running';
}

function latest(project: Project): LiveDeployment {
  const live = project.live[project.live.length - 1];
  if (!live) throw new Refusal(fail(`Project ${project.projectId} has no live algorithm. Deploy one first.`));
  return live;
}

function active(project: Project, ctx: RouteContext): LiveDeployment {
  const live = latest(project);
  const status = liveStatus(live, ctx);
  if (status === 'Stopped' || status === 'Liquidated') throw new Refusal(fail(`The live algorithm of project ${project.projectId} is ${status.toLowerCase()}.`));
  return live;
}

function logLines(project: Project, live: LiveDeployment, ctx: RouteContext): string[] {
  const lines = [
    `${iso(live.createdMs)} Launching analysis for ${live.deployId} with LEAN Engine v2.5 (sandbox)`,
    `${iso(live.createdMs)} ${SIMULATED_NOTE}`,
    `${iso(live.createdMs)} Brokerage: ${live.brokerage}`,
  ];
  if (liveStatus(live, ctx) !== 'InQueue') lines.push(`${iso(live.createdMs + ctx.timing.liveWarmupMs)} Algorithm ${project.name} is running.`);
  for (const c of live.commands) lines.push(`${c.received} Command received: ${JSON.stringify(c.command)}`);
  if (live.liquidated) lines.push(`${iso(live.stoppedMs ?? ctx.now())} Liquidated all holdings.`);
  if (live.stoppedMs !== null) lines.push(`${iso(live.stoppedMs)} Algorithm stopped.`);
  return lines;
}

function results(project: Project, live: LiveDeployment, ctx: RouteContext) {
  const status = liveStatus(live, ctx);
  const m = metrics(simulateRun(live.seed, 60));
  return {
    message: SIMULATED_NOTE,
    deployId: live.deployId,
    status,
    cloneId: project.projectId,
    launched: iso(live.createdMs),
    ...(live.stoppedMs !== null ? { stopped: iso(live.stoppedMs) } : {}),
    brokerage: live.brokerage,
    securityTypes: 'Equity',
    datacenter: 'sandbox',
    isPublicStreaming: false,
    public: false,
    files: project.files.map((f) => ({ id: f.id, projectId: project.projectId, name: f.name, content: f.content, modified: f.modified })),
    runtimeStatistics: runtimeStrings(m, status === 'InQueue' ? 0 : 1),
    charts: { name: 'Strategy Equity' },
    projectName: project.name,
  };
}

function createLive(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const compile = successfulCompile(project, body.compileId, ctx);
  const current = project.live[project.live.length - 1];
  if (current && current.stoppedMs === null) return fail(`Project ${project.projectId} already has a live algorithm (${current.deployId}). Stop it first.`);
  const brokerage = String((body.brokerage as { id?: unknown }).id);
  const nodeId = String(body.nodeId);
  if (!nodeId.startsWith('LN-')) return fail(`Node ${nodeId} is not a live node. Read the project's nodes for a live node id.`);
  const seed = hashSeed(project.projectId, ctx.now(), project.live.length);
  const live: LiveDeployment = {
    deployId: `L-${hexId(seed, 32)}`,
    compileId: compile.compileId,
    nodeId,
    brokerage,
    createdMs: ctx.now(),
    stoppedMs: null,
    liquidated: false,
    commands: [],
    seed,
  };
  project.live.push(live);
  ctx.save();
  return ok({ responseCode: 'OK', source: 'sandbox', projectId: project.projectId, deployId: live.deployId, live: results(project, live, ctx) });
}

function listLive(body: Body, ctx: RouteContext) {
  const wanted = body.status === undefined ? undefined : String(body.status);
  const rows = ctx.state.projects
    .filter((p) => body.projectId === undefined || p.projectId === body.projectId)
    .flatMap((p) =>
      p.live.map((l) => {
        const status = liveStatus(l, ctx);
        return {
          projectId: p.projectId,
          deployId: l.deployId,
          status,
          launched: iso(l.createdMs),
          ...(l.stoppedMs !== null ? { stopped: iso(l.stoppedMs) } : {}),
          brokerage: l.brokerage,
          subscription: 'sandbox',
          equity: metrics(simulateRun(l.seed, 60)).endEquity,
          environment: 'sandbox',
        };
      }),
    )
    .filter((row) => wanted === undefined || row.status === wanted);
  return ok({ live: rows });
}

function readLogs(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = project.live.find((l) => l.deployId === body.algorithmId);
  if (!live) return fail(`Live algorithm ${String(body.algorithmId)} not found in project ${project.projectId}.`);
  checkWindow(body.startLine, body.endLine, 250, 'log lines', true);
  const lines = logLines(project, live, ctx);
  return ok({ logs: lines.slice(Number(body.startLine), Number(body.endLine)), length: lines.length, deploymentOffset: 0 });
}

function readPortfolio(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  const next = prng(live.seed);
  const holdings = live.liquidated || liveStatus(live, ctx) === 'InQueue'
    ? {}
    : Object.fromEntries(['SPY', 'QQQ'].map((s) => {
        const q = 10 + Math.floor(next() * 90);
        const a = 300 + next() * 100;
        const p = a * (0.95 + next() * 0.1);
        return [`${s} R735QTJ8XC9X`, { a: Math.round(a * 100) / 100, q, p: Math.round(p * 100) / 100, v: Math.round(p * q * 100) / 100, u: Math.round((p - a) * q * 100) / 100, up: Math.round(((p - a) / a) * 10000) / 100 }];
      }));
  return ok({ portfolio: { holdings, cash: { USD: { symbol: 'USD', amount: 50_000, conversionRate: 1, currencySymbol: '$', valueInAccountCurrency: 50_000 } } } });
}

function readOrders(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  checkWindow(body.start, body.end, 1000, 'orders', true);
  if (liveStatus(live, ctx) === 'InQueue') return ok({ progress: 0.5, status: 'loading' });
  const orders = simulateRun(live.seed, 60).orders.map((o) => ({
    id: o.id,
    symbol: { value: o.symbol, id: `${o.symbol} R735QTJ8XC9X`, permtick: o.symbol },
    price: o.price,
    time: iso(o.time * 1000),
    quantity: o.quantity,
    type: 0,
    status: 3,
    direction: o.quantity > 0 ? 0 : 1,
    value: Math.round(o.price * o.quantity * 100) / 100,
    tag: 'simulated',
  }));
  return ok({ orders: orders.slice(Number(body.start), Number(body.end)), length: orders.length });
}

function readChart(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  if (liveStatus(live, ctx) === 'InQueue') return ok({ progress: 0.5, status: 'loading' });
  const chart = chartFrom(simulateRun(live.seed, 60), String(body.name), Number(body.start), Number(body.end), Number(body.count));
  if (!chart) return fail(`Chart "${String(body.name)}" not found. Available: Strategy Equity, Drawdown, Benchmark.`);
  return ok({ chart });
}

function readInsights(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  checkWindow(body.start, body.end, 100, 'insights');
  const insights = liveStatus(live, ctx) === 'InQueue' ? [] : simulateRun(live.seed, 60).insights;
  return ok({
    insights: insights.slice(Number(body.start ?? 0), Number(body.end)).map((i) => ({ id: i.id, symbol: `${i.symbol} R735QTJ8XC9X`, ticker: i.symbol, type: 'price', direction: i.direction, period: i.period, generatedTime: i.time, closeTime: i.time + i.period, confidence: i.confidence })),
    length: insights.length,
  });
}

function stop(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = active(project, ctx);
  live.stoppedMs = ctx.now();
  ctx.save();
  return ok();
}

function liquidate(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = active(project, ctx);
  live.liquidated = true;
  live.stoppedMs = ctx.now();
  ctx.save();
  return ok();
}

function createCommand(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  const status = liveStatus(live, ctx);
  if (status !== 'Running') return fail(`The live algorithm of project ${project.projectId} is ${status}: commands are accepted only while it is Running.`);
  live.commands.push({ received: iso(ctx.now()), command: body.command });
  ctx.save();
  return ok();
}

function broadcastCommand(body: Body, ctx: RouteContext) {
  if (body.organizationId !== ctx.state.organizationId) return fail(`Organization ${String(body.organizationId)} not found or you are not a member.`);
  const received = iso(ctx.now());
  for (const project of ctx.state.projects) {
    if (project.projectId === body.excludeProjectId) continue;
    const live = project.live[project.live.length - 1];
    if (live && liveStatus(live, ctx) === 'Running') live.commands.push({ received, command: body.command });
  }
  ctx.save();
  return ok();
}

export const liveRoutes: Record<string, Route> = Object.fromEntries(
  Object.entries({
    'POST /live/create': createLive,
    'POST /live/read': (body: Body, ctx: RouteContext) => {
      const project = projectOf(body, ctx);
      return ok(results(project, latest(project), ctx));
    },
    'POST /live/list': listLive,
    'POST /live/logs/read': readLogs,
    'POST /live/portfolio/read': readPortfolio,
    'POST /live/orders/read': readOrders,
    'POST /live/chart/read': readChart,
    'POST /live/insights/read': readInsights,
    'POST /live/update/stop': stop,
    'POST /live/update/liquidate': liquidate,
    'POST /live/commands/create': createCommand,
    'POST /live/commands/broadcast': broadcastCommand,
  }).map(([op, route]) => [op, guarded(route)]),
);
