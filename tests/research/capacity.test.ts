/** Symbol caps that follow capacity (plugins/quant/capacity.ts), through a real MCP client: a session is held to a direct call's ceiling and budget. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPS, PAIR_ROWS_BUDGET, symbolsWithin } from '../../plugins/quant/capacity.js';
import { prng } from '../../src/sandbox/simulate.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';

const ROWS = 1000;
const names = Array.from({ length: 330 }, (_, i) => `C${String(i).padStart(3, '0')}`);
const range = { start_date: '2000-01-01', end_date: '2010-12-31' };
let c: Connected;
const text = (r: { content: unknown }) => (r.content as { text?: string }[]).map((x) => x.text ?? '').join(' ');

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qcmcp-caps-'));
  const next = prng(9);
  const dates = Array.from({ length: ROWS }, (_, i) => new Date(Date.UTC(2001, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
  for (const s of names) {
    let p = 50;
    writeFileSync(join(dir, `${s}.csv`), ['date,close', ...dates.map((d) => `${d},${(p *= 1 + (next() - 0.5) * 0.02)}`)].join('\n'));
  }
  c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: `csv:${dir}` }) });
}, 60_000);
afterAll(async () => {
  await c?.close();
});

describe('caps', () => {
  it('the pair budget gives the symbols a screen may take at a given history', () => {
    expect(symbolsWithin('pairs', 2520)).toBe(199);
    const n = symbolsWithin('pairs', ROWS);
    expect(((n * (n - 1)) / 2) * ROWS).toBeLessThanOrEqual(PAIR_ROWS_BUDGET);
    expect((((n + 1) * n) / 2) * ROWS).toBeGreaterThan(PAIR_ROWS_BUDGET);
  });

  it("a session over test_johansen's ceiling is refused as a direct list of the same size is", async () => {
    const thirteen = names.slice(0, CAPS.johansen + 1);
    const direct = await c.client.callTool({ name: 'test_johansen', arguments: { symbols: thirteen, ...range } });
    expect(direct.isError).toBe(true);
    await c.client.callTool({ name: 'add_multiple_equities', arguments: { tickers: thirteen, ...range, resolution: 'daily', instance_name: 'j' } });
    const viaSession = await c.client.callTool({ name: 'test_johansen', arguments: { instance_name: 'j' } });
    expect(viaSession.isError).toBe(true);
    expect(text(viaSession)).toMatch(/test_johansen takes at most 12 symbols; this call has 13/);
  });

  it('a screen over the pairs x rows budget is refused before any work, naming how many symbols fit', async () => {
    const r = await c.client.callTool({ name: 'find_cointegrated_pairs', arguments: { symbols: names, ...range } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(new RegExp(`54285 pairs x ${ROWS} rows is over the budget .* at most ${symbolsWithin('pairs', ROWS)} symbols`));
    // The same budget holds for a session that holds all of them.
    await c.client.callTool({ name: 'add_multiple_equities', arguments: { tickers: names, ...range, resolution: 'daily', instance_name: 'all' } });
    const viaSession = await c.client.callTool({ name: 'find_cointegrated_pairs', arguments: { instance_name: 'all' } });
    expect(text(viaSession)).toMatch(/over the budget/);
  }, 120_000);
});
