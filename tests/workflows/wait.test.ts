/**
 * Workflow tools against the sandbox over real HTTP, through a real MCP client: compile_and_backtest
 * in one call with progress the client sees, build and runtime failures explained, cancellation that
 * stops polling, a timeout that says how to resume, and the wait_for_* tools.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unrestrictedOverlay, writeOverlay } from '../helpers/overlay.js';
import { FAST_TIMING, sandboxSession, type SandboxSession } from '../helpers/sandbox.js';

let s: SandboxSession;
const sessions: SandboxSession[] = [];
beforeAll(async () => {
  s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay() });
  sessions.push(s);
});
afterAll(async () => {
  for (const x of sessions) await x.close();
});

async function ok(
  session: SandboxSession,
  name: string,
  args: Record<string, unknown>,
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void,
) {
  const r = await session.client.callTool({ name, arguments: args }, onprogress ? { onprogress } : undefined);
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  return r;
}
async function project(session: SandboxSession, main?: string): Promise<number> {
  const r = await ok(session, 'create_project', { name: `wf ${Math.random()}`, language: 'Py' });
  const projectId = (r.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
  if (main !== undefined) await ok(session, 'update_file_contents', { projectId, name: 'main.py', content: main });
  return projectId;
}

describe('compile_and_backtest', () => {
  it('compiles, backtests and summarises in one call, with progress through compile and backtest', async () => {
    const projectId = await project(s);
    const progress: { progress: number; message?: string }[] = [];
    const r = await ok(s, 'compile_and_backtest', { projectId, backtestName: 'one call' }, (p) => void progress.push(p));
    const out = r.structuredContent as Record<string, unknown>;
    expect(out.stage).toBe('backtest');
    expect(out.completed).toBe(true);
    expect(out.name).toBe('one call');
    expect(Object.keys(out.statistics as object)).toEqual(expect.arrayContaining(['Sharpe Ratio', 'Net Profit', 'Drawdown']));
    expect(JSON.stringify(out).length).toBeLessThan(2048);
    expect(progress.some((p) => /compile .*: (InQueue|BuildSuccess)/.test(p.message ?? ''))).toBe(true);
    expect(progress.some((p) => /backtest .*Completed/.test(p.message ?? ''))).toBe(true);
    const values = progress.map((p) => p.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBe(100);
    const links = (r.content as { type: string; uri?: string }[]).filter((c) => c.type === 'resource_link').map((c) => c.uri);
    expect(links).toContain(`quantconnect://projects/${projectId}/backtests/${String(out.backtestId)}`);
    expect(links.some((u) => u?.includes('/charts/'))).toBe(true);
  });

  it('a build error returns the compile logs and a hint, without starting a backtest', async () => {
    const projectId = await project(s, 'class Broken(QCAlgorithm)\n    def initialize(self):\n        pass\n');
    const before = s.sandbox.requests.filter((q) => q.operation === 'POST /backtests/create').length;
    const out = (await ok(s, 'compile_and_backtest', { projectId })).structuredContent as {
      stage: string;
      status: string;
      compile_logs: string[];
      hint: string;
    };
    expect(out.stage).toBe('compile');
    expect(out.status).toBe('BuildError');
    expect(out.compile_logs.join('\n')).toMatch(/Build Error/);
    expect(out.hint).toMatch(/Fix the build errors/);
    expect(s.sandbox.requests.filter((q) => q.operation === 'POST /backtests/create').length).toBe(before);
  });

  it('a runtime error returns the error, the stack trace and a hint', async () => {
    const projectId = await project(s, 'from AlgorithmImports import *\nclass Boom(QCAlgorithm):\n    def initialize(self):\n        raise KeyError("SPY")\n');
    const out = (await ok(s, 'compile_and_backtest', { projectId })).structuredContent as { error: string; stacktrace: string; hint: string };
    expect(out.error).toMatch(/Runtime Error/);
    expect(out.stacktrace.length).toBeGreaterThan(0);
    expect(out.hint).toMatch(/key is missing/);
  });

  it('cancelling mid-backtest stops polling: no reads reach QuantConnect afterwards', async () => {
    const slow = await sandboxSession({ timing: { ...FAST_TIMING, backtestRunMs: 20_000 } }, { QC_MCP_TOOLS: unrestrictedOverlay() });
    sessions.push(slow);
    const projectId = await project(slow);
    const controller = new AbortController();
    const call = slow.client.callTool(
      { name: 'compile_and_backtest', arguments: { projectId } },
      {
        signal: controller.signal,
        onprogress: (p) => {
          if (/backtest .*Running/.test(p.message ?? '')) controller.abort();
        },
      },
    );
    await expect(call).rejects.toThrow();
    const reads = () => slow.sandbox.requests.filter((q) => q.operation === 'POST /backtests/read').length;
    await new Promise((r) => setTimeout(r, 300)); // an in-flight read may land
    const afterCancel = reads();
    await new Promise((r) => setTimeout(r, 2500)); // longer than several polling intervals
    expect(reads()).toBe(afterCancel);
    expect(afterCancel).toBeGreaterThan(0);
  });

  it('a timeout stops waiting and says how to resume with wait_for_backtest, which then finishes the job', async () => {
    const slow = await sandboxSession({ timing: { ...FAST_TIMING, backtestRunMs: 7000 } }, { QC_MCP_TOOLS: unrestrictedOverlay() });
    sessions.push(slow);
    const projectId = await project(slow);
    const r = await slow.client.callTool({ name: 'compile_and_backtest', arguments: { projectId, timeout_s: 5 } });
    expect(r.isError).toBe(true);
    const text = JSON.stringify(r.content);
    expect(text).toMatch(/Timed out after 5 s/);
    const backtestId = /backtestId=\\"([0-9a-f]+)\\"/.exec(text)?.[1];
    expect(backtestId).toBeDefined();
    const done = (await ok(slow, 'wait_for_backtest', { projectId, backtestId, timeout_s: 30 })).structuredContent as { completed: boolean };
    expect(done.completed).toBe(true);
  }, 30_000);
});

describe('compile_and_backtest honours the switches of the tools it stands for', () => {
  it('is refused, with nothing sent, when create_backtest is disabled', async () => {
    const locked = await sandboxSession({}, { QC_MCP_TOOLS: writeOverlay({ tools: { create_backtest: { enabled: false } } }) });
    sessions.push(locked);
    const projectId = await project(locked);
    const before = locked.sandbox.requests.length;
    const r = await locked.client.callTool({ name: 'compile_and_backtest', arguments: { projectId } });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toMatch(/refused because create_backtest is not available.*Nothing was sent/);
    expect(locked.sandbox.requests.length).toBe(before);
  });
});

describe('wait_for_*', () => {
  it('wait_for_compile, wait_for_optimization and wait_for_live_algorithm wait until done, with progress', async () => {
    const projectId = await project(s);
    const compileId = ((await ok(s, 'create_compile', { projectId })).structuredContent as { compileId: string }).compileId;
    const compiled = (await ok(s, 'wait_for_compile', { projectId, compileId })).structuredContent as { state: string };
    expect(compiled.state).toBe('BuildSuccess');

    const opt = await ok(s, 'create_optimization', {
      projectId,
      name: 'opt',
      target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
      targetTo: 'max',
      strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
      compileId,
      parameters: [{ name: 'fast', min: 5, max: 20, step: 5 }],
      estimatedCost: 1,
      nodeType: 'O2-8',
      parallelNodes: 2,
    });
    const optimizationId = (opt.structuredContent as { optimizations: { optimizationId: string }[] }).optimizations[0]!.optimizationId;
    const progress: number[] = [];
    const o = (await ok(s, 'wait_for_optimization', { optimizationId }, (p) => void progress.push(p.progress))).structuredContent as { status: string };
    expect(o.status.toLowerCase()).toBe('completed');
    expect(progress.at(-1)).toBe(100);

    await ok(s, 'create_live_algorithm', { projectId, compileId, nodeId: 'LN-sandbox-micro', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } });
    const live = (await ok(s, 'wait_for_live_algorithm', { projectId })).structuredContent as { running: boolean; status: string };
    expect(live.running).toBe(true);
    expect(live.status).toBe('Running');
  });
});
