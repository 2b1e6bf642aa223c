/**
 * Deterministic simulated results: the same project, name and parameters always give the
 * same equity curve, statistics, orders and insights. Everything is labelled as simulated.
 */
export const SIMULATED_NOTE = 'SIMULATED by the quantconnect-mcp sandbox: not real market results.';

/** mulberry32: a small, fast, well-known 32-bit PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashSeed(...parts: (string | number)[]): number {
  let h = 2166136261;
  for (const ch of parts.join('\u0000')) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

export function hexId(seed: number, length = 32): string {
  const next = prng(seed);
  let out = '';
  while (out.length < length) out += Math.floor(next() * 16).toString(16);
  return out;
}

export const START_DATE = Date.UTC(2023, 0, 3);
const DAY = 86_400_000;
export const TRADING_DAYS = 252;
export const START_EQUITY = 100_000;

export interface SimulatedRun {
  /** Unix seconds of each trading day. */
  times: number[];
  equity: number[];
  benchmark: number[];
  drawdown: number[];
  orders: SimOrder[];
  insights: SimInsight[];
}

export interface SimOrder {
  id: number;
  symbol: string;
  time: number;
  quantity: number;
  price: number;
}

export interface SimInsight {
  id: string;
  symbol: string;
  time: number;
  direction: 'up' | 'down' | 'flat';
  period: number;
  confidence: number;
}

const SYMBOLS = ['SPY', 'QQQ', 'AAPL', 'MSFT', 'KO', 'PEP'];

