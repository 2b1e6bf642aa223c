/**
 * The portfolio and universe tools through a real MCP client on the CSV golden data: golden agreement
 * end to end, rebalancing that changes the path, sparsity that follows lambda, CSV export with a
 * resource link, ETF constituents from LEAN files the test writes, and bad input as a clear isError.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { near } from '../helpers/golden.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { allEnabledOverlay } from '../helpers/overlay.js';
import { portfolioGolden } from '../helpers/portfolio.js';

const open: Connected[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});

async function server(data: string, extra: Record<string, string> = {}): Promise<Connected> {
  const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: data, QC_MCP_TOOLS: allEnabledOverlay(), ...extra }) });
  open.push(c);
  return c;
}
const call = (c: Connected, name: string, args: Record<string, unknown>) => c.client.callTool({ name, arguments: args });
const ok = async (c: Connected, name: string, args: Record<string, unknown>) => {
  const r = await call(c, name, args);
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  return r;
};
const fails = async (c: Connected, name: string, args: Record<string, unknown>, message: RegExp) => {
  const r = await call(c, name, args);
  expect(r.isError, `${name} should fail`).toBe(true);
  expect(JSON.stringify(r.content)).toMatch(message);
};

const P = portfolioGolden('P');
const assets = P.symbols.slice(0, -1);
const range = { start_date: '2021-01-01', end_date: '2024-12-31' };

describe('portfolio tools (set P, csv source)', () => {
  it('calculate_portfolio_performance matches the golden figures, and monthly rebalancing differs from buy-and-hold', async () => {
    const c = await server(`csv:${resolve('tests/fixtures/portfolio/P')}`);
    const results: Record<string, Record<string, unknown>> = {};
    for (const freq of ['none', 'monthly']) {
      const ref = P.performance[`levered|${freq}`]!;
      const r = await ok(c, 'calculate_portfolio_performance', {
        symbols: assets.slice(0, 4),
        weights: ref.weights,
        benchmark_symbol: 'IDX',
        rebalance_frequency: freq,
        risk_free_rate: 0.02,
        ...range,
      });
      const out = r.structuredContent as Record<string, unknown>;
      results[freq] = out;
      for (const field of [
        'total_return',
        'cagr',
        'annual_volatility',
        'sharpe_ratio',
        'sortino_ratio',
        'max_drawdown',
        'calmar_ratio',
        'hit_rate',
        'turnover',
        'beta',
        'alpha',
        'tracking_error',
        'information_ratio',
      ]) {
        expect(near(out[field] as number, ref[field] as number, 1e-9), `${freq} ${field}`).toBe(true);
      }
      expect(out.gross_leverage).toBeCloseTo(1.8, 12);
      expect((out.notes as string[]).join(' ')).toMatch(/borrowed.*Short positions: P01.*Gross leverage 1\.8/);
    }
    expect(results.none!.total_return).not.toBe(results.monthly!.total_return);
    expect(results.none!.turnover).toBe(0);
    expect(results.monthly!.rebalances).toBeGreaterThan(30);
  });

  it('sparse_optimization: fewer assets as lambda rises, matching the numpy MM; the text is a weights table', async () => {
    const c = await server(`csv:${resolve('tests/fixtures/portfolio/P')}`);
    const counts: number[] = [];
    for (const ref of Object.values(P.sparse!)) {
      const r = await ok(c, 'sparse_optimization', {
        portfolio_symbols: assets,
        benchmark_symbol: 'IDX',
        max_weight: ref.max_weight,
        lambda: ref.lambda,
        huber_m: ref.huber_m,
        ...range,
      });
      const out = r.structuredContent as { weights: Record<string, number>; active_count: number; converged: boolean; tracking_error: number };
      counts.push(out.active_count);
      expect(out.active_count).toBe(ref.weights.filter((w) => w > 0).length);
      for (const [s, w] of Object.entries(out.weights)) expect(Math.abs(w - ref.weights[assets.indexOf(s)]!)).toBeLessThan(1e-7);
      expect(out.tracking_error).toBeGreaterThan(0);
      expect((r.content as { text: string }[])[0]!.text).toMatch(/^Sparse tracking of IDX: \d+ of 24 assets\nP\d\d\s+\d+\.\d\d%/);
    }
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(new Set(counts).size).toBe(counts.length);
  });

  it('HRP and min-CVaR through the tools equal the references; export writes CSV and links it', async () => {
    const exportDir = mkdtempSync(join(tmpdir(), 'qcmcp-export-'));
    const c = await server(`csv:${resolve('tests/fixtures/portfolio/P')}`, { QC_MCP_EXPORT_DIR: exportDir });
    const h = await ok(c, 'hierarchical_risk_parity', { symbols: assets, linkage: 'ward', ...range });
    const hw = (h.structuredContent as { weights: Record<string, number> }).weights;
    for (const [s, w] of Object.entries(P.hrp.ward!.weights)) expect(near(hw[s]!, w, 1e-10)).toBe(true);
    expect((h.structuredContent as { order: string[] }).order).toEqual(P.hrp.ward!.order);

    const r = await ok(c, 'minimize_cvar', { symbols: assets, alpha: P.cvar.alpha, max_weight: P.cvar.max_weight, export: true, ...range });
    const out = r.structuredContent as { cvar: number; var: number; weights: Record<string, number>; export_path: string };
    expect(Math.abs(out.cvar - P.cvar.cvar)).toBeLessThan(1e-8);
    const link = (r.content as { type: string; uri?: string; mimeType?: string }[]).find((x) => x.type === 'resource_link')!;
    expect(link.mimeType).toBe('text/csv');
    const file = out.export_path;
    expect(file.startsWith(exportDir)).toBe(true);
    const read = await c.client.readResource({ uri: link.uri! });
    expect((read.contents[0] as { text: string }).text).toBe(readFileSync(file, 'utf8'));
    const rows = readFileSync(file, 'utf8').trim().split('\r\n');
    expect(rows[0]).toBe('symbol,weight');
    expect(
      rows
        .slice(1)
        .map((row) => Number(row.split(',')[1]))
        .reduce((a, b) => a + b, 0),
    ).toBeCloseTo(1, 9);
    const noExport = await ok(c, 'minimize_cvar', { symbols: assets.slice(0, 5), ...range });
    expect((noExport.content as { type: string }[]).some((x) => x.type === 'resource_link')).toBe(false);
  });

  it('optimize_equal_weight_portfolio: monthly and daily paths differ; contributions and diversification ratio match', async () => {
    const c = await server(`csv:${resolve('tests/fixtures/portfolio/P')}`);
    const monthly = (await ok(c, 'optimize_equal_weight_portfolio', { symbols: assets, rebalance_frequency: 'monthly', ...range })).structuredContent as Record<
      string,
      unknown
    >;
    const daily = (await ok(c, 'optimize_equal_weight_portfolio', { symbols: assets, rebalance_frequency: 'daily', ...range })).structuredContent as Record<
      string,
      unknown
    >;
    const total = (o: Record<string, unknown>) => (o.performance as { total_return: number }).total_return;
    expect(near(total(monthly), P.equal_weight.monthly!.total_return, 1e-10)).toBe(true);
    expect(near(total(daily), P.equal_weight.daily!.total_return, 1e-10)).toBe(true);
    expect(total(monthly)).not.toBe(total(daily));
    expect(near(monthly.diversification_ratio as number, P.equal_weight.monthly!.diversification_ratio, 1e-10)).toBe(true);
    for (const [s, v] of Object.entries(P.equal_weight.monthly!.contributions))
      expect(near((monthly.contributions as Record<string, number>)[s]!, v, 1e-10)).toBe(true);
  });

  it('bad input is a clear isError', async () => {
    const c = await server(`csv:${resolve('tests/fixtures/portfolio/P')}`);
    await fails(c, 'calculate_portfolio_performance', { symbols: ['P00', 'P01'], weights: [1], ...range }, /weights has 1 values for 2 symbols/);
    await fails(c, 'calculate_portfolio_performance', { symbols: ['P00', 'NOPE'], weights: [0.5, 0.5], ...range }, /NOPE/);
    await fails(c, 'minimize_cvar', { symbols: assets.slice(0, 4), max_weight: 0.2, ...range }, /Infeasible: max_weight 0\.2 x 4 symbols = 0\.8 < 1/);
    await fails(
      c,
      'sparse_optimization',
      { portfolio_symbols: assets.slice(0, 3), benchmark_symbol: 'IDX', max_weight: 0.3, ...range },
      /Infeasible: max_weight 0\.3 x 3 symbols/,
    );
    await fails(
      c,
      'minimize_cvar',
      { symbols: assets.slice(0, 4), target_return: 5, ...range },
      /Infeasible: no long-only portfolio .* reaches target_return 5/,
    );
    await fails(c, 'hierarchical_risk_parity', { symbols: ['P00', 'P01'], start_date: '2021-01-04', end_date: '2021-01-20' }, /at least 30 are needed/);
    await fails(c, 'sparse_optimization', { portfolio_symbols: ['P00', 'IDX'], benchmark_symbol: 'idx', ...range }, /also in portfolio_symbols/);
    await fails(c, 'calculate_portfolio_performance', { symbols: ['P00'], weights: [1], rebalance_frequency: 'yearly', ...range }, /rebalance_frequency/);
  });
});

describe('universe tools', () => {
  it('screens with reasons, and selects a less correlated set than the sum-of-correlations ranking', async () => {
    const c = await server(`csv:${resolve('tests/fixtures/portfolio/P')}`);
    const s = (
      await ok(c, 'screen_assets_by_criteria', { symbols: assets.slice(0, 8), max_volatility: 0.3, max_correlation: 0.9, benchmark_symbol: 'IDX', ...range })
    ).structuredContent as {
      passed: { symbol: string; annual_volatility: number; correlation: number }[];
      failed: { symbol: string; reasons: string[] }[];
    };
    expect(s.passed.length + s.failed.length).toBe(8);
    for (const p of s.passed) expect(p.annual_volatility <= 0.3 && p.correlation <= 0.9).toBe(true);
    for (const f of s.failed) expect(f.reasons.join(' ')).toMatch(/annual_volatility .* > max_volatility 0\.3|correlation to IDX .* > max_correlation 0\.9/);
    await fails(c, 'screen_assets_by_criteria', { symbols: ['P00'], max_correlation: 0.5, ...range }, /needs benchmark_symbol/);

    for (const method of ['greedy', 'cluster']) {
      const u = (await ok(c, 'select_uncorrelated_assets', { symbols: assets, n_assets: 5, method, ...range })).structuredContent as {
        selected: string[];
        average_correlation: number;
        sum_of_correlations_ranking: { average_correlation: number };
      };
      expect(u.selected).toHaveLength(5);
      expect(new Set(u.selected).size).toBe(5);
      if (method === 'greedy') expect(u.average_correlation).toBeLessThanOrEqual(u.sum_of_correlations_ranking.average_correlation);
    }
    await fails(c, 'select_uncorrelated_assets', { symbols: assets.slice(0, 3), n_assets: 3, ...range }, /must be smaller/);
  });

  it('ETF constituents from a LEAN folder: exact date, nearest earlier date, loading into a session', async () => {
    const root = mkdtempSync(join(tmpdir(), 'qcmcp-lean-etf-'));
    const etf = join(root, 'equity', 'usa', 'universes', 'etf', 'spy');
    mkdirSync(etf, { recursive: true });
    writeFileSync(
      join(etf, '20240102.csv'),
      'AAA,AAA R735QTJ8XC9X,20240101,0.30,100,3000\nBBB,BBB R735QTJ8XC9X,20240101,0.50,100,5000\nZZZ,ZZZ R735QTJ8XC9X,20240101,0.20,100,2000\n',
    );
    writeFileSync(join(etf, '20240301.csv'), 'CCC,CCC R735QTJ8XC9X,20240229,1.0,1,1\n');
    const daily = join(root, 'equity', 'usa', 'daily');
    mkdirSync(daily, { recursive: true });
    const { zipSync, strToU8 } = await import('fflate');
    for (const [sym, base] of [
      ['aaa', 10],
      ['bbb', 20],
    ] as const) {
      const lines = Array.from(
        { length: 40 },
        (_, i) =>
          `${new Date(Date.UTC(2024, 0, 2 + i)).toISOString().slice(0, 10).replace(/-/g, '')} 00:00,${(base + i) * 10000},${(base + i) * 10000},${(base + i) * 10000},${(base + i) * 10000},1000`,
      );
      writeFileSync(join(daily, `${sym}.zip`), zipSync({ [`${sym}.csv`]: strToU8(lines.join('\n')) }));
    }
    const c = await server(`lean:${root}`);
    const exact = (await ok(c, 'get_etf_constituents', { etf_ticker: 'SPY', date: '2024-01-02' })).structuredContent as {
      as_of: string;
      constituents: { symbol: string; weight: number }[];
    };
    expect(exact.as_of).toBe('2024-01-02');
    expect(exact.constituents.map((x) => x.symbol)).toEqual(['BBB', 'AAA', 'ZZZ']);
    const earlier = (await ok(c, 'get_etf_constituents', { etf_ticker: 'spy', date: '2024-02-15' })).structuredContent as { as_of: string };
    expect(earlier.as_of).toBe('2024-01-02');
    await fails(
      c,
      'get_etf_constituents',
      { etf_ticker: 'SPY', date: '2023-12-01' },
      /no constituents on or before 2023-12-01; the earliest file is 2024-01-02/,
    );
    await fails(c, 'get_etf_constituents', { etf_ticker: 'QQQ', date: '2024-01-02' }, /no constituents folder for QQQ/);
    const added = (
      await ok(c, 'add_etf_universe_securities', {
        etf_ticker: 'SPY',
        date: '2024-01-05',
        start_date: '2024-01-01',
        end_date: '2024-12-31',
        instance_name: 'spy',
      })
    ).structuredContent as { added: string[]; skipped: { symbol: string }[] };
    expect(added.added.sort()).toEqual(['AAA', 'BBB']);
    expect(added.skipped.map((x) => x.symbol)).toEqual(['ZZZ']);
    const csv = await server(`csv:${resolve('tests/fixtures/portfolio/P')}`);
    await fails(csv, 'get_etf_constituents', { etf_ticker: 'SPY', date: '2024-01-02' }, /must be lean:DIR/);
    expect(existsSync(root)).toBe(true);
  });
});
