/**
 * Workflow C (parameter sweep) end to end through a real MCP client against the sandbox over real
 * HTTP, as the parameter_sweep prompt lays it out: a project whose algorithm reads entry_z, lookback
 * and hedge (0 = OLS, 1 = Kalman); a grid run as an optimization; rank_backtests by information ratio
 * with max drawdown < 10 %; the top three backtested out of sample with their parameters; a tear sheet
 * of each; and the summary's in- versus out-of-sample comparison. The sandbox's results are
 * deterministic in the project, backtest name and parameters (not in the algorithm's dates), so the
 * out-of-sample runs are separate, named backtests of the edited algorithm.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeOverlay } from '../helpers/overlay.js';
import { sandboxSession, type SandboxSession } from '../helpers/sandbox.js';
import { caller } from '../helpers/workflow.js';

const algorithm = (start: string, end: string) => `# region imports
from AlgorithmImports import *
# endregion


class PairsSweep(QCAlgorithm):

    def initialize(self):
        self.set_start_date(${start})
        self.set_end_date(${end})
        self.set_cash(100000)
        self.entry_z = float(self.get_parameter("entry_z", 2.0))
        self.lookback = int(self.get_parameter("lookback", 60))
        self.kalman = int(self.get_parameter("hedge", 0)) == 1
        self.y = self.add_equity("DUK", Resolution.DAILY).symbol
        self.x = self.add_equity("SO", Resolution.DAILY).symbol

    def on_data(self, data: Slice):
        pass
`;
const GRID = [
  { name: 'entry_z', min: 1, max: 3, step: 0.5 },
  { name: 'lookback', min: 20, max: 60, step: 20 },
  { name: 'hedge', min: 0, max: 1, step: 1 },
];

let s: SandboxSession | undefined;
afterAll(async () => {
  await s?.close();
});

describe('workflow C (parameter_sweep) on the sandbox', () => {
  it('follows the prompt: grid optimization, ranked by information ratio under a 10 % drawdown, top three backtested out of sample with tear sheets', async () => {
    s = await sandboxSession(
      {},
      {
        QC_MCP_TOOLS: writeOverlay({ toolsets: { optimizations: { default: true }, studies: { default: true } } }),
      },
    );
    const call = caller(s.client);

    const created = await call('create_project', { name: 'Pairs sweep', language: 'Py' });
    const projectId = (created.projects as { projectId: number }[])[0]!.projectId;
    await call('update_file_contents', { projectId, name: 'main.py', content: algorithm('2019, 1, 1', '2023, 12, 31') });

    const prompt = await s.client.getPrompt({
      name: 'parameter_sweep',
      arguments: { projectId: String(projectId), parameters: 'entry_z 1..3 step 0.5; lookback 20..60 step 20; hedge 0..1 step 1 (0 OLS, 1 Kalman)' },
    });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    const steps = ['compile_and_backtest', 'create_optimization', 'wait_for_optimization', 'rank_backtests', 'create_backtest', 'backtest_tear_sheet'];
    const at = steps.map((t) => text.indexOf(t));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).toMatch(/sort_by information_ratio, where \["drawdown < 10"\], top 3/);
    expect(text).toMatch(/out-of-sample period; for each of the three parameter sets, create_backtest \(or compile_and_backtest\) with those parameters/);
    expect(text).not.toMatch(/Not available on this server/);

    // 1. Compile (and a first in-sample backtest with the defaults).
    const first = await call('compile_and_backtest', { projectId, backtestName: 'defaults' });
    expect(first.stage).toBe('backtest');
    const compileId = first.compileId as string;

    // 2. The grid as an optimization (estimated first).
    const estimate = await call('estimate_optimization_time', {
      projectId,
      name: 'grid',
      target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
      targetTo: 'max',
      strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
      compileId,
      parameters: GRID,
    });
    expect(estimate).toHaveProperty('estimate');
    const opt = await call('create_optimization', {
      projectId,
      name: 'grid',
      target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
      targetTo: 'max',
      strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
      compileId,
      parameters: GRID,
      estimatedCost: 1,
      nodeType: 'O2-8',
      parallelNodes: 2,
    });
    const optimizationId = (opt.optimizations as { optimizationId: string }[])[0]!.optimizationId;

    // 3. Wait for it.
    const waited = await call('wait_for_optimization', { optimizationId, timeout_s: 60 });
    expect(waited.status).toBe('completed');

    // 4. Rank by information ratio with max drawdown < 10 %; keep three.
    const ranked = await call('rank_backtests', { optimizationId, sort_by: 'information_ratio', where: ['drawdown < 10'], top: 3 });
    expect(ranked.total).toBe(5 * 3 * 2);
    const winners = ranked.runs as { id: string; parameters: Record<string, string>; statistics: Record<string, number> }[];
    expect(winners).toHaveLength(3);
    const irs = winners.map((w) => w.statistics.information_ratio!);
    expect([...irs].sort((a, b) => b - a)).toEqual(irs);
    for (const w of winners) {
      expect(w.statistics.drawdown).toBeLessThan(10);
      expect(Object.keys(w.parameters).sort()).toEqual(['entry_z', 'hedge', 'lookback']);
    }
    // No run left out beats the third winner while passing the filter.
    const all = await call('rank_backtests', { optimizationId, sort_by: 'information_ratio', top: 200 });
    const passing = (all.runs as { statistics: Record<string, number> }[]).filter((r) => r.statistics.drawdown! < 10);
    expect(passing.length).toBe(ranked.passed);
    expect(passing.slice(0, 3).map((r) => r.statistics.information_ratio)).toEqual(irs);

    // 5. Out of sample: the algorithm moved to the next period, one backtest per winner with its parameters.
    await call('update_file_contents', { projectId, name: 'main.py', content: algorithm('2024, 1, 1', '2024, 12, 31') });
    const oos: { id: string; parameters: Record<string, string>; inSampleIr: number }[] = [];
    for (const w of winners) {
      const name = `OOS ${Object.entries(w.parameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`;
      const run = await call('compile_and_backtest', { projectId, backtestName: name, parameters: w.parameters });
      expect(run.stage).toBe('backtest');
      oos.push({ id: run.backtestId as string, parameters: w.parameters, inSampleIr: w.statistics.information_ratio! });
    }
    for (const o of oos) {
      const read = await call('read_backtest', { projectId, backtestId: o.id });
      const bt = read.backtest as { parameterSet: Record<string, string>; name: string };
      expect(bt.parameterSet).toEqual(o.parameters);
      // 6. A tear sheet of each (equity against the benchmark, drawdown, rolling Sharpe as a picture; figures as data).
      const sheet = await s.client.callTool({ name: 'backtest_tear_sheet', arguments: { projectId, backtestId: o.id } });
      expect(sheet.isError).toBeFalsy();
      expect(sheet.content.some((c) => c.type === 'image' && c.mimeType === 'image/png')).toBe(true);
      const figures = sheet.structuredContent as { backtestId: string; sharpe_ratio: number | null; max_drawdown: number; monthly_returns: unknown[] };
      expect(figures.backtestId).toBe(o.id);
      expect(figures.monthly_returns.length).toBeGreaterThan(0);
    }

    // 7. The summary's comparison: the out-of-sample runs ranked the same way, against their in-sample order.
    const outOfSample = await call('rank_backtests', { projectId, backtestIds: oos.map((o) => o.id), sort_by: 'information_ratio', top: 3 });
    expect(outOfSample.total).toBe(3);
    const oosRuns = outOfSample.runs as { id: string; statistics: Record<string, number> }[];
    expect(oosRuns.map((r) => r.id).sort()).toEqual(oos.map((o) => o.id).sort());
    for (const r of oosRuns)
      for (const k of ['information_ratio', 'tracking_error', 'drawdown', 'sharpe_ratio']) expect(typeof r.statistics[k], k).toBe('number');
  }, 120_000);
});
