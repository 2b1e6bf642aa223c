/**
 * Live algorithms, following QuantConnect's state machine: InQueue (warming up, charts and
 * orders answer LoadingResponse) -> Running -> Stopped or Liquidated. Commands are refused
 * until the algorithm runs. Paper trading only: every brokerage is simulated.
 */
import { hashSeed, hexId, SIMULATED_NOTE, simulateRun, window } from '../simulate.js';
import { bookRuntimeStatistics, equityOf, liquidateBook, openBook, portfolioView, shockBook, type LiveBook } from '../live-book.js';
import type { LiveDeployment, Project, SandboxState } from '../state.js';
import { chartFrom, successfulCompile } from './builds.js';
import { NODES } from './projects.js';
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
  if (status === 'Stopped' || status === 'Liquidated')
    throw new Refusal(fail(`The live algorithm of project ${project.projectId} is ${status.toLowerCase()}.`));
  return live;
}

/** The deployment's books, opened on first use for deployments saved before books existed. */
function bookOf(live: LiveDeployment): LiveBook {
  live.book ??= openBook({}, live.createdMs);
  return live.book;
}

/** How /live/read and /live/list name brokerages: QuantConnect's paper brokerage reads back as PaperBrokerage. */
const BROKERAGE_NAMES: Record<string, string> = {
  QuantConnectBrokerage: 'PaperBrokerage',
  InteractiveBrokersBrokerage: 'Interactive',
  TradierBrokerage: 'Tradier',
  OandaBrokerage: 'Oanda',
  FxcmBrokerage: 'FXCM',
  AlpacaBrokerage: 'Alpaca',
  BitfinexBrokerage: 'Bitfinex',
  BinanceBrokerage: 'Binance',
  CoinbaseBrokerage: 'Coinbase',
};
const brokerageName = (id: string): string => BROKERAGE_NAMES[id] ?? id;

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
  return {
    message: SIMULATED_NOTE,
    deployId: live.deployId,
    status,
    cloneId: project.projectId,
    launched: iso(live.createdMs),
    ...(live.stoppedMs !== null ? { stopped: iso(live.stoppedMs) } : {}),
    brokerage: brokerageName(live.brokerage),
    securityTypes: 'Equity',
    datacenter: 'sandbox',
    isPublicStreaming: false,
    public: false,
    files: project.files.map((f) => ({ id: f.id, projectId: project.projectId, name: f.name, content: f.content, modified: f.modified })),
    runtimeStatistics: bookRuntimeStatistics(bookOf(live)),
    charts: Object.fromEntries(LIVE_CHARTS.map((name) => [name, { name }])),
    projectName: project.name,
  };
}

function createLive(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const compile = successfulCompile(project, body.compileId, ctx);
  const current = project.live[project.live.length - 1];
  if (current && current.stoppedMs === null) return fail(`Project ${project.projectId} already has a live algorithm (${current.deployId}). Stop it first.`);
  const settings = body.brokerage as Record<string, unknown>;
  const brokerage = String(settings.id);
  const nodeId = String(body.nodeId);
  if (!NODES.live.some((n) => n.id === nodeId)) return fail(`Live node ${nodeId} not found. Read the project's nodes (read_project_nodes) for a live node id.`);
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
    book: openBook(settings, ctx.now()),
  };
  project.live.push(live);
  ctx.save();
  return ok({ responseCode: 'OK', source: 'api-v2', projectId: project.projectId, deployId: live.deployId, live: results(project, live, ctx) });
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
          brokerage: brokerageName(l.brokerage),
          subscription: 'sandbox',
          equity: Math.round(equityOf(bookOf(l)) * 100) / 100,
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
  return ok({ portfolio: portfolioView(bookOf(latest(project))) });
}

function readOrders(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  checkWindow(body.start, body.end, 1000, 'orders', true);
  if (liveStatus(live, ctx) === 'InQueue') return ok({ progress: 0.5, status: 'loading' });
  const orders = bookOf(live).orders.map((o) => ({
    id: o.id,
    symbol: { value: o.symbol, id: o.symbolId, permtick: o.symbol },
    price: o.price,
    time: iso(o.timeMs),
    quantity: o.quantity,
    type: 0,
    status: 3,
    direction: o.quantity > 0 ? 0 : 1,
    value: Math.round(o.price * o.quantity * 100) / 100,
    tag: o.tag,
  }));
  return ok({ orders: orders.slice(Number(body.start ?? 0), Number(body.end)), length: orders.length });
}

