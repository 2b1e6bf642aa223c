/**
 * The simulated market: its calendar against NYSE's published holidays and session counts, its
 * arithmetic against the engine's, its determinism, and, through a real MCP client with no settings
 * on the sandbox, the planted structure an agent is meant to find, every result marked simulated.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nyseHolidays, tradingDays } from '../../plugins/quant/data/calendar.js';
import { exp, hashSeed, ln, normals, uniformStream } from '../../plugins/quant/data/deterministic.js';
import { SimMarket } from '../../plugins/quant/data/sim-market.js';
import { SIMULATED_NOTE } from '../../plugins/quant/data/sim-source.js';
import { PAIRS, SECTORS } from '../../plugins/quant/data/sim-universe.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';

describe('trading calendar', () => {
  it('has the NYSE holidays NYSE published for 2023 and 2024', () => {
    expect([...nyseHolidays(2023)].sort()).toEqual([
      '2023-01-02',
      '2023-01-16',
      '2023-02-20',
      '2023-04-07',
      '2023-05-29',
      '2023-06-19',
      '2023-07-04',
      '2023-09-04',
      '2023-11-23',
      '2023-12-25',
    ]);
    expect([...nyseHolidays(2024)].sort()).toEqual([
      '2024-01-01',
      '2024-01-15',
      '2024-02-19',
      '2024-03-29',
      '2024-05-27',
      '2024-06-19',
      '2024-07-04',
      '2024-09-02',
      '2024-11-28',
      '2024-12-25',
    ]);
    // New Year's Day on a Saturday is not observed (2022); Juneteenth on a Sunday moves to Monday; 2018's day of mourning.
    expect(nyseHolidays(2022).has('2021-12-31')).toBe(false);
    expect(nyseHolidays(2022).has('2022-06-20')).toBe(true);
    expect(nyseHolidays(2018).has('2018-12-05')).toBe(true);
  });

  it('counts the sessions NYSE held each year from 2015 to 2024', () => {
    const sessions = { 2015: 252, 2016: 252, 2017: 251, 2018: 251, 2019: 252, 2020: 253, 2021: 252, 2022: 251, 2023: 250, 2024: 252 };
    for (const [year, n] of Object.entries(sessions)) expect(tradingDays(`${year}-01-01`, `${year}-12-31`), year).toHaveLength(n);
  });
});

describe('deterministic arithmetic', () => {
  it('exp and ln agree with the engine to within 2 ulp', () => {
    for (let i = 0; i < 20_000; i++) {
      const x = -700 + (1400 * i) / 20_000 + 1e-3;
      expect(Math.abs(exp(x) - Math.exp(x)) / Math.exp(x)).toBeLessThan(4.5e-16);
      const y = 10 ** (-300 + (600 * i) / 20_000);
      expect(Math.abs(ln(y) - Math.log(y))).toBeLessThanOrEqual(4.5e-16 * Math.max(1, Math.abs(Math.log(y))));
    }
  });

  it('normal draws have mean 0 and variance 1', () => {
    const z = normals(uniformStream(hashSeed('test')), 200_000);
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / (z.length - 1);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
  });

  it('the same seed gives the same bits, whatever was generated first and whatever the last date', () => {
    const a = new SimMarket({ seed: 1, symbols: 100, end: '2024-12-31' });
    const b = new SimMarket({ seed: 1, symbols: 100, end: '2025-06-30' });
    b.daily('AAPL');
    b.daily('KO');
    const t = a.dates.indexOf('2024-06-28');
    for (const s of ['KO', 'PEP', 'SPY', 'NVDA']) expect(b.daily(s).close[t]).toBe(a.daily(s).close[t]);
    // Pinned values: a change in the generator (or a platform that computed differently) shows here.
    expect([a.daily('KO').close[t], a.daily('PEP').close[t], a.daily('SPY').close[t]]).toMatchInlineSnapshot(`
      [
        201.4349,
        102.9609,
        598.7752,
      ]
    `);
    expect(new SimMarket({ seed: 2, symbols: 100, end: '2024-12-31' }).daily('KO').close[t]).not.toBe(a.daily('KO').close[t]);
  });
});

let c: Connected;
/** The same, with the portfolio and universe toolsets switched on. */
let all: Connected;
const ok = async (name: string, args: Record<string, unknown>, on: Connected = c) => {
  const r = await on.client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  const text = (r.content as { type: string; text?: string }[])[0]?.text ?? '';
  expect(text.startsWith(SIMULATED_NOTE), `${name} says simulated`).toBe(true);
  expect((r.structuredContent as { data_source?: string }).data_source, `${name} data_source`).toBe('simulated');
  return { out: r.structuredContent as Record<string, unknown>, content: r.content as { type: string; data?: string }[] };
};

