/**
 * Intraday bars resampled to N-minute bars within the regular US equity session (9:30-16:00 ET,
 * the time zone of LEAN's equity data). Bars never span two days. Minute input: bucket k of a day
 * covers [9:30 + kN, 9:30 + (k+1)N) cut at 16:00, labelled by its start; bars outside the session
 * are dropped. Hour input: N must be a multiple of 60, and each day's hour bars are taken N/60 at a
 * time from the day's first bar. Open is the first open, high the highest high, low the lowest low,
 * close the last close, volume the sum. Annualisation uses 252 days x ceil(390 / N) bars.
 */
import { ToolError } from '../../../src/tool/results.js';
import { SESSION_CLOSE_MINUTE, SESSION_MINUTES, SESSION_OPEN_MINUTE, TRADING_DAYS_PER_YEAR } from './calendar.js';
import type { Field, Series } from './series.js';

const pad = (n: number) => String(n).padStart(2, '0');
const minuteOf = (stamp: string) => Number(stamp.slice(11, 13)) * 60 + Number(stamp.slice(14, 16));

/** Bars per year for a bar of `minutes` (undefined: daily). */
export function periodsPerYear(minutes: number | undefined): number {
  return minutes === undefined ? TRADING_DAYS_PER_YEAR : TRADING_DAYS_PER_YEAR * Math.ceil(SESSION_MINUTES / minutes);
}

/** A bar size as text: "1d", "60min", "15min". */
export const barLabel = (minutes: number | undefined): string => (minutes === undefined ? '1d' : `${minutes}min`);

/** Resample an intraday series (minute: 1-minute bars; hour: 60-minute bars) to `minutes`-minute bars. */
export function resample(series: Series, from: 'minute' | 'hour', minutes: number): Series {
  const step = from === 'hour' ? 60 : 1;
  if (from === 'hour' && minutes % 60 !== 0)
    throw new ToolError(`hour data can only be resampled to multiples of 60 minutes (got ${minutes}); use resolution "minute" for ${minutes}-minute bars.`);
  if (!Number.isInteger(minutes) || minutes < step || minutes > SESSION_MINUTES)
    throw new ToolError(`bar_minutes must be a whole number from ${step} to ${SESSION_MINUTES} for ${from} data (got ${minutes}).`);
  const f = series.fields;
  const open = f.open ?? series.price;
  const high = f.high ?? series.price;
  const low = f.low ?? series.price;
  const close = f.close ?? series.price;
  const volume = f.volume;
  const out = { dates: [] as string[], open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
  let key = '';
  let hourCount = 0;
  let hourDay = '';
  for (let i = 0; i < series.dates.length; i++) {
    const stamp = series.dates[i] as string;
    const day = stamp.slice(0, 10);
    let label: string;
    if (from === 'minute') {
      const m = minuteOf(stamp);
      if (m < SESSION_OPEN_MINUTE || m >= SESSION_CLOSE_MINUTE) continue;
      const start = SESSION_OPEN_MINUTE + Math.floor((m - SESSION_OPEN_MINUTE) / minutes) * minutes;
      label = `${day}T${pad(Math.floor(start / 60))}:${pad(start % 60)}`;
    } else {
      if (day !== hourDay) {
        hourDay = day;
        hourCount = 0;
      }
      if (hourCount % (minutes / 60) === 0) label = stamp;
      else label = key;
      hourCount++;
    }
    if (label !== key) {
      key = label;
      out.dates.push(label);
      out.open.push(open[i] as number);
      out.high.push(high[i] as number);
      out.low.push(low[i] as number);
      out.close.push(close[i] as number);
      out.volume.push(volume ? (volume[i] as number) : 0);
    } else {
      const k = out.dates.length - 1;
      out.high[k] = Math.max(out.high[k] as number, high[i] as number);
      out.low[k] = Math.min(out.low[k] as number, low[i] as number);
      out.close[k] = close[i] as number;
      out.volume[k] = (out.volume[k] as number) + (volume ? (volume[i] as number) : 0);
    }
  }
  if (out.dates.length === 0) throw new ToolError(`${series.symbol}: no ${from} bars inside the 9:30-16:00 ET session to resample.`);
  const fields: Partial<Record<Field, number[]>> = {
    open: out.open,
    high: out.high,
    low: out.low,
    close: out.close,
    ...(volume ? { volume: out.volume } : {}),
  };
  return { ...series, dates: out.dates, price: out.close, fields, bar_minutes: minutes };
}
