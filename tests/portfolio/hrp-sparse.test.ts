/**
 * HRP clustered on d̃ (the paper's distance between distance vectors) against scipy's linkage as the
 * paper's code calls it, beside the default d; and sparse_optimization's max_assets search.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hrp, LINKAGES } from '../../plugins/quant/portfolio/hrp.js';
import { sparseTracking } from '../../plugins/quant/portfolio/sparse.js';
import { correlationFrom, covarianceMatrix } from '../../plugins/quant/stats/describe.js';
import { near } from '../helpers/golden.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { allEnabledOverlay } from '../helpers/overlay.js';
import { dataOf, portfolioGolden } from '../helpers/portfolio.js';

describe.each(['A', 'B', 'P'] as const)('HRP on d-tilde, set %s', (set) => {
  const g = portfolioGolden(set);
  const { returns } = dataOf(set, g.symbols);
  const assets = returns.slice(0, -1);

  it('equals scipy linkage(d) as the paper calls it, for every linkage method', async () => {
    const p = assets.length;
    const cov = await covarianceMatrix(assets);
    const corr = correlationFrom(cov, p);
    for (const method of LINKAGES) {
      const ref = g.hrp_d_tilde[method]!;
      const ours = hrp(cov, corr, p, method, 'd_tilde');
      expect(
        ours.order.map((i) => g.symbols[i]),
        method,
      ).toEqual(ref.order);
      Object.values(ref.weights).forEach((w, i) => expect(near(ours.weights[i]!, w, 1e-10), `${method} ${i}`).toBe(true));
      if (set === 'P')
        expect(
          hrp(cov, corr, p, method).order.map((i) => g.symbols[i]),
          `${method}: d and d-tilde differ on P`,
        ).not.toEqual(ref.order);
    }
  });
});

const open: Connected[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});
const P = portfolioGolden('P');
const symbols = P.symbols.slice(0, -1);
const range = { start_date: '2021-01-01', end_date: '2024-12-31' };
async function server(): Promise<Connected> {
  const c = await connect({
    env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: `csv:${resolve('tests/fixtures/portfolio/P')}`, QC_MCP_TOOLS: allEnabledOverlay() }),
  });
  open.push(c);
  return c;
}

describe('through the tools (set P)', () => {
  it('hierarchical_risk_parity takes distance d_tilde, says so, and equals the paper-style reference; d stays the default', async () => {
    const c = await server();
    const r = await c.client.callTool({ name: 'hierarchical_risk_parity', arguments: { symbols, linkage: 'single', distance: 'd_tilde', ...range } });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    const out = r.structuredContent as { weights: Record<string, number>; order: string[]; distance: string };
    expect(out.distance).toBe('d_tilde');
    expect(out.order).toEqual(P.hrp_d_tilde.single!.order);
    for (const [s, w] of Object.entries(P.hrp_d_tilde.single!.weights)) expect(near(out.weights[s]!, w, 1e-10)).toBe(true);
    const byDefault = (await c.client.callTool({ name: 'hierarchical_risk_parity', arguments: { symbols, ...range } })).structuredContent as {
      order: string[];
      distance: string;
    };
    expect(byDefault.distance).toBe('d');
    expect(byDefault.order).toEqual(P.hrp.single!.order);
  });

  it.each([3, 8])('sparse_optimization max_assets %i: at most that many names, the chosen lambda reported and reproducible', async (k) => {
    const c = await server();
    const r = await c.client.callTool({
      name: 'sparse_optimization',
      arguments: { portfolio_symbols: symbols, benchmark_symbol: 'IDX', max_weight: 0.4, max_assets: k, ...range },
    });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    const out = r.structuredContent as { weights: Record<string, number>; active_count: number; lambda: number; lambda_evaluations: number };
    expect(out.active_count).toBeLessThanOrEqual(k);
    expect(Object.keys(out.weights)).toHaveLength(out.active_count);
    expect(out.lambda).toBeGreaterThan(0);
    expect(out.lambda_evaluations).toBeGreaterThan(1);
    // The reported lambda, solved directly, gives the same portfolio; a tenth of it holds more names.
    const { returns } = dataOf('P', P.symbols);
    const opts = { maxWeight: 0.4, huberM: 0.01, p: 1e-3, maxIterations: 2000, tolerance: 1e-10 };
    const direct = sparseTracking(returns.slice(0, -1), returns.at(-1)!, { ...opts, lambda: out.lambda });
    expect(direct.weights.filter((w) => w > 0).length).toBe(out.active_count);
    const looser = sparseTracking(returns.slice(0, -1), returns.at(-1)!, { ...opts, lambda: out.lambda / 10 });
    expect(looser.weights.filter((w) => w > 0).length).toBeGreaterThan(k);
  });

  it('sparse_optimization reports the lambda it used without max_assets, and refuses an unreachable max_assets', async () => {
    const c = await server();
    const r = await c.client.callTool({
      name: 'sparse_optimization',
      arguments: { portfolio_symbols: symbols, benchmark_symbol: 'IDX', lambda: 1e-5, ...range },
    });
    expect((r.structuredContent as { lambda: number }).lambda).toBe(1e-5);
    const bad = await c.client.callTool({
      name: 'sparse_optimization',
      arguments: { portfolio_symbols: symbols, benchmark_symbol: 'IDX', max_weight: 0.25, max_assets: 3, ...range },
    });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/max_assets 3 names capped at max_weight 0.25 cannot sum to 1; allow at least 4/);
  });
});
