/**
 * The guard's rules on synthetic figures: loss_sigma on a return history whose standard deviation is
 * known in closed form, idle_hours and the daily loss on a clock the test sets, and the `guard:`
 * section's schema.
 */
import { describe, expect, it } from 'vitest';
import { GuardSectionSchema } from '../../src/config/guard-schema.js';
import { evaluateRules, measure, type EquityPoint } from '../../src/policy/guard-rules.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1, 21, 0); // a close at 21:00 UTC each day

/** Equity closing each day after compounding the given daily returns, then `todayReturn` at 15:00 UTC today. */
function history(returns: number[], todayReturn: number): { points: EquityPoint[]; now: number } {
  const points: EquityPoint[] = [{ ms: T0, equity: 100_000 }];
  for (const r of returns) points.push({ ms: (points.at(-1) as EquityPoint).ms + DAY, equity: (points.at(-1) as EquityPoint).equity * (1 + r) });
  const now = (points.at(-1) as EquityPoint).ms + 18 * HOUR; // 15:00 UTC the next day
  points.push({ ms: now, equity: (points.at(-1) as EquityPoint).equity * (1 + todayReturn) });
  return { points, now };
}

/** Twenty daily returns alternating +1 % and -1 %: mean 0, sample standard deviation 1 % x sqrt(20/19). */
const ALTERNATING = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0.01 : -0.01));
const SIGMA_PCT = Math.sqrt(20 / 19);

const rules = (section: unknown) => GuardSectionSchema.parse(section).rules;

describe('loss_sigma', () => {
  const sigmaRule = rules({ rules: [{ loss_sigma: 3, action: 'liquidate' }] });

  it('measures the sample standard deviation of the completed daily returns', () => {
    const { points, now } = history(ALTERNATING, -0.001);
    const m = measure({ equity: points }, now);
    expect(m.completedDays).toBe(20);
    expect(m.dailySigmaPct).toBeCloseTo(SIGMA_PCT, 6);
    expect(m.todayReturnPct).toBeCloseTo(-0.1, 6);
  });

  it('fires on a one-day loss beyond 3 sigma (-3.2 % is 3.12 sigma) and not within it (-3.0 % is 2.92 sigma)', () => {
    const beyond = history(ALTERNATING, -0.032);
    const [fired] = evaluateRules(sigmaRule, measure({ equity: beyond.points }, beyond.now));
    expect(fired).toMatchObject({ condition: 'loss_sigma', threshold: 3, action: 'liquidate', breached: true });
    expect(fired?.value).toBeCloseTo(3.2 / SIGMA_PCT, 3);
    const within = history(ALTERNATING, -0.03);
    const [quiet] = evaluateRules(sigmaRule, measure({ equity: within.points }, within.now));
    expect(quiet?.breached).toBe(false);
    expect(quiet?.value).toBeCloseTo(3.0 / SIGMA_PCT, 3);
  });

  it('does not fire below its minimum history (default 20 completed daily returns), and says why', () => {
    const short = history(ALTERNATING.slice(0, 19), -0.2);
    const [e] = evaluateRules(sigmaRule, measure({ equity: short.points }, short.now));
    expect(e).toMatchObject({ breached: false, value: null, pending: 'needs 20 completed daily returns, has 19' });
    const [custom] = evaluateRules(rules({ rules: [{ loss_sigma: 3, min_days: 10, action: 'stop' }] }), measure({ equity: short.points }, short.now));
    expect(custom?.breached).toBe(true);
  });
});

describe('idle_hours on a controlled clock', () => {
  const idle = rules({ rules: [{ idle_hours: 24, action: 'notify' }] });
  const launched = Date.UTC(2025, 5, 2, 9, 0);
  const at = (hours: number) => launched + hours * HOUR;

  it('counts from the last fill, or from the launch without one', () => {
    const equity = [{ ms: launched, equity: 1000 }];
    expect(evaluateRules(idle, measure({ equity, launchedMs: launched }, at(23.9)))[0]).toMatchObject({ breached: false, value: 23.9 });
    expect(evaluateRules(idle, measure({ equity, launchedMs: launched }, at(24)))[0]).toMatchObject({ breached: true, value: 24 });
    expect(evaluateRules(idle, measure({ equity, launchedMs: launched, lastFillMs: at(10) }, at(30)))[0]).toMatchObject({ breached: false, value: 20 });
    expect(evaluateRules(idle, measure({ equity, launchedMs: launched, lastFillMs: at(10) }, at(34.5)))[0]).toMatchObject({ breached: true, value: 24.5 });
  });
});

describe('daily loss and drawdown', () => {
  const section = rules({
    rules: [
      { max_daily_loss_pct: 5, action: 'liquidate' },
      { max_drawdown_pct: 10, action: 'lockdown' },
    ],
  });
  const day = Date.UTC(2025, 2, 3);

  it('measures the loss from the opening equity of the UTC day, and the drawdown from the peak', () => {
    const equity = [
      { ms: day - 20 * DAY, equity: 100_000 },
      { ms: day - 5 * DAY, equity: 120_000 }, // the peak
      { ms: day - 3 * HOUR, equity: 110_000 }, // yesterday's close: today's opening
      { ms: day + 10 * HOUR, equity: 104_500 }, // -5 % today, -12.9 % from the peak
    ];
    const m = measure({ equity }, day + 11 * HOUR);
    expect(m).toMatchObject({ dailyOpen: 110_000, dailyLossPct: 5, peak: 120_000 });
    expect(m.drawdownPct).toBeCloseTo(12.9167, 4);
    expect(evaluateRules(section, m).map((e) => e.breached)).toEqual([true, true]);
  });

  it('a deployment launched today opens at its first equity; -3 % does not breach a 5 % rule', () => {
    const equity = [
      { ms: day + HOUR, equity: 54_000 },
      { ms: day + 2 * HOUR, equity: 52_380 },
    ];
    const [daily] = evaluateRules(section, measure({ equity }, day + 3 * HOUR));
    expect(daily).toMatchObject({ breached: false, value: 3 });
  });
});

describe('the guard: section', () => {
  it('takes the documented defaults and refuses a rule with no condition or two', () => {
    expect(GuardSectionSchema.parse({ rules: [{ max_daily_loss_pct: 5, action: 'liquidate' }] })).toMatchObject({
      interval_s: 60,
      deployments: 'all',
      retries: 3,
    });
    expect(() => GuardSectionSchema.parse({ rules: [{ action: 'stop' }] })).toThrow(/exactly one condition/);
    expect(() => GuardSectionSchema.parse({ rules: [{ max_daily_loss_pct: 5, idle_hours: 3, action: 'stop' }] })).toThrow(/max_daily_loss_pct and idle_hours/);
    expect(() => GuardSectionSchema.parse({ rules: [{ loss_sigma: 3, min_days: 5, action: 'stop' }] })).toThrow();
    expect(() => GuardSectionSchema.parse({ rules: [{ max_daily_loss_pct: 5, action: 'sell' }] })).toThrow();
  });
});

describe('the confirmation names the environment', () => {
  it('sandbox, paper trading, or real money at the named brokerage', async () => {
    const { environmentLine } = await import('../../src/server/confirm.js');
    expect(environmentLine('sandbox', 'InteractiveBrokersBrokerage')).toMatch(/^Environment: the sandbox/);
    expect(environmentLine('quantconnect', 'QuantConnectBrokerage')).toMatch(/paper trading .*no real money/);
    expect(environmentLine('quantconnect', 'InteractiveBrokersBrokerage')).toBe(
      'Environment: REAL MONEY at InteractiveBrokersBrokerage, through QuantConnect.',
    );
  });
});
