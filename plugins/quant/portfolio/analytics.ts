/**
 * Portfolio paths and performance figures on simple daily returns, as the tool docs define them.
 * Holdings drift with prices between rebalances and reset to the target weights after the close of
 * each rebalance date (the last trading day of the week, month or quarter; every day for daily).
 * Cash (1 - sum of weights) earns nothing. Checked against scripts/golden/portfolio_golden.py.
 */

export const PERIODS_PER_YEAR = 252;
export const REBALANCE = ['none', 'daily', 'weekly', 'monthly', 'quarterly'] as const;
export type Rebalance = (typeof REBALANCE)[number];

/** The period a date (YYYY-MM-DD...) falls in: its week's Monday, its month or its quarter. */
function periodKey(date: string, freq: 'weekly' | 'monthly' | 'quarterly'): string {
  if (freq === 'monthly') return date.slice(0, 7);
  if (freq === 'quarterly') return `${date.slice(0, 4)}Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3)}`;
  const day = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * 86_400_000).toISOString().slice(0, 10);
}

/** rebalance[t]: reset to the targets after the close of dates[t] (never after the last date). */
export function rebalanceDates(dates: string[], freq: Rebalance): boolean[] {
  const n = dates.length;
  if (freq === 'none') return new Array<boolean>(n).fill(false);
  if (freq === 'daily') return dates.map((_, t) => t < n - 1);
  const keys = dates.map((d) => periodKey(d, freq));
  return keys.map((k, t) => t < n - 1 && keys[t + 1] !== k);
}

export interface Path {
  /** Portfolio return on dates[1..]. */
  returns: Float64Array;
  /** Sum of |target - drifted weight| over every rebalance (traded value / NAV, both sides). */
  turnover: number;
  /** Per asset: the sum over days of its weight times its return. */
  contributions: Float64Array;
  rebalances: number;
}

/** Simulate target weights over asset returns (returns[i][t] is asset i's return on dates[t + 1]). */
export function simulate(returns: ArrayLike<number>[], dates: string[], weights: number[], freq: Rebalance): Path {
  const n = weights.length;
  const days = dates.length - 1;
  const reset = rebalanceDates(dates, freq);
  const h = Float64Array.from(weights);
  const out = new Float64Array(days);
  const contributions = new Float64Array(n);
  let turnover = 0;
  let rebalances = 0;
  for (let t = 0; t < days; t++) {
    let port = 0;
    for (let i = 0; i < n; i++) port += (h[i] as number) * (returns[i] as ArrayLike<number>)[t]!;
    out[t] = port;
    for (let i = 0; i < n; i++) {
      const r = (returns[i] as ArrayLike<number>)[t]!;
      contributions[i] = (contributions[i] as number) + (h[i] as number) * r;
      h[i] = ((h[i] as number) * (1 + r)) / (1 + port);
    }
    if (reset[t + 1] && t + 1 < days) {
      for (let i = 0; i < n; i++) turnover += Math.abs((weights[i] as number) - (h[i] as number));
      h.set(weights);
      rebalances++;
    }
  }
  return { returns: out, turnover, contributions, rebalances };
}

const mean = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] as number;
  return s / x.length;
};
function covariance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = mean(x);
  const my = mean(y);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += ((x[i] as number) - mx) * ((y[i] as number) - my);
  return s / (x.length - 1);
}
const std = (x: ArrayLike<number>): number => Math.sqrt(covariance(x, x));

export interface Performance {
  total_return: number;
  cagr: number;
  annual_volatility: number;
  sharpe_ratio: number | null;
  sortino_ratio: number | null;
  max_drawdown: number;
  peak_date: string;
  trough_date: string;
  recovery_date: string | null;
  calmar_ratio: number | null;
  hit_rate: number;
  turnover: number;
  beta?: number | null;
  alpha?: number | null;
  tracking_error?: number;
  information_ratio?: number | null;
}

/** A ratio, or null when the denominator is zero (a constant series has no Sharpe ratio). */
const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/**
 * Figures of a return series r on dates[1..] (dates[0] is the start, NAV 1). Annualised with
 * periodsPerYear (252 for daily bars; intraday bars pass their bars per year); risk_free_rate is
 * annual and enters as rate / periodsPerYear per bar.
 */
export function performance(
  r: Float64Array,
  dates: string[],
  turnover: number,
  riskFreeRate: number,
  benchmark?: ArrayLike<number>,
  periodsPerYear = PERIODS_PER_YEAR,
): Performance {
  const n = r.length;
  const nav = new Float64Array(n + 1);
  nav[0] = 1;
  for (let t = 0; t < n; t++) nav[t + 1] = (nav[t] as number) * (1 + (r[t] as number));
  const total = (nav[n] as number) - 1;
  const cagr = (1 + total) ** (periodsPerYear / n) - 1;
  const sd = std(r);
  const rfDaily = riskFreeRate / periodsPerYear;
  const excess = mean(r) - rfDaily;
  let downside = 0;
  let hits = 0;
  for (let t = 0; t < n; t++) {
    const v = r[t] as number;
    if (v < 0) downside += v * v;
    if (v > 0) hits++;
  }
  downside = Math.sqrt(downside / n) * Math.sqrt(periodsPerYear);
  let peak = 0;
  let worst = 0;
  let worstPeak = 0;
  let trough = 0;
  for (let t = 1; t <= n; t++) {
    if ((nav[t] as number) > (nav[peak] as number)) peak = t;
    const dd = (nav[t] as number) / (nav[peak] as number) - 1;
    if (dd < worst) {
      worst = dd;
      trough = t;
      worstPeak = peak;
    }
  }
  let recovery: string | null = null;
  for (let t = trough; t <= n && worst < 0; t++) {
    if ((nav[t] as number) >= (nav[worstPeak] as number)) {
      recovery = dates[t] as string;
      break;
    }
  }
  const out: Performance = {
    total_return: total,
    cagr,
    annual_volatility: sd * Math.sqrt(periodsPerYear),
    sharpe_ratio: ratio(excess * Math.sqrt(periodsPerYear), sd),
    sortino_ratio: ratio(excess * periodsPerYear, downside),
    max_drawdown: worst,
    peak_date: dates[worstPeak] as string,
    trough_date: dates[trough] as string,
    recovery_date: recovery,
    calmar_ratio: ratio(cagr, Math.abs(worst)),
    hit_rate: hits / n,
    turnover,
  };
  if (benchmark) {
    const varB = covariance(benchmark, benchmark);
    const beta = ratio(covariance(r, benchmark), varB);
    const active = Float64Array.from(r, (v, t) => v - (benchmark[t] as number));
    const te = std(active) * Math.sqrt(periodsPerYear);
    out.beta = beta;
    out.alpha = beta === null ? null : (excess - beta * (mean(benchmark) - rfDaily)) * periodsPerYear;
    out.tracking_error = te;
    out.information_ratio = ratio(mean(active) * periodsPerYear, te);
  }
  return out;
}

/** Σ w_i σ_i / σ_p: above 1 when the assets diversify each other. */
export function diversificationRatio(weights: number[], cov: Float64Array): number {
  const p = weights.length;
  let weighted = 0;
  let variance = 0;
  for (let i = 0; i < p; i++) {
    weighted += (weights[i] as number) * Math.sqrt(cov[i * p + i] as number);
    for (let j = 0; j < p; j++) variance += (weights[i] as number) * (weights[j] as number) * (cov[i * p + j] as number);
  }
  return weighted / Math.sqrt(variance);
}