function gaussian(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

export function simulateRun(seed: number, days = TRADING_DAYS): SimulatedRun {
  const next = prng(seed);
  const drift = 0.0002 + next() * 0.0006;
  const vol = 0.006 + next() * 0.01;
  const times: number[] = [];
  const equity: number[] = [];
  const benchmark: number[] = [];
  const drawdown: number[] = [];
  let value = START_EQUITY;
  let bench = START_EQUITY;
  let peak = value;
  let date = START_DATE;
  for (let d = 0; d < days; d++) {
    while ([0, 6].includes(new Date(date).getUTCDay())) date += DAY;
    times.push(date / 1000);
    const market = 0.0003 + 0.009 * gaussian(next);
    value *= 1 + drift + 0.5 * market + vol * gaussian(next);
    bench *= 1 + market;
    peak = Math.max(peak, value);
    equity.push(Math.round(value * 100) / 100);
    benchmark.push(Math.round(bench * 100) / 100);
    drawdown.push(Math.round(((value - peak) / peak) * 1e6) / 1e6);
    date += DAY;
  }
  const orderCount = 20 + Math.floor(next() * 40);
  const orders: SimOrder[] = Array.from({ length: orderCount }, (_, i) => {
    const day = Math.floor((i / orderCount) * days);
    const symbol = SYMBOLS[Math.floor(next() * SYMBOLS.length)] as string;
    return {
      id: i + 1,
      symbol,
      time: times[day] ?? times[0] ?? 0,
      quantity: (i % 2 === 0 ? 1 : -1) * (10 + Math.floor(next() * 90)),
      price: Math.round((50 + next() * 400) * 100) / 100,
    };
  });
  const insightCount = 10 + Math.floor(next() * 30);
  const insights: SimInsight[] = Array.from({ length: insightCount }, (_, i) => ({
    id: hexId(seed + i, 32),
    symbol: SYMBOLS[Math.floor(next() * SYMBOLS.length)] as string,
    time: times[Math.floor((i / insightCount) * days)] ?? 0,
    direction: (['up', 'down', 'flat'] as const)[Math.floor(next() * 3)] ?? 'flat',
    period: 86_400 * (1 + Math.floor(next() * 5)),
    confidence: Math.round(next() * 100) / 100,
  }));
  return { times, equity, benchmark, drawdown, orders, insights };
}

export interface Metrics {
  netProfit: number;
  cagr: number;
  sharpe: number;
  sortino: number;
  drawdown: number;
  volatility: number;
  winRate: number;
  alpha: number;
  beta: number;
  totalOrders: number;
  fees: number;
  endEquity: number;
  /** Annualised mean over annualised standard deviation of daily active returns (strategy minus benchmark). */
  informationRatio: number;
  trackingError: number;
}

export function metrics(run: SimulatedRun): Metrics {
  const returns = run.equity.slice(1).map((v, i) => v / (run.equity[i] as number) - 1);
  const bench = run.benchmark.slice(1).map((v, i) => v / (run.benchmark[i] as number) - 1);
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1));
  const downside = Math.sqrt(returns.reduce((a, r) => a + Math.min(0, r) ** 2, 0) / returns.length);
  const bMean = bench.reduce((a, b) => a + b, 0) / bench.length;
  const cov = returns.reduce((a, r, i) => a + (r - mean) * ((bench[i] as number) - bMean), 0) / (returns.length - 1);
  const bVar = bench.reduce((a, r) => a + (r - bMean) ** 2, 0) / (bench.length - 1);
  const endEquity = run.equity[run.equity.length - 1] ?? START_EQUITY;
  const beta = cov / bVar;
  const active = returns.map((r, i) => r - (bench[i] as number));
  const aMean = active.reduce((a, b) => a + b, 0) / active.length;
  const trackingError = Math.sqrt(active.reduce((a, r) => a + (r - aMean) ** 2, 0) / (active.length - 1)) * Math.sqrt(TRADING_DAYS);
  return {
    netProfit: endEquity / START_EQUITY - 1,
    cagr: (endEquity / START_EQUITY) ** (TRADING_DAYS / returns.length) - 1,
    sharpe: (mean / sd) * Math.sqrt(TRADING_DAYS),
    sortino: (mean / downside) * Math.sqrt(TRADING_DAYS),
    drawdown: -Math.min(...run.drawdown),
    volatility: sd * Math.sqrt(TRADING_DAYS),
    winRate: returns.filter((r) => r > 0).length / returns.length,
    alpha: (mean - beta * bMean) * TRADING_DAYS,
    beta,
    totalOrders: run.orders.length,
    fees: run.orders.length * 1,
    endEquity,
    informationRatio: trackingError > 0 ? (aMean * TRADING_DAYS) / trackingError : 0,
    trackingError,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(3)}%`;
const num = (x: number): string => x.toFixed(3);

/** Statistics in QuantConnect's string form ("12.345%"). */
export function statisticsStrings(m: Metrics): Record<string, string> {
  return {
    'Total Orders': String(m.totalOrders),
    'Compounding Annual Return': pct(m.cagr),
    Drawdown: pct(m.drawdown),
    'Start Equity': String(START_EQUITY),
    'End Equity': m.endEquity.toFixed(2),
    'Net Profit': pct(m.netProfit),
    'Sharpe Ratio': num(m.sharpe),
    'Sortino Ratio': num(m.sortino),
    'Win Rate': pct(m.winRate),
    'Loss Rate': pct(1 - m.winRate),
    Alpha: num(m.alpha),
    Beta: num(m.beta),
    'Annual Standard Deviation': num(m.volatility),
    'Annual Variance': num(m.volatility ** 2),
    'Information Ratio': num(m.informationRatio),
    'Tracking Error': num(m.trackingError),
    'Total Fees': `$${m.fees.toFixed(2)}`,
    'Portfolio Turnover': pct(0.05),
  };
}

export function runtimeStrings(m: Metrics, progress = 1): Record<string, string> {
  const equity = START_EQUITY + (m.endEquity - START_EQUITY) * progress;
  return {
    Equity: `$${equity.toFixed(2)}`,
    Fees: `-$${(m.fees * progress).toFixed(2)}`,
    Holdings: `$${(equity * 0.95).toFixed(2)}`,
    'Net Profit': `$${(equity - START_EQUITY).toFixed(2)}`,
    Return: pct(equity / START_EQUITY - 1),
    Unrealized: '$0.00',
    Volume: `$${(m.totalOrders * 10_000 * progress).toFixed(2)}`,
  };
}

/** Points of a series within [start, end] (unix seconds), thinned to at most `count`. */
export function window<T>(times: number[], values: T[], start: number, end: number, count: number): [number, T][] {
  const picked: [number, T][] = [];
  times.forEach((t, i) => {
    if (t >= start && t <= end) picked.push([t, values[i] as T]);
  });
  if (count <= 0 || picked.length <= count) return picked;
  const step = picked.length / count;
  return Array.from({ length: count }, (_, i) => picked[Math.floor(i * step)] as [number, T]);
}
