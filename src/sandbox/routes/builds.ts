/** Compiles, backtests (with charts, orders, insights, report) and optimizations. */
import { hashSeed, hexId, metrics, runtimeStrings, SIMULATED_NOTE, simulateRun, statisticsStrings, TRADING_DAYS } from '../simulate.js';
import { DEFAULT_CHARTS, defaultChart } from '../charts.js';
import type { Backtest, Compile, Optimization, Project } from '../state.js';
import { checkCSharp, checkPython } from '../syntax.js';
import { checkWindow, fail, guarded, iso, ok, projectOf, Refusal, type Body, type Route, type RouteContext } from './common.js';

// --- compile -----------------------------------------------------------------------------------

function buildErrors(project: Project): string[] | null {
  const main = project.language === 'Py' ? 'main.py' : 'Main.cs';
  if (!project.files.some((f) => f.name === main)) return [`Build Error: ${main} is missing: the project needs a ${main} with the algorithm class.`];
  const errors = project.files.flatMap((f) => {
    if (f.name.endsWith('.py')) return checkPython(f.content, f.name);
    if (f.name.endsWith('.cs')) return checkCSharp(f.content, f.name);
    return [];
  });
  return errors.length > 0 ? errors.map((e) => `Build Error: ${e}`) : null;
}

export function compileState(compile: Compile, ctx: RouteContext): 'InQueue' | 'BuildSuccess' | 'BuildError' {
  if (ctx.now() - compile.createdMs < ctx.timing.compileMs) return 'InQueue';
  return compile.errors ? 'BuildError' : 'BuildSuccess';
}

function compileLogs(compile: Compile, state: string): string[] {
  if (state === 'InQueue') return [];
  if (state === 'BuildError') return ['Build started (sandbox)', ...(compile.errors ?? []), 'Build failed.'];
  return ['Build started (sandbox)', 'Build Success.'];
}

function createCompile(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const seed = hashSeed(project.projectId, project.compiles.length, ctx.now());
  const compile: Compile = {
    compileId: `${hexId(seed, 32)}-${hexId(seed + 1, 32)}`,
    createdMs: ctx.now(),
    errors: buildErrors(project),
    signature: hexId(seed + 2, 40),
    parameters: [],
  };
  project.compiles.push(compile);
  ctx.save();
  return ok({ compileId: compile.compileId, state: 'InQueue', parameters: [], projectId: project.projectId, signature: compile.signature, signatureOrder: [] });
}

function findCompile(project: Project, compileId: unknown): Compile {
  const compile = project.compiles.find((c) => c.compileId === compileId);
  if (!compile) throw new Refusal(fail(`Compile ${String(compileId)} not found in project ${project.projectId}.`));
  return compile;
}

/** A compile that finished successfully, or a refusal that says what to do. */
export function successfulCompile(project: Project, compileId: unknown, ctx: RouteContext): Compile {
  const compile = findCompile(project, compileId);
  const state = compileState(compile, ctx);
  if (state === 'InQueue') throw new Refusal(fail(`Compile ${compile.compileId} is still in queue: read it until its state is BuildSuccess.`));
  if (state === 'BuildError') throw new Refusal(fail(`Compile ${compile.compileId} failed: fix the build errors and compile again.`));
  return compile;
}

function readCompile(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const compile = findCompile(project, body.compileId);
  const state = compileState(compile, ctx);
  return ok({ compileId: compile.compileId, state, logs: compileLogs(compile, state) });
}

// --- backtests ---------------------------------------------------------------------------------

const RUNTIME_ERROR = /^\s*raise\s+/m;

interface Progress {
  status: string;
  progress: number;
  completed: boolean;
  error?: { message: string; stacktrace: string };
}

