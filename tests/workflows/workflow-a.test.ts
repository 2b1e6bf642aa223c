/**
 * Workflow A (robust statistical arbitrage) end to end through a real MCP client, as the
 * stat_arb_study prompt lays it out, on the simulated market and on a LEAN data folder written from
 * it: the planted pair DUK/SO (log DUK = c + log SO + an AR(1) spread of half-life 3 days) must
 * survive every filter, and the simulation must give a trade log, PnL per pair, the bootstrap p of
 * alpha and the regime test.
 *
 * Bars are daily for the sector screen: the simulated market has minute bars (and so 15-minute bars) only for SPY, AAPL,
 * MSFT, KO and PEP, not for a whole sector, and the studies tools take daily, hour or minute bars.
 * A 60-bar window is therefore 60 days, and the half-life limit of 7 days is 7 bars. The last test runs the
 * pair steps on 15-minute bars of KO/PEP, which do have minute data.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SECTORS } from '../../plugins/quant/data/sim-universe.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { SIM_SPEC, studiesOverlay, tempDir, writeLeanDaily } from '../helpers/sim-folders.js';
import { caller } from '../helpers/workflow.js';

type Out = Record<string, unknown>;
const SECTOR = SECTORS.Utilities!;
const RANGE = { start_date: '2019-01-01', end_date: '2024-12-31' };
const PLANTED = { y: 'DUK', x: 'SO', hedge: 1, halfLife: 3 };

const SOURCES = [
  { name: 'the simulated market', data: () => SIM_SPEC },
  {
    name: 'a LEAN data folder',
    data: () => {
      const dir = tempDir('qcmcp-lean-a-');
      writeLeanDaily(dir, [...SECTOR, 'SPY'], '2018-06-01');
      return `lean:${dir}`;
    },
  },
];

const open: Connected[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});

describe.each(SOURCES)('workflow A (stat_arb_study) on $name', ({ data }) => {
  it('follows the prompt: the planted pair survives dCor, Engle-Granger with BH, half-life, Hurst and Johansen; the Kalman simulation trades it', async () => {
    const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: data(), QC_MCP_TOOLS: studiesOverlay() }) });
    open.push(c);
    const call = caller(c.client);

    // The prompt lists the four tool steps in order, with the workflow's settings.
    const prompt = await c.client.getPrompt({ name: 'stat_arb_study', arguments: { symbols: SECTOR.join(','), ...RANGE } });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    const order = ['rolling_correlation', 'find_cointegrated_pairs', 'kalman_hedge_ratio', 'simulate_pairs_trading'].map((t) => text.indexOf(t));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toMatch(/method distance, window = 60 days of bars, threshold 0\.8/);
    expect(text).toMatch(/correction fdr_bh, johansen true, k_ar_diff 2, max_half_life 7 days of bars, max_hurst 0\.4/);
    expect(text).toMatch(/entry_z 2, confirm_bars 2, exit_z 0, max_hold_half_lives 3, stop_z 4, pair_pct 0\.03, max_gross 3/);
    expect(text).not.toMatch(/Not available on this server/);

    // 1. Rolling 60-day distance correlation over every pair of the sector; keep dCor >= 0.80.
    const screen = await call('rolling_correlation', { symbols: SECTOR, ...RANGE, method: 'distance', window: 60, threshold: 0.8 });
    const rows = screen.pairs as { symbol1: string; symbol2: string; latest: number; fraction_above: number }[];
    expect(rows).toHaveLength((SECTOR.length * (SECTOR.length - 1)) / 2);
    const survivors = rows.filter((r) => r.latest >= 0.8);
    expect(screen.pairs_above).toBe(survivors.length);
    const planted = survivors.find((r) => [r.symbol1, r.symbol2].sort().join('/') === [PLANTED.x, PLANTED.y].sort().join('/'));
    expect(planted, 'the planted pair passes the dCor screen').toBeDefined();
    expect(planted!.fraction_above).toBeGreaterThan(0.9);
    // The sector's other pairs share only the market and sector factors: they mostly stay below 0.8.
    expect(survivors.length).toBeLessThan(rows.length / 2);

    // 2. Engle-Granger on the survivors with Benjamini-Hochberg, half-life <= 7 bars, Hurst < 0.4, Johansen (lag 2).
    const names = [...new Set(survivors.flatMap((r) => [r.symbol1, r.symbol2]))];
    const coint = await call('find_cointegrated_pairs', {
      symbols: names,
      ...RANGE,
      correction: 'fdr_bh',
      johansen: true,
      k_ar_diff: 2,
      max_half_life: 7,
      max_hurst: 0.4,
    });
    const tests = (names.length * (names.length - 1)) / 2;
    expect(coint.tested).toBe(tests);
    expect(coint.summary).toMatch(new RegExp(`^${tests} pair tests at p < 0\\.05: .* about ${Number((tests * 0.05).toPrecision(3))} false positives`));
    expect(coint.summary).toMatch(/Benjamini-Hochberg.*Half-life\/Hurst filters keep \d+.*Johansen trace test \(lag 2, 5%\) keeps \d+/);
    const pair = (coint.pairs as Out[]).find((p) => p.symbol1 === PLANTED.y && p.symbol2 === PLANTED.x) as
      | { p_adjusted: number; half_life: number; hurst: number; hedge_ratio: number; johansen: { trace: number; critical_95: number; passes: boolean } }
      | undefined;
    expect(pair, 'the planted pair survives the cointegration filters').toBeDefined();
    expect(pair!.p_adjusted).toBeLessThan(0.05);
    expect(pair!.half_life).toBeLessThanOrEqual(7);
    expect(Math.abs(pair!.half_life - PLANTED.halfLife)).toBeLessThan(1.5);
    expect(pair!.hurst).toBeLessThan(0.4);
    expect(pair!.johansen.passes).toBe(true);
    expect(pair!.johansen.trace).toBeGreaterThan(pair!.johansen.critical_95);
    expect(Math.abs(pair!.hedge_ratio - PLANTED.hedge)).toBeLessThan(0.05);

    // 3. The Kalman hedge (noise by maximum likelihood) stays near the planted ratio.
    const kalman = await call('kalman_hedge_ratio', { symbol1: PLANTED.y, symbol2: PLANTED.x, ...RANGE, mle: true, max_points: 50 });
    expect(Math.abs((kalman.hedge_ratio as number) - PLANTED.hedge)).toBeLessThan(0.1);
    expect(Math.abs((kalman.half_life as number) - PLANTED.halfLife)).toBeLessThan(1.5);
    const hedges = (kalman.series as { hedge_ratio: number[] }).hedge_ratio.slice(5);
    expect(Math.max(...hedges) - Math.min(...hedges)).toBeGreaterThan(0); // time-varying

    // 4. The pairs simulation with the workflow's rules.
    const sim = await call('simulate_pairs_trading', {
      pairs: [`${PLANTED.y}/${PLANTED.x}`],
      ...RANGE,
      hedge: 'kalman',
      entry_z: 2,
      confirm_bars: 2,
      exit_z: 0,
      max_hold_half_lives: 3,
      stop_z: 4,
      pair_pct: 0.03,
      max_gross: 3,
      benchmark_symbol: 'SPY',
      n_boot: 500,
      max_trades: 1000,
    });
    expect(sim.label).toMatch(/not a LEAN backtest/);
    const stats = sim.statistics as Record<string, number>;
    const trades = sim.trades as {
      pair: string;
      entry_z: number;
      exit_z: number;
      notional: number;
      reason: string;
      pnl: number;
      entry_bar: number;
      exit_bar: number;
    }[];
    expect(trades.length).toBeGreaterThanOrEqual(5);
    expect(trades.length).toBe(stats.trades);
    const highestNav = 1e6 + trades.reduce((s, t) => s + Math.max(t.pnl, 0), 0);
    for (const t of trades) {
      expect(t.pair).toBe('DUK/SO');
      expect(Math.abs(t.entry_z)).toBeGreaterThanOrEqual(2);
      expect(Math.abs(t.entry_z)).toBeLessThan(4);
      expect(t.notional).toBeLessThanOrEqual(0.03 * highestNav + 1e-6);
      expect(['mean', 'time', 'stop', 'end']).toContain(t.reason);
      if (t.reason === 'mean') expect(Math.sign(t.exit_z)).not.toBe(Math.sign(t.entry_z));
      if (t.reason === 'stop') expect(Math.abs(t.exit_z)).toBeGreaterThanOrEqual(4);
    }
    expect(stats.max_gross_leverage).toBeLessThanOrEqual(3);
    const attribution = sim.attribution as { pair: string; pnl: number; trades: number }[];
    expect(attribution).toEqual([expect.objectContaining({ pair: 'DUK/SO', trades: trades.length })]);
    expect(attribution[0]!.pnl).toBeCloseTo(stats.final_nav! - 1e6, 4);
    expect(attribution[0]!.pnl).toBeCloseTo(
      trades.reduce((s, t) => s + t.pnl, 0),
      4,
    );
    // A mean-reverting spread traded at its extremes makes money.
    expect(attribution[0]!.pnl).toBeGreaterThan(0);
    const alpha = sim.alpha as { benchmark: string; p_value_bootstrap: number; n_boot: number; alpha: number };
    expect(alpha.benchmark).toBe('SPY');
    expect(alpha.n_boot).toBe(500);
    expect(alpha.p_value_bootstrap).toBeGreaterThanOrEqual(0);
    expect(alpha.p_value_bootstrap).toBeLessThanOrEqual(1);
    const regime = sim.regime as { statistic: number; p_value: number; null_distribution: string; break_date: string };
    expect(Number.isFinite(regime.statistic)).toBe(true);
    expect(regime.p_value).toBeGreaterThanOrEqual(0);
    expect(regime.p_value).toBeLessThanOrEqual(1);
    expect(regime.null_distribution).toMatch(/sup-LR .*Monte-Carlo null/);
    expect(regime.break_date >= RANGE.start_date && regime.break_date <= RANGE.end_date).toBe(true);
  }, 180_000);
});

describe('workflow A on 15-minute bars (the simulated names with minute data)', () => {
  it('rolling correlation, the Kalman hedge and the simulation run on 15-minute bars of the regular session, annualised by 252 x 26 bars', async () => {
    const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: SIM_SPEC, QC_MCP_TOOLS: studiesOverlay() }) });
    open.push(c);
    const call = caller(c.client);
    const bars = { start_date: '2024-01-02', end_date: '2024-03-28', resolution: 'minute', bar_minutes: 15 };
    const onGrid = (stamp: string) => {
      const [h, m] = stamp.slice(11).split(':').map(Number) as [number, number];
      const minutes = h * 60 + m;
      return m % 15 === 0 && minutes >= 9 * 60 + 30 && minutes <= 15 * 60 + 45;
    };

    const rolling = await call('rolling_correlation', { symbols: ['KO', 'PEP'], ...bars, window: 130, threshold: 0.3 });
    const dates = (rolling.series as { dates: string[] }).dates;
    expect(dates.length).toBeGreaterThan(10);
    expect(dates.every(onGrid)).toBe(true);
    // 26 bars a day over about 60 trading days, less the first window.
    expect(rolling.windows).toBeGreaterThan(26 * 50 - 130);

    const kalman = await call('kalman_hedge_ratio', { symbol1: 'KO', symbol2: 'PEP', ...bars });
    expect((kalman.series as { dates: string[] }).dates.every(onGrid)).toBe(true);

    const sim = await call('simulate_pairs_trading', { pairs: ['KO/PEP'], ...bars, hedge: 'ols', lookback: 130 });
    const stats = sim.statistics as { periods_per_year: number; trades: number };
    expect(stats.periods_per_year).toBe(252 * 26);
    expect(stats.trades).toBeGreaterThan(0);
  }, 120_000);
});
