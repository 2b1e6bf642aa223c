/**
 * The live guard's rules, evaluated: pure functions of one deployment's figures (its equity
 * history, its last fill, its launch) and a clock. No I/O; src/server/guard.ts gathers the figures
 * and acts on the breaches.
 *
 * Definitions (docs/operators.md, "Live guard"):
 * - daily loss: (opening - now) / opening, the opening being the last equity at or before 00:00 UTC
 *   today, or the first of today for a deployment launched today;
 * - drawdown: (peak - now) / peak over the whole history;
 * - loss_sigma: today's return (now against the last close before today) below -k times the sample
 *   standard deviation (n - 1) of the completed daily returns (close to close, UTC days), once at
 *   least min_days of them exist;
 * - idle: hours since the last fill (or the launch, without one).
 */
import { conditionOf, SIGMA_MIN_DAYS_DEFAULT, type GuardAction, type GuardCondition, type GuardRule } from '../config/guard-schema.js';

export interface EquityPoint {
  ms: number;
  equity: number;
}

export interface DeploymentFigures {
  /** Equity over time, any order; the latest point is the current equity. */
  equity: EquityPoint[];
  /** Time of the last fill, when there was one. */
  lastFillMs?: number | undefined;
  launchedMs?: number | undefined;
}

/** What the rules measured, for status and the audit. */
export interface Measured {
  equity: number | null;
  dailyOpen: number | null;
  dailyLossPct: number | null;
  peak: number | null;
  drawdownPct: number | null;
  /** Today's return, in percent. */
  todayReturnPct: number | null;
  /** Sample standard deviation of the completed daily returns, in percent. */
  dailySigmaPct: number | null;
  completedDays: number;
  idleHours: number | null;
}

export interface Evaluation {
  rule: number;
  condition: GuardCondition;
  threshold: number;
  action: GuardAction;
  /** The figure compared with the threshold (percent, sigmas or hours); null when it cannot be told. */
  value: number | null;
  breached: boolean;
  /** Why the rule cannot be told yet (too little history), when it cannot. */
  pending?: string;
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Daily closes: the last equity of each UTC day, oldest first. */
export function dailyCloses(points: readonly EquityPoint[]): { day: number; equity: number }[] {
  const closes = new Map<number, number>();
  for (const p of [...points].sort((a, b) => a.ms - b.ms)) closes.set(dayOf(p.ms), p.equity);
  return [...closes.entries()].map(([day, equity]) => ({ day, equity }));
}

/** Sample standard deviation (n - 1). */
export function sampleStd(xs: readonly number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
}

export function measure(figures: DeploymentFigures, nowMs: number): Measured {
  const points = [...figures.equity].filter((p) => Number.isFinite(p.equity) && p.ms <= nowMs).sort((a, b) => a.ms - b.ms);
  const last = points.at(-1);
  const lastActivity = figures.lastFillMs ?? figures.launchedMs;
  const idleHours = lastActivity === undefined ? null : round((nowMs - lastActivity) / 3_600_000, 3);
  if (!last)
    return {
      equity: null,
      dailyOpen: null,
      dailyLossPct: null,
      peak: null,
      drawdownPct: null,
      todayReturnPct: null,
      dailySigmaPct: null,
      completedDays: 0,
      idleHours,
    };
  const today = dayOf(nowMs);
  const before = points.filter((p) => dayOf(p.ms) < today).at(-1);
  const dailyOpen = (before ?? points.find((p) => dayOf(p.ms) === today) ?? last).equity;
  const peak = Math.max(...points.map((p) => p.equity));
  const closes = dailyCloses(points.filter((p) => dayOf(p.ms) < today));
  const returns = closes.slice(1).map((c, i) => c.equity / (closes[i] as { equity: number }).equity - 1);
  return {
    equity: last.equity,
    dailyOpen,
    dailyLossPct: dailyOpen > 0 ? round(((dailyOpen - last.equity) / dailyOpen) * 100) : null,
    peak,
    drawdownPct: peak > 0 ? round(((peak - last.equity) / peak) * 100) : null,
    todayReturnPct: before && before.equity > 0 ? round((last.equity / before.equity - 1) * 100) : null,
    dailySigmaPct: returns.length >= 2 ? round(sampleStd(returns) * 100, 6) : null,
    completedDays: returns.length,
    idleHours,
  };
}

/** Every rule against one deployment's figures. */
export function evaluateRules(rules: readonly GuardRule[], measured: Measured): Evaluation[] {
  return rules.map((rule, index) => {
    const { condition, threshold } = conditionOf(rule);
    const base = { rule: index, condition, threshold, action: rule.action };
    switch (condition) {
      case 'max_daily_loss_pct':
        return { ...base, value: measured.dailyLossPct, breached: measured.dailyLossPct !== null && measured.dailyLossPct >= threshold };
      case 'max_drawdown_pct':
        return { ...base, value: measured.drawdownPct, breached: measured.drawdownPct !== null && measured.drawdownPct >= threshold };
      case 'idle_hours':
        return { ...base, value: measured.idleHours, breached: measured.idleHours !== null && measured.idleHours >= threshold };
      case 'loss_sigma': {
        const minDays = rule.min_days ?? SIGMA_MIN_DAYS_DEFAULT;
        if (measured.completedDays < minDays || !measured.dailySigmaPct || measured.todayReturnPct === null) {
          return { ...base, value: null, breached: false, pending: `needs ${minDays} completed daily returns, has ${measured.completedDays}` };
        }
        const sigmas = round(-measured.todayReturnPct / measured.dailySigmaPct);
        return { ...base, value: sigmas, breached: sigmas >= threshold };
      }
    }
  });
}