function backtestProgress(project: Project, backtest: Backtest, ctx: RouteContext): Progress {
  const elapsed = ctx.now() - backtest.createdMs - ctx.timing.backtestQueueMs;
  if (elapsed < 0) return { status: 'In Queue...', progress: 0, completed: false };
  const fraction = ctx.timing.backtestRunMs <= 0 ? 1 : Math.min(1, elapsed / ctx.timing.backtestRunMs);
  const main = project.files.find((f) => f.name === 'main.py' || f.name === 'Main.cs');
  const raiseLine = main ? main.content.split('\n').findIndex((l) => RUNTIME_ERROR.test(l)) : -1;
  if (raiseLine >= 0 && fraction >= 0.4) {
    const line = main?.content.split('\n')[raiseLine]?.trim() ?? '';
    return {
      status: 'Runtime Error',
      progress: 0.4,
      completed: true,
      error: {
        message: `Runtime Error: ${line.replace(/^raise\s+/, '')}`,
        stacktrace: `  at initialize\n    ${line}\n in ${main?.name ?? 'main.py'}: line ${raiseLine + 1}`,
      },
    };
  }
  if (fraction >= 1) return { status: 'Completed.', progress: 1, completed: true };
  return { status: `Running: ${Math.floor(fraction * 100)}%`, progress: Math.round(fraction * 100) / 100, completed: false };
}

function backtestResult(project: Project, backtest: Backtest, ctx: RouteContext) {
  const progress = backtestProgress(project, backtest, ctx);
  const run = simulateRun(backtest.seed);
  const m = metrics(run);
  const done = progress.completed && !progress.error;
  return {
    note: backtest.note || SIMULATED_NOTE,
    name: backtest.name,
    organizationId: project.organizationId,
    projectId: project.projectId,
    completed: progress.completed,
    backtestId: backtest.backtestId,
    tradeableDates: TRADING_DAYS,
    backtestStart: iso((run.times[0] ?? 0) * 1000),
    backtestEnd: iso((run.times[run.times.length - 1] ?? 0) * 1000),
    created: iso(backtest.createdMs),
    status: progress.status,
    progress: progress.progress,
    hasInitializeError: false,
    ...(progress.error ? { error: progress.error.message, stacktrace: progress.error.stacktrace } : {}),
    charts: Object.fromEntries(DEFAULT_CHARTS.map((name) => [name, { name }])),
    parameterSet: backtest.parameters,
    runtimeStatistics: runtimeStrings(m, progress.progress),
    statistics: done ? statisticsStrings(m) : {},
    totalPerformance: done
      ? {
          portfolioStatistics: {
            compoundingAnnualReturn: m.cagr,
            drawdown: m.drawdown,
            sharpeRatio: m.sharpe,
            sortinoRatio: m.sortino,
            totalNetProfit: m.netProfit,
            winRate: m.winRate,
            lossRate: 1 - m.winRate,
            alpha: m.alpha,
            beta: m.beta,
            annualStandardDeviation: m.volatility,
            startEquity: 100_000,
            endEquity: m.endEquity,
          },
          tradeStatistics: { totalNumberOfTrades: m.totalOrders, totalFees: m.fees },
          closedTrades: [],
        }
      : {},
    nodeName: 'B-MICRO (sandbox)',
  };
}

function findBacktest(project: Project, backtestId: unknown): Backtest {
  const backtest = project.backtests.find((b) => b.backtestId === backtestId);
  if (!backtest) throw new Refusal(fail(`Backtest ${String(backtestId)} not found in project ${project.projectId}.`));
  return backtest;
}

function createBacktest(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const compile = successfulCompile(project, body.compileId, ctx);
  const name = String(body.backtestName ?? '').trim();
  if (name === '') return fail('backtestName cannot be empty.');
  const parameters = Object.fromEntries(Object.entries((body.parameters as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)]));
  const seed = hashSeed(project.projectId, name, JSON.stringify(parameters));
  const backtest: Backtest = {
    backtestId: hexId(hashSeed(seed, ctx.now(), project.backtests.length), 32),
    name,
    note: '',
    compileId: compile.compileId,
    createdMs: ctx.now(),
    parameters,
    seed,
  };
  project.backtests.push(backtest);
  ctx.save();
  return ok({ backtest: backtestResult(project, backtest, ctx), debugging: false });
}

