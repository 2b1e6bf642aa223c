/**
 * The result budget (src/server/result-budget.ts) through a real MCP client: every research,
 * portfolio and universe tool at its largest allowed input stays under RESULT_BUDGET_CHARS (text plus
 * structured content), and what was moved out is read back whole through resources/read.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_BUDGET_CHARS } from '../../src/server/result-budget.js';
import { prng } from '../../src/sandbox/simulate.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { allEnabledOverlay } from '../helpers/overlay.js';

const ROWS = 90;
const names = Array.from({ length: 1000 }, (_, i) => `S${String(i).padStart(4, '0')}`);
const range = { start_date: '2020-01-01', end_date: '2020-12-31' };
let c: Connected;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qcmcp-budget-'));
  const next = prng(4);
  const dates = Array.from({ length: ROWS }, (_, i) => new Date(Date.UTC(2020, 0, 2) + i * 86_400_000).toISOString().slice(0, 10));
  for (const s of names) {
    let price = 20 + 100 * next();
    const rows = ['date,open,high,low,close,volume'];
    for (const d of dates) {
      price *= 1 + (next() - 0.5) * 0.04;
      rows.push(`${d},${price},${price * 1.01},${price * 0.99},${price},${Math.round(next() * 1e6)}`);
    }
    writeFileSync(join(dir, `${s}.csv`), rows.join('\n'));
  }
  c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: `csv:${dir}`, QC_MCP_TOOLS: allEnabledOverlay() }) });
}, 60_000);
afterAll(async () => {
  await c?.close();
});

const first = (n: number) => names.slice(0, n);
const CASES: [string, Record<string, unknown>][] = [
  [
    'get_history',
    { symbols: first(50), ...range, resolution: 'daily', include_rows: true, max_rows: 5000, fields: ['open', 'high', 'low', 'close', 'volume'] },
  ],
  ['add_equity', { ticker: 'S0000', ...range, resolution: 'daily', instance_name: 'one' }],
  ['add_multiple_equities', { tickers: first(500), ...range, resolution: 'daily', instance_name: 'big' }],
  ['test_cointegration', { symbol1: 'S0000', symbol2: 'S0001', ...range }],
  ['test_johansen', { symbols: first(12), ...range }],
  ['analyze_mean_reversion', { symbols: first(50), ...range }],
  ['perform_pca_analysis', { symbols: first(500), ...range, n_components: 500 }],
  ['calculate_correlation_matrix', { symbols: first(500), ...range, method: 'pearson', include_matrix: true }],
  ['calculate_correlation_matrix', { symbols: first(500), ...range, method: 'spearman', include_matrix: true }],
  ['find_cointegrated_pairs', { symbols: first(120), ...range, p_value_threshold: 0.99, max_pairs: 1000 }],
  ['calculate_portfolio_performance', { symbols: first(200), weights: first(200).map(() => 1 / 200), ...range }],
  ['optimize_equal_weight_portfolio', { symbols: first(200), ...range }],
  ['sparse_optimization', { portfolio_symbols: first(500), benchmark_symbol: 'S0999', ...range, max_iterations: 50 }],
  ['hierarchical_risk_parity', { symbols: first(1000), ...range }],
  ['minimize_cvar', { symbols: first(500), ...range }],
  ['screen_assets_by_criteria', { symbols: first(500), ...range, min_return: -10 }],
  ['select_uncorrelated_assets', { symbols: first(500), ...range, n_assets: 499 }],
];

describe(`every research, portfolio and universe tool at its largest input stays under ${RESULT_BUDGET_CHARS} characters`, () => {
  it.each(CASES)(
    '%s',
    async (name, args) => {
      const r = await c.client.callTool({ name, arguments: args });
      const text = (r.content as { type: string; text?: string }[]).map((x) => x.text ?? '').join('');
      expect(r.isError, `${name}: ${text.slice(0, 300)}`).toBeFalsy();
      const chars = text.length + JSON.stringify(r.structuredContent).length;
      expect(chars, name).toBeLessThanOrEqual(RESULT_BUDGET_CHARS);
    },
    240_000,
  );

  it('a matrix moved out of the result reads back whole, as JSON and as CSV', async () => {
    const r = await c.client.callTool({ name: 'calculate_correlation_matrix', arguments: { symbols: first(300), ...range, include_matrix: true } });
    const s = r.structuredContent as { matrix: number[][]; resources: { field: string; uri: string; csv_uri?: string; items_total: number }[] };
    const moved = s.resources.find((m) => m.field === 'matrix')!;
    expect(moved.items_total).toBe(300);
    expect((r.content as { type: string; uri?: string }[]).some((x) => x.type === 'resource_link' && x.uri === moved.uri)).toBe(true);
    const json = await c.client.readResource({ uri: moved.uri });
    const matrix = JSON.parse((json.contents[0] as { text: string }).text) as number[][];
    expect(matrix).toHaveLength(300);
    expect(matrix.every((row, i) => row.length === 300 && row[i] === 1)).toBe(true);
    const csv = await c.client.readResource({ uri: moved.csv_uri! });
    const lines = (csv.contents[0] as { text: string; mimeType: string }).text.trim().split('\r\n');
    expect(lines).toHaveLength(300);
    expect(Number(lines[7]!.split(',')[3])).toBe(matrix[7]![3]);
    // Only the identity that made the result can read it, and a made-up id is not found.
    await expect(c.client.readResource({ uri: moved.uri.replace(/results\/[^/]+/, 'results/00000000-0000-0000-0000-000000000000') })).rejects.toThrow(
      /No result/,
    );
  }, 120_000);

  it('a small result is unchanged: its text is the JSON of its structured content', async () => {
    const r = await c.client.callTool({ name: 'test_cointegration', arguments: { symbol1: 'S0000', symbol2: 'S0001', ...range } });
    expect(JSON.parse((r.content as { text: string }[])[0]!.text)).toEqual(r.structuredContent);
  });
});
