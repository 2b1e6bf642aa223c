/**
 * The simulated market's generator: deterministic daily and minute bars from a seed, one symbol at a
 * time and cached. Daily log returns follow a factor model
 *   r(i,t) = mu(i) + b(i) m(t) + f(sector(i), t) + sd(i) e(i,t)
 * with a common market factor m, one factor per sector, and each name's own noise; the planted pairs
 * and basket are built on top in log prices (see sim-universe.ts). Each stream (market, a sector, a
 * name, a name's minute bars on one day) has its own seed derived from the market seed, so a value
 * never depends on which other symbols or dates were asked for first.
 */
import { isTradingDay, SESSION_MINUTES, SESSION_OPEN_MINUTE, tradingDays } from './calendar.js';
import { exp, hashSeed, ln, normals, uniformStream } from './deterministic.js';
import { BASKET, CLUSTER, FIRST_DATE, INDEX_ETF, MARKET, MINUTE_SYMBOLS, PAIRS, SECTOR_SD, simNames, TRENDING, type SimName } from './sim-universe.js';

export interface SimOptions {
  seed: number;
  /** Tickers including the index ETF. */
  symbols: number;
  /** Last date (YYYY-MM-DD), today by default. */
  end: string;
}

export interface DailyBars {
  dates: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** An AR(1) with coefficient 0.5^(1/half_life) and the given stationary standard deviation. */
function ar1(n: number, halfLife: number, sd: number, normal: () => number): Float64Array {
  const phi = exp(ln(0.5) / halfLife);
  const innovation = sd * Math.sqrt(1 - phi * phi);
  const out = new Float64Array(n);
  let s = sd * normal();
  for (let t = 0; t < n; t++) {
    s = phi * s + innovation * normal();
    out[t] = s;
  }
  return out;
}

export class SimMarket {
  readonly names: SimName[];
  readonly dates: string[];
  private readonly sectorOf: Map<string, string>;
  private readonly logCache = new Map<string, Float64Array>();
  private readonly barCache = new Map<string, DailyBars>();
  private readonly factorCache = new Map<string, Float64Array>();
  private readonly minuteCache = new Map<string, DailyBars>();

  constructor(readonly options: SimOptions) {
    this.names = simNames(options.symbols - 1);
    this.sectorOf = new Map(this.names.map((n) => [n.symbol, n.sector]));
    this.dates = tradingDays(FIRST_DATE, options.end);
  }

  has(symbol: string): boolean {
    return symbol === INDEX_ETF || this.sectorOf.has(symbol);
  }

  sector(symbol: string): string | undefined {
    return symbol === INDEX_ETF ? 'Index ETF' : this.sectorOf.get(symbol);
  }

  hasMinutes(symbol: string): boolean {
    return MINUTE_SYMBOLS.includes(symbol) && this.has(symbol);
  }

  /** `count` normal draws from the stream named by `parts`, handed out one at a time. */
  private normal(count: number, ...parts: (string | number)[]): () => number {
    const z = normals(uniformStream(hashSeed(this.options.seed, ...parts)), count);
    let i = 0;
    return () => z[i++] as number;
  }

  private uniform(...parts: (string | number)[]) {
    return uniformStream(hashSeed(this.options.seed, ...parts));
  }

  /** Daily returns of the market factor or a sector factor. */
  private factor(name: string): Float64Array {
    let f = this.factorCache.get(name);
    if (f) return f;
    const normal = this.normal(this.dates.length, 'factor', name);
    const n = this.dates.length;
    f = new Float64Array(n);
    const [mean, sd] = name === 'market' ? [MARKET.mean, MARKET.sd] : [0, name === CLUSTER.sector ? CLUSTER.sd : SECTOR_SD];
    for (let t = 0; t < n; t++) f[t] = mean + sd * normal();
    this.factorCache.set(name, f);
    return f;
  }

  /** A name's starting price, market beta and own volatility, drawn from its own stream. */
  private traits(symbol: string) {
    const u = this.uniform('traits', symbol);
    return {
      start: 20 + 280 * u(),
      beta: 0.7 + 0.6 * u(),
      sd: 0.006 + 0.006 * u(),
      drift: 0.0001 * (u() - 0.3),
      shares: 1e8 * (1 + 30 * u()),
      volume: 2e6 * (1 + 10 * u()),
    };
  }

