/**
 * LEAN's default charts for a simulated run, in the API's chart shape: Strategy Equity, Drawdown,
 * Benchmark, Exposure, Capacity, Portfolio Turnover, Assets Sales Volume and Portfolio Margin,
 * each with LEAN's series names and values derived from the run (not from LEAN itself).
 */
import { window, type SimulatedRun } from './simulate.js';

export const DEFAULT_CHARTS = [
  'Strategy Equity',
  'Drawdown',
  'Benchmark',
  'Exposure',
  'Capacity',
  'Portfolio Turnover',
  'Assets Sales Volume',
  'Portfolio Margin',
] as const;

interface SeriesDef {
  name: string;
  unit: string;
  /** LEAN's SeriesType: 0 line, 2 bar, 5 stacked area. */
  seriesType: number;
  values: number[];
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
const r4 = (x: number): number => Math.round(x * 10000) / 10000;

function symbolsOf(run: SimulatedRun): string[] {
  return [...new Set(run.orders.map((o) => o.symbol))].sort();
}

/** For each day, the orders placed that day. */
function ordersByDay(run: SimulatedRun) {
  const index = new Map(run.times.map((t, i) => [t, i]));
  const days: SimulatedRun['orders'][] = run.times.map(() => []);
  for (const order of run.orders) days[index.get(order.time) ?? 0]?.push(order);
  return days;
}

function seriesOf(run: SimulatedRun, name: string): SeriesDef[] | undefined {
  const n = run.times.length;
  switch (name) {
    case 'Strategy Equity':
      return [
        { name: 'Equity', unit: '$', seriesType: 0, values: run.equity },
        { name: 'Return', unit: '%', seriesType: 2, values: run.equity.map((v, i) => (i === 0 ? 0 : r4((v / (run.equity[i - 1] as number) - 1) * 100))) },
      ];
    case 'Drawdown':
      return [{ name: 'Equity Drawdown', unit: '%', seriesType: 0, values: run.drawdown.map((d) => r2(d * 100)) }];
    case 'Benchmark':
      return [{ name: 'Benchmark', unit: '$', seriesType: 0, values: run.benchmark }];
    case 'Exposure':
      return [
        { name: 'Equity - Long Ratio', unit: '', seriesType: 0, values: run.equity.map((_, i) => r4(0.9 + 0.08 * Math.sin(i / 9))) },
        { name: 'Equity - Short Ratio', unit: '', seriesType: 0, values: run.equity.map(() => 0) },
      ];
    case 'Capacity':
      return [{ name: 'Strategy Capacity', unit: '$', seriesType: 0, values: run.benchmark.map((b) => Math.round(b * 50)) }];
    case 'Portfolio Turnover': {
      const days = ordersByDay(run);
      return [
        {
          name: 'Portfolio Turnover',
          unit: '%',
          seriesType: 0,
          values: days.map((orders, i) => r4((orders.reduce((s, o) => s + Math.abs(o.price * o.quantity), 0) / (run.equity[i] as number)) * 100)),
        },
      ];
    }
    case 'Assets Sales Volume': {
      const days = ordersByDay(run);
      return symbolsOf(run).map((symbol) => {
        let total = 0;
        return {
          name: symbol,
          unit: '$',
          seriesType: 0,
          values: days.map((orders) => {
            total += orders.filter((o) => o.symbol === symbol).reduce((s, o) => s + Math.abs(o.price * o.quantity), 0);
            return r2(total);
          }),
        };
      });
    }
    case 'Portfolio Margin': {
      const symbols = symbolsOf(run);
      return symbols.map((symbol) => ({ name: symbol, unit: '%', seriesType: 5, values: Array.from({ length: n }, () => r2(95 / symbols.length)) }));
    }
    default:
      return undefined;
  }
}

/** A chart of the run in the API's shape ([time, value] points within [start, end], at most `count`). */
export function defaultChart(run: SimulatedRun, name: string, start: number, end: number, count: number) {
  const series = seriesOf(run, name);
  if (!series) return undefined;
  return {
    name,
    chartType: 0,
    series: Object.fromEntries(
      series.map((s, index) => [
        s.name,
        { name: s.name, unit: s.unit, index, values: window(run.times, s.values, start, end, count).map(([t, v]) => [t, v]), seriesType: s.seriesType },
      ]),
    ),
  };
}