function listBacktests(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const summaries = project.backtests.map((b) => {
    const p = backtestProgress(project, b, ctx);
    const base = {
      backtestId: b.backtestId,
      status: p.status,
      name: b.name,
      created: iso(b.createdMs),
      progress: p.progress,
      tradeableDates: TRADING_DAYS,
      parameterSet: b.parameters,
      tags: [],
    };
    if (body.includeStatistics !== true || !p.completed || p.error) return base;
    const m = metrics(simulateRun(b.seed));
    return {
      ...base,
      sharpeRatio: m.sharpe,
      alpha: m.alpha,
      beta: m.beta,
      compoundingAnnualReturn: m.cagr,
      drawdown: m.drawdown,
      netProfit: m.netProfit,
      winRate: m.winRate,
      lossRate: 1 - m.winRate,
      sortinoRatio: m.sortino,
      trades: m.totalOrders,
    };
  });
  return ok({ backtests: summaries, count: summaries.length });
}

const ORDER_SYMBOL = (symbol: string) => ({ value: symbol, id: `${symbol} R735QTJ8XC9X`, permtick: symbol });

function orderView(order: ReturnType<typeof simulateRun>['orders'][number]) {
  const time = iso(order.time * 1000);
  return {
    id: order.id,
    contingentId: 0,
    brokerId: [String(order.id)],
    symbol: ORDER_SYMBOL(order.symbol),
    price: order.price,
    priceCurrency: 'USD',
    time,
    createdTime: time,
    lastFillTime: time,
    quantity: order.quantity,
    type: 0,
    status: 3,
    tag: 'simulated',
    securityType: 1,
    direction: order.quantity > 0 ? 0 : 1,
    value: Math.round(order.price * order.quantity * 100) / 100,
    events: [],
  };
}

function readOrders(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const backtest = findBacktest(project, body.backtestId);
  checkWindow(body.start, body.end, 100, 'orders', true);
  const orders = simulateRun(backtest.seed).orders;
  const done = backtestProgress(project, backtest, ctx).completed;
  const visible = done ? orders : [];
  return ok({ orders: visible.slice(Number(body.start), Number(body.end)).map(orderView), length: visible.length });
}

function insightView(i: ReturnType<typeof simulateRun>['insights'][number]) {
  return {
    id: i.id,
    groupId: i.id.slice(0, 8),
    sourceModel: 'SandboxAlphaModel',
    generatedTime: i.time,
    closeTime: i.time + i.period,
    symbol: `${i.symbol} R735QTJ8XC9X`,
    ticker: i.symbol,
    type: 'price',
    direction: i.direction,
    period: i.period,
    confidence: i.confidence,
    scoreFinal: true,
    tag: 'simulated',
  };
}

function readInsights(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const backtest = findBacktest(project, body.backtestId);
  checkWindow(body.start, body.end, 100, 'insights', true);
  const insights = backtestProgress(project, backtest, ctx).completed ? simulateRun(backtest.seed).insights : [];
  return ok({ insights: insights.slice(Number(body.start), Number(body.end)).map(insightView), length: insights.length });
}

/** A chart from a simulated run, in the API's shape ([time, value] points): one of LEAN's default charts. */
export function chartFrom(run: ReturnType<typeof simulateRun>, name: string, start: number, end: number, count: number) {
  return defaultChart(run, name, start, end, count);
}

function readChart(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const backtest = findBacktest(project, body.backtestId);
  if (Number(body.end) < Number(body.start)) return fail('The end time of the chart must be after its start time.');
  const progress = backtestProgress(project, backtest, ctx);
  if (!progress.completed) return ok({ progress: progress.progress, status: 'loading' });
  const chart = chartFrom(simulateRun(backtest.seed), String(body.name), Number(body.start), Number(body.end), Number(body.count));
  if (!chart) return fail(`Chart "${String(body.name)}" not found. Available: ${DEFAULT_CHARTS.join(', ')}.`);
  return ok({ chart });
}