const LIVE_CHARTS = ['Strategy Equity', 'Drawdown', 'Benchmark'];

/** Strategy Equity and Drawdown from the books' marks (launch, shocks, liquidation) and now; Benchmark simulated. */
function liveChart(live: LiveDeployment, name: string, start: number, end: number, count: number, nowMs: number) {
  if (name === 'Benchmark') return chartFrom(simulateRun(live.seed, 60), name, start, end, count);
  const book = bookOf(live);
  const marks = [...book.marks, { ms: nowMs, equity: equityOf(book) }];
  const times = marks.map((m) => Math.floor(m.ms / 1000));
  let peak = -Infinity;
  const values =
    name === 'Strategy Equity'
      ? marks.map((m) => Math.round(m.equity * 100) / 100)
      : name === 'Drawdown'
        ? marks.map((m) => {
            peak = Math.max(peak, m.equity);
            return Math.round(((m.equity - peak) / peak) * 10000) / 100;
          })
        : undefined;
  if (!values) return undefined;
  const series = name === 'Strategy Equity' ? 'Equity' : 'Equity Drawdown';
  return {
    name,
    chartType: 0,
    series: { [series]: { name: series, unit: name === 'Drawdown' ? '%' : '$', index: 0, values: window(times, values, start, end, count), seriesType: 0 } },
  };
}

function readChart(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  if (Number(body.end) < Number(body.start)) return fail('The end time of the chart must be after its start time.');
  if (liveStatus(live, ctx) === 'InQueue') return ok({ progress: 0.5, status: 'loading' });
  const chart = liveChart(live, String(body.name), Number(body.start), Number(body.end), Number(body.count), ctx.now());
  if (!chart) return fail(`Chart "${String(body.name)}" not found. Available: ${LIVE_CHARTS.join(', ')}.`);
  return ok({ chart });
}

function readInsights(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  checkWindow(body.start, body.end, 1000, 'insights', true);
  const insights = liveStatus(live, ctx) === 'InQueue' ? [] : simulateRun(live.seed, 60).insights;
  return ok({
    insights: insights.slice(Number(body.start ?? 0), Number(body.end)).map((i) => ({
      id: i.id,
      symbol: `${i.symbol} R735QTJ8XC9X`,
      ticker: i.symbol,
      type: 'price',
      direction: i.direction,
      period: i.period,
      generatedTime: i.time,
      closeTime: i.time + i.period,
      confidence: i.confidence,
    })),
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

/** Sells every position and stops the algorithm; a stopped deployment that still holds positions is liquidated too. */
function liquidate(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const live = latest(project);
  if (live.liquidated) return fail(`The live algorithm of project ${project.projectId} is already liquidated.`);
  const book = bookOf(live);
  liquidateBook(book, ctx.now(), book.orders.length + 1);
  live.liquidated = true;
  live.stoppedMs ??= ctx.now();
  ctx.save();
  return ok();
}

/**
 * Sandbox control (POST /api/v2/sandbox/live/shock, and Sandbox.shockLive in tests): move the equity of
 * the project's latest deployment by `equityChangePct` percent now, marking its holdings to match.
 */
export function shockLive(
  state: SandboxState,
  projectId: unknown,
  equityChangePct: unknown,
  nowMs: number,
): { ok: true; equity: number } | { ok: false; error: string } {
  const pct = Number(equityChangePct);
  if (typeof equityChangePct !== 'number' || !Number.isFinite(pct)) return { ok: false, error: 'equityChangePct must be a number (percent, e.g. -6).' };
  const project = state.projects.find((p) => p.projectId === projectId);
  if (!project) return { ok: false, error: `Project ${String(projectId)} not found.` };
  const live = project.live[project.live.length - 1];
  if (!live) return { ok: false, error: `Project ${project.projectId} has no live algorithm.` };
  const book = bookOf(live);
  const problem = shockBook(book, pct, nowMs);
  return problem ? { ok: false, error: problem } : { ok: true, equity: Math.round(equityOf(book) * 100) / 100 };
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
