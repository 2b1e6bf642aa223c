/**
 * Studies plugin (toolset `studies`, off by default): the quant workflows' statistics and tools:
 * rolling correlation, Kalman hedge ratio, a local pairs-trading simulation, factor loadings and a
 * beta-neutral long/short book, alpha and regime-shift inference, and ranking of parameter sweeps.
 * The maths lives in plugins/quant; golden values come from scripts/golden/studies_golden.py.
 * The long/short weights, the simulated trades and attribution, and the ranked runs are also CSV
 * files (on disk and as resources of the caller).
 */
import { definePlugin } from '../../src/tool/tool.js';
import { exportRecords, exportWeights, withExports } from '../quant/export.js';
import { factorExposuresTool, longShortTool } from './factors.js';
import { kalmanTool, rollingCorrelationTool, simulatePairsTool } from './pairs.js';
import { rankRunsTool } from './sweep.js';

type Rows = Record<string, unknown>[];

export default definePlugin({
  name: 'studies',
  tools: [
    rollingCorrelationTool,
    kalmanTool,
    withExports(simulatePairsTool, (s, dir) => [
      exportRecords(dir, 'simulate_pairs_trading', 'trades', s.trades as Rows, 'Trade log (the trades in the result)'),
      exportRecords(dir, 'simulate_pairs_trading', 'attribution', s.attribution as Rows, 'PnL per pair'),
    ]),
    factorExposuresTool,
    withExports(longShortTool, (s, dir) => [exportWeights(dir, 'build_long_short', s.weights as Record<string, number>)]),
    withExports(rankRunsTool, (s, dir) => [
      exportRecords(
        dir,
        'rank_backtests',
        'runs',
        (s.runs as { id: string; name: string; parameters: Record<string, unknown>; statistics: Record<string, number> }[]).map((r, i) => ({
          rank: i + 1,
          id: r.id,
          name: r.name,
          ...Object.fromEntries(Object.entries(r.parameters ?? {}).map(([k, v]) => [`param_${k}`, v])),
          ...r.statistics,
        })),
        `Runs ranked by ${String(s.sort_by)}`,
      ),
    ]),
  ],
});
