/**
 * The backtest tear sheet as a PDF report: key statistics and LEAN's own statistics on the title
 * page, the chart on a page of its own, then monthly returns by year, the worst drawdowns and the
 * largest closed trades as tables.
 */
import type { PdfCell, PdfReport, PdfSection } from '../../src/charts/pdf.js';
import type { TearSheet } from './tearsheet.js';

const pct = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(digits)}%`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface DrawdownPeriod {
  peak: string;
  trough: string;
  recovery: string | null;
  depth: number;
  days: number;
}

/** Drawdown periods (peak to recovery, or to the end when not recovered), deepest first. */
export function drawdownPeriods(equity: { date: string; value: number }[]): DrawdownPeriod[] {
  const out: DrawdownPeriod[] = [];
  let peak = equity[0];
  let open: DrawdownPeriod | undefined;
  const days = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
  for (const p of equity) {
    if (!peak || p.value >= peak.value) {
      if (open) out.push({ ...open, recovery: p.date, days: days(open.peak, p.date) });
      open = undefined;
      peak = p;
      continue;
    }
    const depth = p.value / peak.value - 1;
    if (!open) open = { peak: peak.date, trough: p.date, recovery: null, depth, days: 0 };
    else if (depth < open.depth) Object.assign(open, { trough: p.date, depth });
  }
  const last = equity.at(-1);
  if (open && last) out.push({ ...open, days: days(open.peak, last.date) });
  return out.sort((a, b) => a.depth - b.depth);
}

/** Year rows of monthly returns, with the compounded year in the last column. */
export function monthlyGrid(monthly: { month: string; return: number }[]): PdfCell[][] {
  const years = new Map<string, (number | null)[]>();
  for (const m of monthly) {
    const row = years.get(m.month.slice(0, 4)) ?? Array<number | null>(12).fill(null);
    row[Number(m.month.slice(5, 7)) - 1] = m.return;
    years.set(m.month.slice(0, 4), row);
  }
  return [...years.entries()].map(([year, row]) => [
    year,
    ...row.map((r) => (r === null ? '' : pct(r, 1))),
    pct(row.reduce<number>((acc, r) => acc * (1 + (r ?? 0)), 1) - 1, 1),
  ]);
}

interface ClosedTrade {
  symbols?: { value?: string }[];
  symbol?: { value?: string } | string;
  entryTime?: string;
  exitTime?: string;
  quantity?: number;
  profitLoss?: number;
}

function tradeRows(trades: unknown[]): PdfCell[][] {
  return (trades as ClosedTrade[])
    .filter((t) => typeof t.profitLoss === 'number')
    .sort((a, b) => Math.abs(b.profitLoss as number) - Math.abs(a.profitLoss as number))
    .slice(0, 15)
    .map((t) => [
      (t.symbols?.map((s) => s.value).join(' ') ?? (typeof t.symbol === 'string' ? t.symbol : t.symbol?.value)) || '?',
      String(t.entryTime ?? '').slice(0, 10),
      String(t.exitTime ?? '').slice(0, 10),
      t.quantity ?? '',
      (t.profitLoss as number).toFixed(2),
    ]);
}

interface Order {
  symbol?: { value?: string } | string;
  time?: string;
  quantity?: number;
  price?: number;
  value?: number;
}

/** The largest orders by absolute value, for results without closed trades (the sandbox, some live-like runs). */
function orderRows(orders: unknown[]): PdfCell[][] {
  return (orders as Order[])
    .filter((o) => typeof o.value === 'number' || (typeof o.price === 'number' && typeof o.quantity === 'number'))
    .map((o) => ({ ...o, v: o.value ?? (o.price as number) * (o.quantity as number) }))
    .sort((a, b) => Math.abs(b.v) - Math.abs(a.v))
    .slice(0, 15)
    .map((o) => [
      (typeof o.symbol === 'string' ? o.symbol : o.symbol?.value) || '?',
      String(o.time ?? '').slice(0, 10),
      o.quantity ?? '',
      o.price ?? '',
      o.v.toFixed(2),
    ]);
}

export function tearSheetReport(input: {
  title: string;
  subtitle: string[];
  stamp?: string;
  figures: TearSheet;
  startingEquity: number | null;
  endingEquity: number;
  leanStatistics: Record<string, unknown>;
  png: Buffer | undefined;
  chartNote: string | undefined;
  equity: { date: string; value: number }[];
  closedTrades: unknown[];
  /** The first orders, shown when there are no closed trades. */
  orders: { total: number; items: unknown[] };
}): PdfReport {
  const f = input.figures;
  const key: PdfCell[][] = [
    ['Total return', pct(f.total_return)],
    ['CAGR', pct(f.cagr)],
    ['Annual volatility', pct(f.annual_volatility)],
    ['Sharpe ratio', f.sharpe_ratio === null ? 'n/a' : f.sharpe_ratio.toFixed(3)],
    ['Max drawdown', pct(f.max_drawdown)],
    ['Benchmark total return', pct(f.benchmark_total_return)],
    ['Starting equity', input.startingEquity === null ? 'n/a' : input.startingEquity.toFixed(2)],
    ['Ending equity', input.endingEquity.toFixed(2)],
    ['Trading days', f.days],
  ];
  const lean = Object.entries(input.leanStatistics).map(([k, v]) => [k, String(v)]);
  const trades = tradeRows(input.closedTrades);
  const orders = trades.length ? [] : orderRows(input.orders.items);
  const sections: PdfSection[] = [
    {
      kind: 'table',
      title: 'Key statistics',
      columns: ['Statistic', 'Value'],
      rows: key,
      note: 'From the daily equity curve; Sharpe with a zero risk-free rate.',
    },
    ...(lean.length ? [{ kind: 'table' as const, title: "LEAN's statistics", columns: ['Statistic', 'Value'], rows: lean }] : []),
    input.png
      ? { kind: 'image' as const, title: 'Growth of 1, drawdown, monthly returns, rolling Sharpe', png: input.png }
      : { kind: 'note' as const, title: 'Charts', text: input.chartNote ?? 'The chart could not be drawn.' },
    { kind: 'page' },
    { kind: 'table', title: 'Monthly returns', columns: ['Year', ...MONTHS, 'Total'], rows: monthlyGrid(f.monthly_returns) },
    {
      kind: 'table',
      title: 'Worst drawdowns',
      columns: ['Peak', 'Trough', 'Recovery', 'Depth', 'Days'],
      rows: drawdownPeriods(input.equity)
        .slice(0, 10)
        .map((d) => [d.peak, d.trough, d.recovery ?? 'not recovered', pct(d.depth), d.days]),
    },
    trades.length
      ? { kind: 'table', title: 'Largest closed trades', columns: ['Symbol', 'Entry', 'Exit', 'Quantity', 'P&L'], rows: trades }
      : orders.length
        ? {
            kind: 'table',
            title: 'Largest orders',
            columns: ['Symbol', 'Time', 'Quantity', 'Price', 'Value'],
            rows: orders,
            note: `The backtest result lists no closed trades: the largest of its first ${input.orders.items.length} orders (of ${input.orders.total}) by value.`,
          }
        : { kind: 'note', title: 'Trades', text: 'The backtest result lists no closed trades and no orders.' },
  ];
  return { title: input.title, subtitle: input.subtitle, ...(input.stamp ? { stamp: input.stamp } : {}), sections };
}
