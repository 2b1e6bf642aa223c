/**
 * A local, deterministic pairs-trading simulation on aligned bars (research on local data, not a
 * LEAN backtest: fills at the bar's close, no slippage model beyond a cost in basis points).
 * Per pair, given its prices, hedge ratio series (on log prices) and z-score series:
 * - entry at the close of bar t when z crossed beyond +/-entry at bar t-N+1 and stayed beyond it for
 *   N bars (N = confirmation bars), and |z_t| < stop: short the spread above +entry, long below -entry;
 * - exit at the close of the first bar where z is back at exit_z (long: z >= -exit_z; short:
 *   z <= exit_z), or the trade has lasted max_hold bars (k x half-life, rounded up), or the stop
 *   hits (z at or beyond stop against the position); everything still open closes on the last bar;
 * - size: gross pair notional = pair_pct x NAV at entry, y leg = notional / (1 + |b|), x leg = b x
 *   that in the opposite direction (share counts then stay fixed), limited so that the gross value
 *   of open positions stays within max_gross x NAV (an entry with no room is skipped and counted);
 * - costs: cost_bps of the traded notional at entry and at exit.
 */

export interface PairInput {
  name: string;
  y: ArrayLike<number>;
  x: ArrayLike<number>;
  hedge: ArrayLike<number>;
  z: ArrayLike<number>;
  /** Half-life in bars (null: no time exit). */
  halfLife: number | null;
}

export interface Rules {
  entryZ: number;
  exitZ: number;
  stopZ: number;
  confirmBars: number;
  maxHoldHalfLives: number;
  pairPct: number;
  maxGross: number;
  costBps: number;
  capital: number;
}

export interface Trade {
  pair: string;
  side: 'long_spread' | 'short_spread';
  entry_bar: number;
  exit_bar: number;
  entry_z: number;
  exit_z: number;
  hedge_ratio: number;
  notional: number;
  reason: 'mean' | 'time' | 'stop' | 'end';
  pnl: number;
  costs: number;
}

export interface SimResult {
  nav: Float64Array;
  trades: Trade[];
  attribution: { pair: string; pnl: number; trades: number; wins: number; costs: number }[];
  skipped_for_leverage: number;
  /** Share of bars with at least one open position. */
  exposure: number;
  max_gross_leverage: number;
}

interface Open {
  side: 1 | -1;
  qy: number;
  qx: number;
  entryBar: number;
  entryZ: number;
  hedge: number;
  notional: number;
  pnl: number;
  costs: number;
  maxBars: number;
}

