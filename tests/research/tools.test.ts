/**
 * The research tools through a real MCP client: CSV, LEAN and Object Store sources, sessions,
 * golden agreement end to end on both data sets, the parallel pairs screen with progress, and bad
 * input that names the symbol or argument at fault without disturbing the session.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { screenPairs } from '../../plugins/quant/stats/pairs.js';
import { closes, golden, GOLDEN_DIR, near, SETS } from '../helpers/golden.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';
import { sandboxSession } from '../helpers/sandbox.js';

const open: Connected[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});

async function research(data: string, extra: Record<string, string> = {}): Promise<Connected> {
  const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: data, ...extra }) });
  open.push(c);
  return c;
}
const ok = async (c: Connected, name: string, args: Record<string, unknown>) => {
  const r = await c.client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  return r.structuredContent as Record<string, unknown>;
};
const fails = async (c: Connected, name: string, args: Record<string, unknown>, message: RegExp) => {
  const r = await c.client.callTool({ name, arguments: args });
  expect(r.isError, `${name} should fail`).toBe(true);
  expect(JSON.stringify(r.content)).toMatch(message);
};

describe.each(SETS)('golden set %s through the tools (csv source)', (set) => {
  const g = golden(set);
  const range = { start_date: g.start, end_date: g.end };

  it('test_cointegration matches statsmodels coint for each pair of the first three symbols', async () => {
    const c = await research(`csv:${resolve(GOLDEN_DIR, set)}`);
    for (const key of Object.keys(g.coint).filter((k) => k.endsWith('|log'))) {
      const [a, b] = key.split('|') as [string, string];
      const out = await ok(c, 'test_cointegration', { symbol1: a.toLowerCase(), symbol2: b, ...range });
      const ref = g.coint[key]!;
      expect(near(out.statistic as number, ref.statistic, 1e-6)).toBe(true);
      expect(Math.abs((out.p_value as number) - ref.p_value)).toBeLessThan(1e-4);
      expect(out.is_cointegrated).toBe(ref.p_value < 0.05);
      expect(out.n_obs).toBe((g as unknown as { n_days: number }).n_days);
    }
  });

  it('find_cointegrated_pairs flags exactly the pairs the statsmodels loop flags, sorted by p-value, with progress', async () => {
    const c = await research(`csv:${resolve(GOLDEN_DIR, set)}`);
    const progress: number[] = [];
    const r = await c.client.callTool(
      { name: 'find_cointegrated_pairs', arguments: { symbols: g.symbols, ...range } },
      { onprogress: (p) => void progress.push(p.progress) },
    );
    const out = r.structuredContent as { pairs: { symbol1: string; symbol2: string; p_value: number }[]; tested: number };
    expect(out.tested).toBe((g.symbols.length * (g.symbols.length - 1)) / 2);
    expect(out.pairs.map((p) => `${p.symbol1}|${p.symbol2}`)).toEqual(g.pairs.map((p) => `${p.symbol1}|${p.symbol2}`));
    out.pairs.forEach((p, i) => expect(Math.abs(p.p_value - g.pairs[i]!.p_value)).toBeLessThan(1e-4));
    expect(progress.at(-1)).toBe(out.tested);
  });

  it('sessions: add_multiple_equities, then Johansen, PCA and correlation on the session', async () => {
    const c = await research(`csv:${resolve(GOLDEN_DIR, set)}`);
    await ok(c, 'add_multiple_equities', { tickers: g.symbols, ...range, instance_name: 'study' });
    const j = await ok(c, 'test_johansen', { instance_name: 'study', symbols: g.symbols.slice(0, 3), det_order: 0, k_ar_diff: 1 });
    (j.trace_statistics as number[]).forEach((v, i) =>
      expect(near(v, g.johansen['0|1']!.trace[i]!, 1e-6), `trace ${i}: ${v} vs ${g.johansen['0|1']!.trace[i]}`).toBe(true),
    );
    const p = await ok(c, 'perform_pca_analysis', { instance_name: 'study' });
    (p.explained_variance_ratio as number[]).forEach((v, i) => expect(near(v, g.pca.explained_variance_ratio[i]!, 1e-6)).toBe(true));
    expect(Object.keys((p.loadings as Record<string, number>[])[0]!)).toEqual(g.symbols);
    const corr = await ok(c, 'calculate_correlation_matrix', { instance_name: 'study', method: 'spearman' });
    expect(near((corr.matrix as number[][])[0]![1]!, g.correlation.spearman[0]![1]!, 1e-9), 'spearman').toBe(true);
    const mr = await ok(c, 'analyze_mean_reversion', { instance_name: 'study', symbols: [g.symbols[2]!] });
    const one = (mr.results as { adf_statistic: number; hurst: number }[])[0]!;
    expect(near(one.adf_statistic, g.adf[g.symbols[2]!]!.statistic, 1e-6), `adf ${one.adf_statistic}`).toBe(true);
    expect(near(one.hurst, g.adf[g.symbols[2]!]!.hurst, 1e-9), `hurst ${one.hurst}`).toBe(true);
  });
});

describe('the parallel screen', () => {
  it('worker threads give the same answers as the in-process loop', async () => {
    const g = golden('A');
    const base = g.symbols.map((s) => Float64Array.from(closes('A', s).map(Math.log)));
    // 12 series (66 pairs): the golden six and six shifted copies.
    const series = [...base, ...base.map((s) => s.map((v, t) => v + 0.001 * Math.sin(t)))];
    const options = { threshold: 0.5, johansenLag: 1 };
    const parallel = await screenPairs(series, { ...options, threads: 2 }, () => {}, new AbortController().signal);
    const serial = await screenPairs(series, { ...options, threads: 1 }, () => {}, new AbortController().signal);
    expect(parallel.pairs).toBe(66);
    expect([...parallel.pValues]).toEqual([...serial.pValues]);
    expect(serial.candidates.length).toBeGreaterThan(0);
    // Batches arrive in any order: compare the candidates by pair index.
    const rows = (s: typeof serial) =>
      Array.from({ length: s.candidates.length }, (_, x) => Object.values(s.candidates.cols).map((col) => col[x])).sort((a, b) => a[0]! - b[0]!);
    expect(rows(parallel)).toEqual(rows(serial));
  });
});

describe('bad input is a clear isError, and the session stays as it was', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qcmcp-bad-'));
  const rows = (n: number, f: (i: number) => string) => ['date,close', ...Array.from({ length: n }, (_, i) => f(i))].join('\n');
  const day = (i: number) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
  // Deterministic but irregular (a smooth sinusoid would make ADF's lags exactly collinear).
  const noise = (i: number, k: number) => Math.sin(i * i * 0.37 + k) * 0.8 + Math.cos(i * 1.618 * k) * 0.5;
  writeFileSync(
    join(dir, 'GOOD.csv'),
    rows(60, (i) => `${day(i)},${100 + noise(i, 1)}`),
  );
  writeFileSync(
    join(dir, 'GOOD2.csv'),
    rows(60, (i) => `${day(i)},${50 + noise(i, 2)}`),
  );
  writeFileSync(
    join(dir, 'SMOOTH.csv'),
    rows(60, (i) => `${day(i)},${100 + Math.sin(i)}`),
  );
  writeFileSync(
    join(dir, 'NAN.csv'),
    rows(60, (i) => `${day(i)},${i === 7 ? 'NaN' : 10 + i}`),
  );
  writeFileSync(
    join(dir, 'DUP.csv'),
    rows(60, (i) => `${day(i === 5 ? 4 : i)},${10 + i}`),
  );
  writeFileSync(
    join(dir, 'NEG.csv'),
    rows(60, (i) => `${day(i)},${i === 9 ? -1 : 10 + i}`),
  );
  writeFileSync(
    join(dir, 'SHORT.csv'),
    rows(20, (i) => `${day(i)},${10 + i}`),
  );
  writeFileSync(
    join(dir, 'GAP.csv'),
    rows(60, (i) => `${day(i * 3)},${10 + i}`),
  );
  const range = { start_date: '2024-01-01', end_date: '2024-12-31' };

  it.each([
    ['an unknown symbol', 'test_cointegration', { symbol1: 'GOOD', symbol2: 'NOPE', ...range }, /unknown symbol NOPE/],
    [
      'no data in the range',
      'get_history',
      { symbols: ['GOOD'], start_date: '2020-01-01', end_date: '2020-12-31' },
      /GOOD: no data between 2020-01-01 and 2020-12-31/,
    ],
    [
      'fewer than 30 common observations',
      'test_cointegration',
      { symbol1: 'GOOD', symbol2: 'SHORT', ...range },
      /Only 20 dates are common to GOOD, SHORT; at least 30/,
    ],
    ['gaps leaving too few common dates', 'calculate_correlation_matrix', { symbols: ['GOOD', 'GAP'], ...range }, /Only 20 dates are common to GOOD, GAP/],
    ['a NaN in the data', 'get_history', { symbols: ['NAN'], ...range }, /NAN: row 9 \(2024-01-08\) has a missing or non-numeric close/],
    ['duplicate dates', 'get_history', { symbols: ['DUP'], ...range }, /DUP: duplicate date 2024-01-05/],
    [
      'a non-positive price with the log transform',
      'test_cointegration',
      { symbol1: 'GOOD', symbol2: 'NEG', ...range },
      /NEG: price -1 on 2024-01-10 is not positive/,
    ],
    [
      'a window longer than the data',
      'calculate_correlation_matrix',
      { symbols: ['GOOD', 'GOOD2'], ...range, window: 500 },
      /window 500 is longer than the 59 returns/,
    ],
    [
      'a lookback longer than the data',
      'analyze_mean_reversion',
      { symbols: ['GOOD'], ...range, lookback_period: 100 },
      /lookback_period 100 is longer than the 60/,
    ],
    [
      'start after end',
      'test_johansen',
      { symbols: ['GOOD', 'GOOD2'], start_date: '2024-12-31', end_date: '2024-01-01' },
      /start_date 2024-12-31 is after end_date/,
    ],
    ['a symbol listed twice', 'perform_pca_analysis', { symbols: ['GOOD', 'good'], ...range }, /GOOD is listed twice/],
    ['an unknown session', 'test_johansen', { instance_name: 'ghost' }, /no research session ..ghost../],
    ['a series too regular for the regression', 'analyze_mean_reversion', { symbols: ['SMOOTH'], ...range }, /The regression is singular/],
  ])('%s', async (_label, tool, args, message) => {
    const c = await research(`csv:${dir}`);
    await ok(c, 'add_equity', { ticker: 'GOOD', ...range, instance_name: 'keep' });
    await fails(c, tool, args, message);
    const after = await ok(c, 'analyze_mean_reversion', { instance_name: 'keep' });
    expect((after.results as { name: string }[]).map((r) => r.name)).toEqual(['GOOD']); // the session still holds exactly GOOD
    expect(after.n_obs).toBe(60);
  });

  it('no data source configured says how to configure one', async () => {
    const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2') });
    open.push(c);
    await fails(
      c,
      'get_history',
      { symbols: ['KO'], ...range },
      /LEAN CLI workspace.*QC_MCP_LEAN_CONFIG.*QC_MCP_DATA to csv:DIR, lean:DIR or objectstore:PREFIX/,
    );
  });

  it("the data source can come from the overlay's plugins section (relative to the file); QC_MCP_DATA wins over it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qcmcp-plugins-'));
    mkdirSync(join(dir, 'prices'));
    writeFileSync(join(dir, 'prices', 'AAA.csv'), 'date,close\n2024-01-02,10\n2024-01-03,11\n');
    writeFileSync(join(dir, 'overlay.yaml'), 'plugins:\n  research:\n    data: csv:prices\n');
    const fromYaml = await research('', { QC_MCP_TOOLS: join(dir, 'overlay.yaml') });
    const got = await ok(fromYaml, 'get_history', { symbols: ['AAA'], start_date: '2024-01-01', end_date: '2024-01-31' });
    expect(got.source).toContain(join(dir, 'prices'));
    expect((got.series as { last_price: number }[])[0]!.last_price).toBe(11);
    const envWins = await research(`csv:${join(dir, 'nowhere')}`, { QC_MCP_TOOLS: join(dir, 'overlay.yaml') });
    await fails(envWins, 'get_history', { symbols: ['AAA'], start_date: '2024-01-01', end_date: '2024-01-31' }, /nowhere/);
    writeFileSync(join(dir, 'bad.yaml'), 'plugins:\n  research:\n    data: ftp://x\n');
    await expect(connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_TOOLS: join(dir, 'bad.yaml') }) })).rejects.toThrow(
      /csv:DIR, lean:DIR, objectstore:PREFIX or sim:/,
    );
  });
});

describe('LEAN data folder', () => {
  it('reads daily, hour and minute zips with prices scaled by 10,000', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qcmcp-lean-'));
    const daily = join(root, 'equity', 'usa', 'daily');
    const hour = join(root, 'equity', 'usa', 'hour');
    const minute = join(root, 'equity', 'usa', 'minute', 'spy');
    for (const d of [daily, hour, minute]) mkdirSync(d, { recursive: true });
    const dailyRows = Array.from(
      { length: 40 },
      (_, i) =>
        `${day(i).replace(/-/g, '')} 00:00,${4_000_000 + i * 10_000},${4_100_000 + i * 10_000},${3_900_000 + i * 10_000},${4_050_000 + i * 10_000},${1000 + i}`,
    );
    writeFileSync(join(daily, 'spy.zip'), zipSync({ 'spy.csv': strToU8(dailyRows.join('\n')) }));
    writeFileSync(
      join(hour, 'spy.zip'),
      zipSync({ 'spy.csv': strToU8(['20240102 10:00,4000000,4010000,3990000,4005000,500', '20240102 11:00,4005000,4020000,4000000,4015000,600'].join('\n')) }),
    );
    writeFileSync(
      join(minute, '20240102_trade.zip'),
      zipSync({
        '20240102_spy_minute_trade.csv': strToU8(['34200000,4000000,4001000,3999000,4000500,10', '34260000,4000500,4002000,4000000,4001500,20'].join('\n')),
      }),
    );
    const c = await research(`lean:${root}`);
    const d = await ok(c, 'get_history', {
      symbols: ['SPY'],
      start_date: '2024-01-01',
      end_date: '2024-12-31',
      include_rows: true,
      fields: ['open', 'close', 'volume'],
      max_rows: 2,
    });
    const series = (d.series as { rows: number; first_price: number; rows_included: Record<string, number | string>[]; truncated: boolean }[])[0]!;
    expect(series.rows).toBe(40);
    expect(series.first_price).toBe(405);
    expect(series.rows_included).toEqual([
      { date: day(38), open: 438, close: 443, volume: 1038 },
      { date: day(39), open: 439, close: 444, volume: 1039 },
    ]);
    expect(series.truncated).toBe(true);
    const h = await ok(c, 'get_history', { symbols: ['spy'], start_date: '2024-01-02', end_date: '2024-01-02', resolution: 'hour', include_rows: true });
    expect((h.series as { rows_included: unknown[] }[])[0]!.rows_included).toEqual([
      { date: '2024-01-02T10:00', close: 400.5 },
      { date: '2024-01-02T11:00', close: 401.5 },
    ]);
    const m = await ok(c, 'get_history', { symbols: ['SPY'], start_date: '2024-01-02', end_date: '2024-01-02', resolution: 'minute', include_rows: true });
    expect((m.series as { rows_included: unknown[] }[])[0]!.rows_included).toEqual([
      { date: '2024-01-02T09:30', close: 400.05 },
      { date: '2024-01-02T09:31', close: 400.15 },
    ]);
  });

  const day = (i: number) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
});

describe('Object Store source, through the sandbox', () => {
  it('fetches a CSV saved in the Object Store with the two-step get', async () => {
    const s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay(), QC_MCP_DATA: 'objectstore:research/prices/' });
    try {
      const g = golden('A');
      const csv = (sym: string) =>
        ['date,close', ...closes('A', sym).map((v, i) => `${new Date(Date.UTC(2023, 0, 2 + i)).toISOString().slice(0, 10)},${v}`)].join('\n');
      for (const sym of ['KO', 'PEP']) {
        const up = await s.client.callTool({ name: 'upload_object', arguments: { key: `research/prices/${sym}.csv`, objectData: csv(sym) } });
        expect(up.isError).toBeFalsy();
      }
      const r = await s.client.callTool({
        name: 'test_cointegration',
        arguments: { symbol1: 'KO', symbol2: 'PEP', start_date: '2023-01-01', end_date: '2030-01-01' },
      });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect(near((r.structuredContent as { statistic: number }).statistic, g.coint['KO|PEP|log']!.statistic, 1e-6)).toBe(true);
      expect(s.sandbox.requests.filter((q) => q.operation === 'POST /object/get')).toHaveLength(4);
      const missing = await s.client.callTool({ name: 'get_history', arguments: { symbols: ['XOM'], start_date: '2023-01-01', end_date: '2024-01-01' } });
      expect(JSON.stringify(missing.content)).toMatch(/unknown symbol XOM: Object Store key research\/prices\/XOM\.csv/);
    } finally {
      await s.close();
    }
  });
});
