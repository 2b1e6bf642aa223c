/**
 * A backtest tear sheet: from the equity and benchmark charts to daily closes, returns, drawdown,
 * monthly returns and a 63-day rolling Sharpe ratio, the figures as numbers, and one PNG with the
 * equity curve against the benchmark, the drawdown, a monthly returns heatmap and the rolling Sharpe.
 */
import type { TopLevelSpec } from 'vega-lite';
import { PERIODS_PER_YEAR as DAYS, performance } from '../quant/portfolio/analytics.js';

export const ROLLING = 63;

/** Chart points to one value per UTC date (the day's last): [t, v], [t, o, h, l, c] or {x, y}. */
export function dailyCloses(points: unknown[]): { date: string; value: number }[] {
  const byDate = new Map<string, number>();
  for (const p of points) {
    let t: number | undefined;
    let v: number | undefined;
    if (Array.isArray(p) && p.length >= 2) {
      t = Number(p[0]);
      v = Number(p[p.length - 1]);
    } else if (p && typeof p === 'object') {
      const o = p as { x?: unknown; y?: unknown };
      t = Number(o.x);
      v = Number(o.y);
    }
    if (t === undefined || v === undefined || !Number.isFinite(t) || !Number.isFinite(v)) continue;
    byDate.set(new Date(t > 1e11 ? t : t * 1000).toISOString().slice(0, 10), v);
  }
  return [...byDate.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([date, value]) => ({ date, value }));
}

/**
 * The equity curve from the backtest's starting equity: LEAN's equity chart may begin at the first
 * close, after the first day's return, so the starting cash is put in front of it (dated the
 * backtest's start, or the day before the first point) unless the curve already starts there.
 */
export function fromStartingEquity(
  equity: { date: string; value: number }[],
  startEquity: number | undefined,
  startDate?: string,
): { date: string; value: number }[] {
  const first = equity[0];
  if (!first || startEquity === undefined || !(startEquity > 0) || first.value === startEquity) return equity;
  const before = new Date(Date.parse(`${first.date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const date = startDate && startDate.slice(0, 10) < first.date ? startDate.slice(0, 10) : before;
  return [{ date, value: startEquity }, ...equity];
}

export interface TearSheet {
  total_return: number;
  cagr: number;
  annual_volatility: number;
  sharpe_ratio: number | null;
  max_drawdown: number;
  benchmark_total_return: number | null;
  monthly_returns: { month: string; return: number }[];
  days: number;
}

export interface TearSheetSeries {
  equity: { date: string; value: number; series: string }[];
  drawdown: { date: string; drawdown: number }[];
  monthly: { year: string; month: string; return: number }[];
  rolling: { date: string; sharpe: number }[];
}

export function tearSheet(
  equity: { date: string; value: number }[],
  benchmark: { date: string; value: number }[],
): { figures: TearSheet; series: TearSheetSeries } {
  const returns = equity.slice(1).map((p, i) => p.value / (equity[i] as { value: number }).value - 1);
  const n = returns.length;
  const whole = performance(
    Float64Array.from(returns),
    equity.map((p) => p.date),
    0,
    0,
  );
  const first = (equity[0] as { value: number }).value;
  let peak = -Infinity;
  const drawdown = equity.map((p) => {
    peak = Math.max(peak, p.value);
    return { date: p.date, drawdown: p.value / peak - 1 };
  });
  const monthEnd = new Map<string, number>();
  for (const p of equity) monthEnd.set(p.date.slice(0, 7), p.value);
  const months = [...monthEnd.entries()];
  const monthly = months.map(([month, value], i) => ({ month, return: value / (i === 0 ? first : (months[i - 1] as [string, number])[1]) - 1 }));
  const rolling: { date: string; sharpe: number }[] = [];
  for (let t = ROLLING; t <= n; t++) {
    const w = returns.slice(t - ROLLING, t);
    const m = w.reduce((s, r) => s + r, 0) / ROLLING;
    const s = Math.sqrt(w.reduce((acc, r) => acc + (r - m) ** 2, 0) / (ROLLING - 1));
    if (s > 0) rolling.push({ date: (equity[t] as { date: string }).date, sharpe: (m / s) * Math.sqrt(DAYS) });
  }
  const bFirst = benchmark[0]?.value;
  const bLast = benchmark.at(-1)?.value;
  const figures: TearSheet = {
    total_return: whole.total_return,
    cagr: whole.cagr,
    annual_volatility: whole.annual_volatility,
    sharpe_ratio: whole.sharpe_ratio,
    max_drawdown: whole.max_drawdown,
    benchmark_total_return: bFirst && bLast ? bLast / bFirst - 1 : null,
    monthly_returns: monthly,
    days: equity.length,
  };
  const scaled = [
    ...equity.map((p) => ({ date: p.date, value: p.value / first, series: 'Strategy' })),
    ...(bFirst ? benchmark.map((p) => ({ date: p.date, value: p.value / bFirst, series: 'Benchmark' })) : []),
  ];
  return {
    figures,
    series: { equity: scaled, drawdown, monthly: monthly.map((m) => ({ year: m.month.slice(0, 4), month: m.month.slice(5, 7), return: m.return })), rolling },
  };
}

const WIDTH = 640;

export function tearSheetSpec(title: string, s: TearSheetSeries): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    vconcat: [
      {
        title: 'Growth of 1 (strategy against benchmark)',
        width: WIDTH,
        height: 180,
        data: { values: s.equity },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'date', type: 'temporal', title: null, axis: { format: '%b %Y', labelOverlap: true } },
          y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: ['Strategy', 'Benchmark'], range: ['#1f5fa8', '#9a9a9a'] },
            legend: { orient: 'top-left' },
          },
        },
      },
      {
        title: 'Drawdown',
        width: WIDTH,
        height: 90,
        data: { values: s.drawdown },
        mark: { type: 'area', color: '#c0392b', opacity: 0.7 },
        encoding: {
          x: { field: 'date', type: 'temporal', title: null, axis: { format: '%b %Y', labelOverlap: true } },
          y: { field: 'drawdown', type: 'quantitative', axis: { format: '.0%' }, title: null },
        },
      },
      {
        title: 'Monthly returns',
        width: WIDTH,
        height: { step: 22 },
        data: { values: s.monthly },
        encoding: { x: { field: 'month', type: 'ordinal', title: null }, y: { field: 'year', type: 'ordinal', title: null } },
        layer: [
          { mark: 'rect', encoding: { color: { field: 'return', type: 'quantitative', scale: { scheme: 'redyellowgreen', domainMid: 0 }, legend: null } } },
          { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'return', type: 'quantitative', format: '.1%' } } },
        ],
      },
      {
        title: `Rolling Sharpe ratio (${ROLLING} days)`,
        width: WIDTH,
        height: 90,
        data: { values: s.rolling },
        layer: [
          {
            mark: { type: 'line', color: '#6c3483', strokeWidth: 1.2 },
            encoding: {
              x: { field: 'date', type: 'temporal', title: null, axis: { format: '%b %Y', labelOverlap: true } },
              y: { field: 'sharpe', type: 'quantitative', title: null },
            },
          },
          { mark: { type: 'rule', color: '#888', strokeDash: [3, 3] }, encoding: { y: { datum: 0 } } },
        ],
      },
    ],
  } as TopLevelSpec;
}