export function simulatePairs(pairs: PairInput[], rules: Rules): SimResult {
  const T = pairs[0]?.y.length ?? 0;
  const nav = new Float64Array(T);
  const open: (Open | undefined)[] = pairs.map(() => undefined);
  const trades: Trade[] = [];
  const cost = rules.costBps / 10_000;
  let value = rules.capital;
  let skipped = 0;
  let exposed = 0;
  let maxGross = 0;
  const gross = (t: number) =>
    pairs.reduce((s, p, k) => {
      const o = open[k];
      return o ? s + Math.abs(o.qy) * (p.y[t] as number) + Math.abs(o.qx) * (p.x[t] as number) : s;
    }, 0);
  for (let t = 0; t < T; t++) {
    // Mark to market.
    pairs.forEach((p, k) => {
      const o = open[k];
      if (!o || t === 0) return;
      const pnl = o.qy * ((p.y[t] as number) - (p.y[t - 1] as number)) + o.qx * ((p.x[t] as number) - (p.x[t - 1] as number));
      o.pnl += pnl;
      value += pnl;
    });
    // Exits.
    pairs.forEach((p, k) => {
      const o = open[k];
      if (!o) return;
      const z = p.z[t] as number;
      const reason: Trade['reason'] | undefined =
        -o.side * z >= rules.stopZ
          ? 'stop'
          : (o.side === 1 ? z >= -rules.exitZ : z <= rules.exitZ)
            ? 'mean'
            : t - o.entryBar >= o.maxBars
              ? 'time'
              : t === T - 1
                ? 'end'
                : undefined;
      if (!reason) return;
      const c = cost * (Math.abs(o.qy) * (p.y[t] as number) + Math.abs(o.qx) * (p.x[t] as number));
      value -= c;
      o.costs += c;
      trades.push({
        pair: p.name,
        side: o.side === 1 ? 'long_spread' : 'short_spread',
        entry_bar: o.entryBar,
        exit_bar: t,
        entry_z: o.entryZ,
        exit_z: z,
        hedge_ratio: o.hedge,
        notional: o.notional,
        reason,
        pnl: o.pnl - o.costs,
        costs: o.costs,
      });
      open[k] = undefined;
    });
    // Entries (not on the last bar).
    pairs.forEach((p, k) => {
      if (open[k] || t === T - 1 || t - rules.confirmBars < 0) return;
      const z = p.z[t] as number;
      if (!Number.isFinite(z) || Math.abs(z) >= rules.stopZ) return;
      const beyond = (v: number, side: 1 | -1) => Number.isFinite(v) && (side === -1 ? v >= rules.entryZ : v <= -rules.entryZ);
      for (const side of [-1, 1] as const) {
        let held = true;
        for (let j = 0; j < rules.confirmBars; j++) held &&= beyond(p.z[t - j] as number, side);
        if (!held || beyond(p.z[t - rules.confirmBars] as number, side)) continue;
        const room = rules.maxGross * value - gross(t);
        const notional = Math.min(rules.pairPct * value, room);
        if (!(notional > 0)) {
          skipped++;
          continue;
        }
        const b = p.hedge[t] as number;
        const legY = notional / (1 + Math.abs(b));
        const c = cost * notional;
        value -= c;
        open[k] = {
          side,
          qy: (side * legY) / (p.y[t] as number),
          qx: (-side * b * legY) / (p.x[t] as number),
          entryBar: t,
          entryZ: z,
          hedge: b,
          notional,
          pnl: 0,
          costs: c,
          maxBars: p.halfLife === null ? Infinity : Math.ceil(rules.maxHoldHalfLives * p.halfLife),
        };
      }
    });
    const g = gross(t);
    if (g > 0) exposed++;
    maxGross = Math.max(maxGross, g / value);
    nav[t] = value;
  }
  const attribution = pairs.map((p) => {
    const mine = trades.filter((tr) => tr.pair === p.name);
    return {
      pair: p.name,
      pnl: mine.reduce((s, tr) => s + tr.pnl, 0),
      trades: mine.length,
      wins: mine.filter((tr) => tr.pnl > 0).length,
      costs: mine.reduce((s, tr) => s + tr.costs, 0),
    };
  });
  return { nav, trades, attribution, skipped_for_leverage: skipped, exposure: T > 0 ? exposed / T : 0, max_gross_leverage: maxGross };
}

/** Rolling z-score of s over `lookback` bars ending at t (sample std); NaN before the window fills. */
export function rollingZ(s: ArrayLike<number>, lookback: number): Float64Array {
  const n = s.length;
  const out = new Float64Array(n).fill(NaN);
  for (let t = lookback - 1; t < n; t++) {
    let m = 0;
    for (let j = t - lookback + 1; j <= t; j++) m += s[j] as number;
    m /= lookback;
    let v = 0;
    for (let j = t - lookback + 1; j <= t; j++) v += ((s[j] as number) - m) ** 2;
    const sd = Math.sqrt(v / (lookback - 1));
    out[t] = sd > 0 ? ((s[t] as number) - m) / sd : 0;
  }
  return out;
}

/** Figures of a NAV path with `periods` bars a year. */
export function navStatistics(nav: ArrayLike<number>, capital: number, periods: number) {
  const n = nav.length;
  const r = Float64Array.from({ length: n }, (_, t) => (nav[t] as number) / (t === 0 ? capital : (nav[t - 1] as number)) - 1);
  const mean = r.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  let peak = capital;
  let mdd = 0;
  for (let t = 0; t < n; t++) {
    peak = Math.max(peak, nav[t] as number);
    mdd = Math.min(mdd, (nav[t] as number) / peak - 1);
  }
  const total = (nav[n - 1] as number) / capital - 1;
  return {
    total_return: total,
    annual_return: (1 + total) ** (periods / n) - 1,
    annual_volatility: sd * Math.sqrt(periods),
    sharpe_ratio: sd > 0 ? (mean / sd) * Math.sqrt(periods) : null,
    max_drawdown: mdd,
    returns: r,
  };
}
