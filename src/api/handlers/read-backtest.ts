/**
 * read_backtest: a compact summary by default (state, key and runtime statistics, the error with a
 * hint) and resource links to the rest; `include` adds named parts of the payload, `full` returns it all.
 */
import { backtestLinks, summariseBacktest, type Json } from '../backtest-summary.js';
import { callUpstream } from '../upstream.js';
import type { ToolReturn } from '../../tool/tool.js';
import type { ApiHandlerInput } from './handler.js';

/** include name -> the backtest payload's field. */
export const BACKTEST_PARTS: Record<string, string> = {
  statistics: 'statistics',
  charts: 'charts',
  rolling_window: 'rollingWindow',
  total_performance: 'totalPerformance',
  alpha_runtime_statistics: 'alphaRuntimeStatistics',
  parameters: 'parameterSet',
};

export async function readBacktest({ spec, body, args, ctx, schemas }: ApiHandlerInput): Promise<ToolReturn> {
  const full = await callUpstream(spec, body, ctx, schemas);
  const include = Array.isArray(args.include) ? (args.include as string[]) : [];
  if (include.includes('full')) return full;
  const backtest = (full.structured.backtest ?? {}) as Json;
  const projectId = Number(body.projectId);
  const summary = summariseBacktest(backtest, projectId);
  // The parameters the backtest ran with, as the API echoes them (values as strings): small, and what callers check.
  const parameterSet = backtest.parameterSet;
  if (parameterSet && typeof parameterSet === 'object' && Object.keys(parameterSet).length > 0) summary.parameterSet = parameterSet;
  for (const part of include) {
    const field = BACKTEST_PARTS[part];
    if (field && backtest[field] !== undefined) summary[part] = backtest[field];
  }
  return {
    structured: { backtest: summary },
    ...(full.meta ? { meta: full.meta } : {}),
    content: backtestLinks(projectId, backtest),
  };
}
