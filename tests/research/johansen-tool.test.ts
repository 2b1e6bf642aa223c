/**
 * test_johansen through a real MCP client on degenerate data: collinear symbols are an isError naming
 * them (never a JSON-RPC error, never numbers), a constant symbol is left out with a note, and every
 * result names its deterministic case and critical-value table.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closes, golden, near } from '../helpers/golden.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';

const g = golden('A');
const _range = { start_date: g.start, end_date: g.end };
let c: Connected;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qcmcp-johansen-'));
  const ko = closes('A', 'KO');
  const csv = (values: number[]) => ['date,close', ...values.map((v, i) => `${datesOf(i)},${v}`)].join('\n');
  const day0 = Date.UTC(2023, 0, 2);
  const datesOf = (i: number) => new Date(day0 + i * 86_400_000).toISOString().slice(0, 10);
  writeFileSync(join(dir, 'KO.csv'), csv(ko));
  writeFileSync(join(dir, 'KO2.csv'), csv(ko.map((v) => 2 * v)));
  writeFileSync(join(dir, 'PEP.csv'), csv(closes('A', 'PEP')));
  writeFileSync(join(dir, 'MRV.csv'), csv(closes('A', 'MRV')));
  writeFileSync(join(dir, 'FLAT.csv'), csv(ko.map(() => 25)));
  c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: `csv:${dir}` }) });
});
afterAll(async () => c.close());

const call = (args: Record<string, unknown>) =>
  c.client.callTool({ name: 'test_johansen', arguments: { start_date: '2023-01-01', end_date: '2030-12-31', ...args } });

describe('test_johansen on degenerate input', () => {
  it.each([
    ['raw prices', 'none', 0],
    ['log prices', 'log', 0],
    ['log prices, no constant', 'log', -1],
    ['raw prices, trend', 'none', 1],
  ])('%s of KO and 2 x KO: an isError naming KO and KO2', async (_label, transform, det) => {
    const r = await call({ symbols: ['KO', 'KO2', 'MRV'], price_transform: transform, det_order: det });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toMatch(/KO, KO2 are collinear/);
    expect(r.structuredContent).toBeUndefined();
  });

  it('a constant symbol is left out with a note naming it; the others are tested', async () => {
    const r = await call({ symbols: ['KO', 'FLAT', 'PEP', 'MRV'] });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    const out = r.structuredContent as { symbols: string[]; notes: string[]; trace_statistics: number[] };
    expect(out.symbols).toEqual(['KO', 'PEP', 'MRV']);
    expect(out.notes.join(' ')).toMatch(/FLAT is constant/);
    expect(JSON.stringify(r.content)).toMatch(/FLAT is constant/);
    out.trace_statistics.forEach((v, i) => expect(near(v, g.johansen['0|1']!.trace[i]!, 1e-6)).toBe(true));
  });

  it('only one varying symbol left is an isError naming the constant one', async () => {
    const r = await call({ symbols: ['KO', 'FLAT'] });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toMatch(/FLAT does not/);
  });

  it.each([
    [-1, 'no constant', /case 1/],
    [0, 'unrestricted constant', /case 3/],
    [1, 'trend', /case 5/],
  ])('det_order %i is named "%s" and cites its table', async (det, name, table) => {
    const r = await call({ symbols: ['KO', 'PEP', 'MRV'], det_order: det });
    const d = (r.structuredContent as { deterministic: { name: string; critical_values: string } }).deterministic;
    expect(d.name).toBe(name);
    expect(d.critical_values).toMatch(/MacKinnon, Haug & Michelis \(1999/);
    expect(d.critical_values).toMatch(table);
  });
});