beforeAll(async () => {
  // No credentials, no data settings: the embedded sandbox, and the simulated market by default.
  c = await connect({ env: { QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-state-')) }, cwd: mkdtempSync(join(tmpdir(), 'qcmcp-cwd-')) });
  all = await connect({
    env: { QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-state-')), QC_MCP_TOOLS: unrestrictedOverlay() },
    cwd: mkdtempSync(join(tmpdir(), 'qcmcp-cwd-')),
  });
});
afterAll(async () => {
  await c?.close();
  await all?.close();
});

describe('the simulated market through a real MCP client, with no settings on the sandbox', () => {
  it('"Are KO and PEP cointegrated in 2023-2024? If so, analyse mean reversion with a 20-day lookback"', async () => {
    expect(c.runtime.settings.backend).toBe('sandbox');
    const range = { start_date: '2023-01-01', end_date: '2024-12-31' };
    const { out: coint } = await ok('test_cointegration', { symbol1: 'KO', symbol2: 'PEP', ...range });
    const planted = PAIRS.find((p) => p.y === 'KO')!;
    expect(coint.is_cointegrated).toBe(true);
    expect(coint.p_value).toBeLessThan(0.01);
    expect(Math.abs((coint.hedge_ratio as number) - planted.hedge_ratio)).toBeLessThan(0.05);
    expect(coint.half_life as number).toBeGreaterThan(planted.half_life * 0.6);
    expect(coint.half_life as number).toBeLessThan(planted.half_life * 1.6);
    expect(coint.bar).toBe('1d');
    const { out: mr } = await ok('analyze_mean_reversion', { symbols: ['KO', 'PEP'], hedge_ratio: coint.hedge_ratio, lookback_period: 20, ...range });
    const spread = (mr.results as { name: string; is_mean_reverting: boolean; half_life: number; signal: string }[])[0]!;
    expect(spread.name).toMatch(/^KO - .* x PEP$/);
    expect(spread.is_mean_reverting).toBe(true);
    expect(spread.half_life).toBeLessThan(planted.half_life * 1.6);
    // Each leg alone is not mean-reverting.
    const { out: legs } = await ok('analyze_mean_reversion', { symbols: ['KO', 'PEP'], lookback_period: 20, ...range });
    expect((legs.results as { is_mean_reverting: boolean }[]).map((r) => r.is_mean_reverting)).toEqual([false, false]);
  });

  it('a screen of every pair finds the planted pairs at the top', async () => {
    const { out: listing } = await ok('list_available_data', { limit: 500 });
    const symbols = (listing.symbols as { symbol: string }[]).map((s) => s.symbol);
    expect(symbols).toHaveLength(100);
    const { out } = await ok('find_cointegrated_pairs', { symbols, start_date: '2019-01-01', end_date: '2024-12-31', p_value_threshold: 0.01, max_pairs: 10 });
    expect(out.tested).toBe(4950);
    const top = (out.pairs as { symbol1: string; symbol2: string; hedge_ratio: number }[])
      .slice(0, PAIRS.length)
      .map((p) => [p.symbol1, p.symbol2].sort().join('|'));
    expect(top.sort()).toEqual(PAIRS.map((p) => [p.x, p.y].sort().join('|')).sort());
  }, 120_000);

  it('the basket MS ~ GS + JPM is one cointegrating relation (Johansen), and the Technology names form a cluster', async () => {
    const range = { start_date: '2020-01-01', end_date: '2024-12-31' };
    const { out: j } = await ok('test_johansen', { symbols: ['MS', 'GS', 'JPM'], ...range });
    expect(j.rank_5pct).toBe(1);
    const tech = SECTORS.Technology!.slice(0, 6);
    const others = ['PG', 'XOM', 'UNH', 'CAT', 'NEE', 'PLD'];
    const { out: corr } = await ok('calculate_correlation_matrix', { symbols: [...tech, ...others], include_matrix: true, ...range });
    const m = corr.matrix as number[][];
    const mean = (pairs: [number, number][]) => pairs.reduce((s, [i, k]) => s + m[i]![k]!, 0) / pairs.length;
    const within: [number, number][] = [];
    const across: [number, number][] = [];
    for (let i = 0; i < 12; i++) for (let k = i + 1; k < 12; k++) (i < 6 && k < 6 ? within : i >= 6 && k >= 6 ? across : []).push([i, k]);
    expect(mean(within)).toBeGreaterThan(0.6);
    expect(mean(across)).toBeLessThan(0.45);
  });

  it('lists what it holds, with sectors, and filters by sector and prefix, a page at a time', async () => {
    const { out } = await ok('list_available_data', { sector: 'energy' });
    expect((out.symbols as { symbol: string }[]).map((s) => s.symbol)).toEqual([...SECTORS.Energy!].sort());
    expect(out.origin).toMatch(/sandbox default/);
    const { out: k } = await ok('list_available_data', { prefix: 'k' });
    expect(k.symbols).toEqual([
      { symbol: 'KMB', sector: 'Consumer Staples', resolutions: [{ resolution: 'daily', start: '2015-01-02', end: expect.any(String) }] },
      {
        symbol: 'KO',
        sector: 'Consumer Staples',
        resolutions: ['daily', 'hour', 'minute'].map((resolution) => ({ resolution, start: '2015-01-02', end: expect.any(String) })),
      },
    ]);
    const { out: page } = await ok('list_available_data', { limit: 30, offset: 90 });
    expect(page.page).toEqual({ total: 100, offset: 90, returned: 10, more_available: false });
    const bad = await c.client.callTool({ name: 'list_available_data', arguments: { sector: 'Crypto' } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/Unknown sector .*Crypto.*: the sectors are .*Technology/);
  });

  it("SPY has constituent files in LEAN's format, weighted by market value, that load into a session", async () => {
    const { out } = await ok('get_etf_constituents', { etf_ticker: 'SPY', date: '2024-03-15', max_results: 500 }, all);
    expect(out.as_of).toBe('2024-03-01');
    expect(out.count).toBe(99);
    const weights = (out.constituents as { weight: number }[]).map((x) => x.weight);
    expect(Math.abs(weights.reduce((s, w) => s + w, 0) - 1)).toBeLessThan(1e-6);
    const { out: added } = await ok(
      'add_etf_universe_securities',
      { etf_ticker: 'SPY', date: '2024-03-15', start_date: '2024-01-01', end_date: '2024-06-30', max_securities: 10, instance_name: 'spy10' },
      all,
    );
    expect(added.added).toHaveLength(10);
    const { out: screen } = await ok('screen_assets_by_criteria', { instance_name: 'spy10', symbols: added.added, min_sharpe: -100 }, all);
    expect((screen.passed as unknown[]).length).toBe(10);
  });

  it('portfolio figures on 15-minute bars are annualised with 252 x 26 bars a year', async () => {
    await ok(
      'add_equity',
      { ticker: 'SPY', start_date: '2024-03-01', end_date: '2024-03-28', resolution: 'minute', bar_minutes: 15, instance_name: 'bars' },
      all,
    );
    const { out: rows } = await ok(
      'get_history',
      { symbols: ['SPY'], start_date: '2024-03-01', end_date: '2024-03-28', resolution: 'minute', bar_minutes: 15, include_rows: true, max_rows: 5000 },
      all,
    );
    const closes = (rows.series as { rows_included: { close: number }[] }[])[0]!.rows_included.map((r) => r.close);
    const r = closes.slice(1).map((v, i) => v / closes[i]! - 1);
    const mean = r.reduce((s, v) => s + v, 0) / r.length;
    const sd = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / (r.length - 1));
    const { out: perf } = await ok('calculate_portfolio_performance', { instance_name: 'bars', symbols: ['SPY'], weights: [1] }, all);
    expect(perf.periods_per_year).toBe(6552);
    expect(Math.abs((perf.annual_volatility as number) - sd * Math.sqrt(6552))).toBeLessThan(1e-12);
  });

  it('minute bars resampled to 15 minutes: 26 bars a day from 9:30, annualised with 252 x 26 bars', async () => {
    const { out } = await ok('get_history', {
      symbols: ['AAPL'],
      start_date: '2024-03-04',
      end_date: '2024-03-05',
      resolution: 'minute',
      bar_minutes: 15,
      include_rows: true,
      max_rows: 100,
      fields: ['open', 'close'],
    });
    const s = (out.series as { rows: number; rows_included: { date: string }[] }[])[0]!;
    expect(out.bar).toBe('15min');
    expect(s.rows).toBe(52);
    expect(s.rows_included[0]!.date).toBe('2024-03-04T09:30');
    expect(s.rows_included[25]!.date).toBe('2024-03-04T15:45');
    expect(s.rows_included[26]!.date).toBe('2024-03-05T09:30');
    await ok('add_equity', {
      ticker: 'MSFT',
      start_date: '2024-03-01',
      end_date: '2024-03-28',
      resolution: 'minute',
      bar_minutes: 15,
      instance_name: 'intraday',
    });
    const { out: mr } = await ok('analyze_mean_reversion', { instance_name: 'intraday' });
    expect(mr.bar).toBe('15min');
    expect(mr.periods_per_year).toBe(252 * 26);
  });

  it('a plot on simulated data is stamped SIMULATED in red under its title', async () => {
    const { content } = await ok('test_cointegration', { symbol1: 'KO', symbol2: 'PEP', start_date: '2023-01-01', end_date: '2024-12-31', plot: true });
    const png = PNG.sync.read(Buffer.from(content.find((x) => x.type === 'image')!.data!, 'base64'));
    let red = 0;
    for (let y = 0; y < 45; y++) {
      for (let x = 0; x < png.width; x++) {
        const i = (y * png.width + x) * 4;
        if (png.data[i]! > 150 && png.data[i + 1]! < 100 && png.data[i + 2]! < 100) red++;
      }
    }
    expect(red).toBeGreaterThan(100);
  });
});