  /** Log closing prices over the whole calendar. */
  logClose(symbol: string): Float64Array {
    let out = this.logCache.get(symbol);
    if (out) return out;
    const n = this.dates.length;
    out = new Float64Array(n);
    const pair = PAIRS.find((p) => p.y === symbol);
    if (symbol === INDEX_ETF) {
      const m = this.factor('market');
      const normal = this.normal(n, 'tracking', symbol);
      let level = ln(205);
      for (let t = 0; t < n; t++) out[t] = level += (m[t] as number) + 0.0005 * normal();
    } else if (pair) {
      const x = this.logClose(pair.x);
      const s = ar1(n, pair.half_life, pair.spread_sd, this.normal(n + 1, 'spread', symbol));
      const intercept = ln(this.traits(symbol).start) - pair.hedge_ratio * (x[0] as number);
      for (let t = 0; t < n; t++) out[t] = intercept + pair.hedge_ratio * (x[t] as number) + (s[t] as number);
    } else if (symbol === BASKET.y) {
      const legs = BASKET.legs.map((l) => ({ w: l.weight, x: this.logClose(l.x) }));
      const s = ar1(n, BASKET.half_life, BASKET.spread_sd, this.normal(n + 1, 'spread', symbol));
      const intercept = ln(this.traits(symbol).start) - legs.reduce((acc, l) => acc + l.w * (l.x[0] as number), 0);
      for (let t = 0; t < n; t++) out[t] = intercept + legs.reduce((acc, l) => acc + l.w * (l.x[t] as number), 0) + (s[t] as number);
    } else {
      const { start, beta, sd, drift } = this.traits(symbol);
      const m = this.factor('market');
      const f = this.factor(this.sectorOf.get(symbol) as string);
      const normal = this.normal(n, 'own', symbol);
      const trending = symbol === TRENDING.symbol;
      const extra = trending ? TRENDING.extra_drift / 252 : 0;
      let own = 0;
      let level = ln(start);
      for (let t = 0; t < n; t++) {
        own = (trending ? TRENDING.momentum * own : 0) + sd * normal();
        level += drift + extra + beta * (m[t] as number) + (f[t] as number) + own;
        out[t] = level;
      }
    }
    this.logCache.set(symbol, out);
    return out;
  }

  /** Daily bars over the whole calendar (prices to 4 decimals, as LEAN stores them). */
  daily(symbol: string): DailyBars {
    const cached = this.barCache.get(symbol);
    if (cached) return cached;
    const logs = this.logClose(symbol);
    const n = logs.length;
    const normal = this.normal(4 * n, 'bars', symbol);
    const { volume: baseVolume } = this.traits(symbol);
    const bars: DailyBars = {
      dates: this.dates,
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
    };
    let prev = exp(logs[0] as number);
    for (let t = 0; t < n; t++) {
      const c = exp(logs[t] as number);
      const range = Math.abs((logs[t] as number) - (t === 0 ? (logs[t] as number) : (logs[t - 1] as number))) + 0.004;
      const o = prev * exp(0.25 * range * normal());
      bars.open[t] = round4(o);
      bars.close[t] = round4(c);
      bars.high[t] = round4(Math.max(o, c) * exp(0.5 * range * Math.abs(normal())));
      bars.low[t] = round4(Math.min(o, c) * exp(-0.5 * range * Math.abs(normal())));
      bars.volume[t] = Math.round(baseVolume * exp(0.3 * normal() + 20 * range));
      prev = c;
    }
    this.barCache.set(symbol, bars);
    return bars;
  }

  /**
   * One day's 390 minute bars (labelled by their start, 9:30 to 15:59 ET): a Brownian bridge in log
   * price from the day's open to its close, kept within the day's low and high.
   */
  minutes(symbol: string, date: string): DailyBars | undefined {
    if (!this.hasMinutes(symbol) || !isTradingDay(date)) return undefined;
    const key = `${symbol}|${date}`;
    const cached = this.minuteCache.get(key);
    if (cached) return cached;
    const t = this.dates.indexOf(date);
    if (t < 0) return undefined;
    const day = this.daily(symbol);
    const [o, c, h, l, v] = [day.open[t], day.close[t], day.high[t], day.low[t], day.volume[t]] as number[];
    const normal = this.normal(2 * SESSION_MINUTES, 'minutes', symbol, date);
    const steps = SESSION_MINUTES;
    const sd = (ln(h as number) - ln(l as number)) / Math.sqrt(steps) / 2 + 1e-5;
    const walk = new Float64Array(steps + 1);
    for (let k = 1; k <= steps; k++) walk[k] = (walk[k - 1] as number) + sd * normal();
    const target = ln(c as number) - ln(o as number);
    const path = Array.from(walk, (w, k) =>
      Math.min(h as number, Math.max(l as number, exp(ln(o as number) + w - (k / steps) * ((walk[steps] as number) - target)))),
    );
    const bars: DailyBars = {
      dates: [],
      open: new Float64Array(steps),
      high: new Float64Array(steps),
      low: new Float64Array(steps),
      close: new Float64Array(steps),
      volume: new Float64Array(steps),
    };
    let weightSum = 0;
    const weights = Array.from({ length: steps }, (_, k) => {
      const x = (k + 0.5) / steps; // U-shaped intraday volume
      const w = 1 + 3 * (2 * x - 1) ** 2;
      weightSum += w;
      return w;
    });
    for (let k = 0; k < steps; k++) {
      const minute = SESSION_OPEN_MINUTE + k;
      bars.dates.push(`${date}T${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`);
      const a = k === 0 ? (o as number) : (path[k] as number);
      const b = k === steps - 1 ? (c as number) : (path[k + 1] as number);
      const wiggle = exp(sd * 0.3 * Math.abs(normal()));
      bars.open[k] = round4(a);
      bars.close[k] = round4(b);
      bars.high[k] = round4(Math.min(h as number, Math.max(a, b) * wiggle));
      bars.low[k] = round4(Math.max(l as number, Math.min(a, b) / wiggle));
      bars.volume[k] = Math.round(((v as number) * (weights[k] as number)) / weightSum);
    }
    if (this.minuteCache.size > 5000) this.minuteCache.clear();
    this.minuteCache.set(key, bars);
    return bars;
  }

  /** Shares outstanding, for index weights. */
  shares(symbol: string): number {
    return this.traits(symbol).shares;
  }
}