function readReport(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const backtest = findBacktest(project, body.backtestId);
  const progress = backtestProgress(project, backtest, ctx);
  if (progress.error) return fail('The backtest ended with a runtime error, so it has no report.');
  const finishedMs = backtest.createdMs + ctx.timing.backtestQueueMs + ctx.timing.backtestRunMs;
  if (!progress.completed || ctx.now() < finishedMs + ctx.timing.reportMs) return ok({ generating: true });
  const stats = statisticsStrings(metrics(simulateRun(backtest.seed)));
  const rows = Object.entries(stats)
    .map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`)
    .join('');
  return ok({ report: `<html><body><h1>${SIMULATED_NOTE}</h1><h2>Backtest report</h2><table>${rows}</table></body></html>` });
}

function updateBacktest(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const backtest = findBacktest(project, body.backtestId);
  if (typeof body.name === 'string') {
    if (body.name.trim() === '') return fail('name cannot be empty.');
    backtest.name = body.name.trim();
  }
  if (typeof body.note === 'string') backtest.note = body.note;
  ctx.save();
  return ok();
}

function deleteBacktest(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const backtest = findBacktest(project, body.backtestId);
  project.backtests = project.backtests.filter((b) => b !== backtest);
  ctx.save();
  return ok();
}

// --- optimizations -----------------------------------------------------------------------------

type OptParam = Optimization['parameters'][number];

function gridSize(parameters: OptParam[]): number {
  return parameters.reduce((n, p) => n * (Math.floor((p.max - p.min) / p.step + 1e-9) + 1), 1);
}

function validateParameters(raw: unknown): OptParam[] {
  const parameters = (Array.isArray(raw) ? raw : []) as OptParam[];
  if (parameters.length === 0) throw new Refusal(fail('Optimizations need at least one parameter {name, min, max, step}.'));
  for (const p of parameters) {
    if (!(p.step > 0) || p.max < p.min) throw new Refusal(fail(`Parameter ${p.name}: need step > 0 and max >= min.`));
  }
  if (gridSize(parameters) > 10_000) throw new Refusal(fail('The parameter grid has more than 10,000 combinations: widen the steps.'));
  return parameters;
}

function findOptimization(ctx: RouteContext, id: unknown): { project: Project; optimization: Optimization } {
  for (const project of ctx.state.projects) {
    const optimization = project.optimizations.find((o) => o.optimizationId === id);
    if (optimization) return { project, optimization };
  }
  throw new Refusal(fail(`Optimization ${String(id)} not found.`));
}

function optimizationStatus(o: Optimization, ctx: RouteContext): 'new' | 'running' | 'completed' | 'aborted' {
  if (o.aborted) return 'aborted';
  const elapsed = ctx.now() - o.createdMs;
  if (elapsed < ctx.timing.optimizationMs / 10) return 'new';
  return elapsed < ctx.timing.optimizationMs ? 'running' : 'completed';
}

function optimizationSummary(project: Project, o: Optimization, ctx: RouteContext) {
  return {
    optimizationId: o.optimizationId,
    projectId: project.projectId,
    name: o.name,
    status: optimizationStatus(o, ctx),
    nodeType: o.nodeType,
    criterion: { target: o.target, extremum: o.targetTo },
    created: iso(o.createdMs),
    parameters: o.parameters,
  };
}

function gridPoints(parameters: OptParam[]): Record<string, number>[] {
  return parameters.reduce<Record<string, number>[]>(
    (sets, p) =>
      sets.flatMap((set) => Array.from({ length: Math.floor((p.max - p.min) / p.step + 1e-9) + 1 }, (_, i) => ({ ...set, [p.name]: p.min + i * p.step }))),
    [{}],
  );
}

/** OptimizationBacktest.statistics in the spec's documented order (21 values; percentages in percent, 0 where the simulation has no figure). */
function optimizationStatistics(run: ReturnType<typeof simulateRun>): number[] {
  const m = metrics(run);
  const [ir, te] = [m.informationRatio, m.trackingError];
  return [
    m.alpha,
    m.volatility,
    m.volatility ** 2,
    0,
    0,
    m.beta,
    m.cagr * 100,
    m.drawdown * 100,
    0,
    0,
    ir,
    (1 - m.winRate) * 100,
    m.netProfit * 100,
    0,
    0,
    m.sharpe,
    m.fees,
    m.totalOrders,
    te,
    0,
    m.winRate * 100,
  ];
}

function readOptimization(body: Body, ctx: RouteContext) {
  const { project, optimization: o } = findOptimization(ctx, body.optimizationId);
  const status = optimizationStatus(o, ctx);
  const points = gridPoints(o.parameters).slice(0, 200);
  const done = status === 'completed' ? points.length : status === 'running' ? Math.floor(points.length / 2) : 0;
  const backtests = Object.fromEntries(
    points.slice(0, done).map((set, i) => {
      const seed = hashSeed(project.projectId, o.optimizationId, JSON.stringify(set));
      const run = simulateRun(seed, 126);
      const id = hexId(seed, 32);
      return [
        id,
        {
          name: `${o.name} #${i + 1}`,
          id,
          progress: 1,
          exitCode: 0,
          statistics: optimizationStatistics(run),
          parameterSet: Object.fromEntries(Object.entries(set).map(([k, v]) => [k, String(v)])),
        },
      ];
    }),
  );
  return ok({
    optimization: {
      ...optimizationSummary(project, o, ctx),
      parallelNodes: o.parallelNodes,
      runtimeStatistics: {
        Completed: String(done),
        Failed: '0',
        Running: String(status === 'running' ? 1 : 0),
        'In Queue': String(points.length - done),
        Total: String(points.length),
      },
      constraints: o.constraints,
      backtests,
      strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
      requested: iso(o.createdMs),
      optimizationTarget: o.target,
    },
  });
}

