/**
 * Ranking a parameter sweep: optimization results labelled with their statistic names, QuantConnect
 * statistic strings turned into numbers, filters such as "drawdown < 10", and a sort by any statistic.
 */

/** The order of OptimizationBacktest.statistics, as QuantConnect's API spec documents it. */
export const OPTIMIZATION_STATISTICS = [
  'alpha',
  'annual standard deviation',
  'annual variance',
  'average loss (%)',
  'average win (%)',
  'beta',
  'compounding annual return (%)',
  'drawdown (%)',
  'estimated strategy capacity',
  'expectancy',
  'information ratio',
  'loss rate (%)',
  'net profit (%)',
  'probabilistic sharpe ratio',
  'profit-loss ratio',
  'sharpe ratio',
  'total fees',
  'total orders',
  'tracking error',
  'treynor ratio',
  'win rate (%)',
] as const;

/** "Compounding Annual Return", "compounding annual return (%)" -> "compounding_annual_return". */
export const statisticKey = (name: string): string =>
  name
    .toLowerCase()
    .replace(/\(%\)/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

/** "12.345%", "$1,234.50", "-0.5" -> number; undefined when it is not a number. */
export function statisticValue(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const cleaned = raw.replace(/[$,%\s]/g, '');
  if (cleaned === '') return undefined;
  const v = Number(cleaned);
  return Number.isFinite(v) ? v : undefined;
}

/** An optimization's statistics array as {key: value}. */
export function labelOptimizationStatistics(values: unknown[]): Record<string, number> {
  const out: Record<string, number> = {};
  values.forEach((v, i) => {
    const name = OPTIMIZATION_STATISTICS[i];
    const n = statisticValue(v);
    if (name && n !== undefined) out[statisticKey(name)] = n;
  });
  return out;
}

/** A backtest's statistics map {"Sharpe Ratio": "1.23", ...} as {sharpe_ratio: 1.23, ...}. */
export function labelBacktestStatistics(stats: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) {
    const n = statisticValue(v);
    if (n !== undefined) out[statisticKey(k)] = n;
  }
  return out;
}

export interface Filter {
  key: string;
  op: '<' | '<=' | '>' | '>=' | '=';
  value: number;
  text: string;
}

/** "drawdown < 10" (numbers as QuantConnect reports them: percentages in percent). */
export function parseFilter(text: string): Filter | string {
  const m = /^\s*([A-Za-z][A-Za-z0-9 _()%-]*?)\s*(<=|>=|<|>|=)\s*(-?[0-9.]+(?:e-?\d+)?)\s*%?\s*$/.exec(text);
  if (!m) return `filter "${text}" is not "<statistic> <op> <number>" with op one of < <= > >= =`;
  return { key: statisticKey(m[1] as string), op: m[2] as Filter['op'], value: Number(m[3]), text };
}

export function passes(stats: Record<string, number>, f: Filter): boolean {
  const v = stats[f.key];
  if (v === undefined) return false;
  switch (f.op) {
    case '<':
      return v < f.value;
    case '<=':
      return v <= f.value;
    case '>':
      return v > f.value;
    case '>=':
      return v >= f.value;
    default:
      return v === f.value;
  }
}
