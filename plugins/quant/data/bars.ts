/**
 * One symbol's bars from a source, as the tools ask for them: daily, hour or minute, optionally
 * resampled to N-minute session bars; each series says what it is (data_source) and its bar size.
 */
import { ToolError } from '../../../src/tool/results.js';
import type { ToolContext } from '../../../src/tool/tool.js';
import { resample } from './resample.js';
import type { PriceSource, Resolution, Series } from './source.js';

export async function loadBars(
  src: PriceSource,
  symbol: string,
  start: string,
  end: string,
  resolution: Resolution,
  barMinutes: number | undefined,
  ctx: ToolContext,
): Promise<Series> {
  if (barMinutes !== undefined && resolution === 'daily')
    throw new ToolError('bar_minutes resamples intraday bars: use it with resolution "minute" or "hour".');
  const loaded = await src.load(symbol, start, end, resolution, ctx);
  const series: Series = {
    ...loaded,
    data_source: loaded.data_source ?? src.kind,
    ...(resolution === 'daily' ? {} : { bar_minutes: loaded.bar_minutes ?? (resolution === 'hour' ? 60 : 1) }),
  };
  if (barMinutes === undefined || barMinutes === series.bar_minutes) return series;
  return resample(series, resolution === 'hour' ? 'hour' : 'minute', barMinutes);
}