function estimate(body: Body, ctx: RouteContext) {
  projectOf(body, ctx);
  const parameters = validateParameters(body.parameters);
  const backtests = gridSize(parameters);
  return ok({ estimate: { estimateId: hexId(hashSeed(JSON.stringify(parameters)), 32), time: backtests * 30, balance: 1000 } });
}

function createOptimization(body: Body, ctx: RouteContext) {
  const project = projectOf(body, ctx);
  const compile = successfulCompile(project, body.compileId, ctx);
  const parameters = validateParameters(body.parameters);
  const optimization: Optimization = {
    optimizationId: `O-${hexId(hashSeed(project.projectId, String(body.name), ctx.now()), 32)}`,
    name: String(body.name),
    compileId: compile.compileId,
    createdMs: ctx.now(),
    aborted: false,
    target: String(body.target),
    targetTo: String(body.targetTo),
    nodeType: String(body.nodeType),
    parallelNodes: Number(body.parallelNodes),
    parameters,
    constraints: (body.constraints as unknown[] | undefined) ?? [],
  };
  project.optimizations.push(optimization);
  ctx.save();
  return ok({ optimizations: [optimizationSummary(project, optimization, ctx)] });
}

export const buildRoutes: Record<string, Route> = Object.fromEntries(
  Object.entries({
    'POST /compile/create': createCompile,
    'POST /compile/read': readCompile,
    'POST /backtests/create': createBacktest,
    'POST /backtests/read': (body: Body, ctx: RouteContext) => {
      const project = projectOf(body, ctx);
      return ok({ backtest: backtestResult(project, findBacktest(project, body.backtestId), ctx), debugging: false });
    },
    'POST /backtests/list': listBacktests,
    'POST /backtests/orders/read': readOrders,
    'POST /backtests/read/insights': readInsights,
    'POST /backtests/chart/read': readChart,
    'POST /backtests/read/report': readReport,
    'POST /backtests/update': updateBacktest,
    'POST /backtests/delete': deleteBacktest,
    'POST /optimizations/estimate': estimate,
    'POST /optimizations/create': createOptimization,
    'POST /optimizations/read': readOptimization,
    'POST /optimizations/list': (body: Body, ctx: RouteContext) => {
      const project = projectOf(body, ctx);
      return ok({ optimizations: project.optimizations.map((o) => optimizationSummary(project, o, ctx)) });
    },
    'POST /optimizations/update': (body: Body, ctx: RouteContext) => {
      const { optimization } = findOptimization(ctx, body.optimizationId);
      if (String(body.name).trim() === '') return fail('name cannot be empty.');
      optimization.name = String(body.name).trim();
      ctx.save();
      return ok();
    },
    'POST /optimizations/abort': (body: Body, ctx: RouteContext) => {
      const { optimization } = findOptimization(ctx, body.optimizationId);
      const status = optimizationStatus(optimization, ctx);
      if (status === 'completed' || status === 'aborted') return fail(`Optimization ${optimization.optimizationId} is already ${status}.`);
      optimization.aborted = true;
      ctx.save();
      return ok();
    },
    'POST /optimizations/delete': (body: Body, ctx: RouteContext) => {
      const { project, optimization } = findOptimization(ctx, body.optimizationId);
      project.optimizations = project.optimizations.filter((o) => o !== optimization);
      ctx.save();
      return ok();
    },
  }).map(([op, route]) => [op, guarded(route)]),
);
