/**
 * Studies plugin (toolset `studies`, off by default): the quant workflows' statistics and tools:
 * rolling correlation, Kalman hedge ratio, a local pairs-trading simulation, factor loadings and a
 * beta-neutral long/short book, alpha and regime-shift inference, and ranking of parameter sweeps.
 * The maths lives in plugins/quant; golden values come from scripts/golden/studies_golden.py.
 */
import { definePlugin } from '../../src/tool/tool.js';
import { factorExposuresTool, longShortTool } from './factors.js';
import { kalmanTool, rollingCorrelationTool, simulatePairsTool } from './pairs.js';
import { rankRunsTool } from './sweep.js';

export default definePlugin({
  name: 'studies',
  tools: [rollingCorrelationTool, kalmanTool, simulatePairsTool, factorExposuresTool, longShortTool, rankRunsTool],
});
