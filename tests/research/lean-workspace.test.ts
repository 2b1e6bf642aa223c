/**
 * Finding the user's data: a LEAN CLI workspace (lean.json with comments, as `lean init` writes it)
 * found from a project folder inside it, QC_MCP_LEAN_CONFIG, QC_MCP_DATA winning over both, and
 * list_available_data on what was found; intraday LEAN files resampled to session-aligned bars.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leanWorkspace, minuteRow } from '../helpers/lean-workspace.js';
import { connect, type Connected } from '../helpers/mcp.js';

const open: Connected[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});
const state = () => mkdtempSync(join(tmpdir(), 'qcmcp-state-'));
async function server(env: Record<string, string>, cwd: string): Promise<Connected> {
  const c = await connect({ env: { QC_MCP_STATE_DIR: state(), ...env }, cwd });
  open.push(c);
  return c;
}
const call = async (c: Connected, name: string, args: Record<string, unknown>) => {
  const r = await c.client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  return r.structuredContent as Record<string, unknown>;
};

describe('LEAN CLI workspace detection', () => {
  const ws = leanWorkspace();

  it('finds lean.json in a parent of the working directory and lists the data folder', async () => {
    const c = await server({}, ws.project);
    expect(c.runtime.settings.data).toBe(`lean:${ws.data}`);
    expect(c.runtime.settings.dataOrigin).toBe(`LEAN workspace ${join(ws.root, 'lean.json')} (data-folder)`);
    const out = await call(c, 'list_available_data', {});
    expect(out.data_source).toBe('lean');
    expect(out.etfs).toEqual(['SPY']);
    expect(out.symbols).toEqual([
      { symbol: 'KO', resolutions: [{ resolution: 'daily', start: '2024-01-02', end: '2024-03-01' }] },
      { symbol: 'PEP', resolutions: [{ resolution: 'daily', start: '2024-01-02', end: '2024-03-01' }] },
      {
        symbol: 'SPY',
        resolutions: [
          { resolution: 'hour', start: '2024-01-02T09:00', end: '2024-01-03T15:00' },
          { resolution: 'minute', start: '2024-01-02', end: '2024-01-03' },
        ],
      },
    ]);
    const prefix = await call(c, 'list_available_data', { prefix: 'p' });
    expect((prefix.symbols as { symbol: string }[]).map((s) => s.symbol)).toEqual(['PEP']);
    // Real data: no simulated note, and results say where they came from.
    const history = await c.client.callTool({ name: 'get_history', arguments: { symbols: ['KO', 'PEP'], start_date: '2024-01-01', end_date: '2024-12-31' } });
    expect((history.structuredContent as { data_source: string }).data_source).toBe('lean');
    expect((history.content as { text: string }[])[0]!.text.startsWith('{')).toBe(true);
  });

  it('QC_MCP_LEAN_CONFIG names the workspace from anywhere; QC_MCP_DATA wins over both; off skips the search', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'qcmcp-cwd-'));
    const byConfig = await server({ QC_MCP_LEAN_CONFIG: ws.root }, elsewhere);
    expect(byConfig.runtime.settings.data).toBe(`lean:${ws.data}`);
    expect(byConfig.runtime.settings.dataOrigin).toBe(`QC_MCP_LEAN_CONFIG (${join(ws.root, 'lean.json')})`);
    const byData = await server({ QC_MCP_DATA: `csv:${elsewhere}`, QC_MCP_LEAN_CONFIG: ws.root }, ws.project);
    expect([byData.runtime.settings.data, byData.runtime.settings.dataOrigin]).toEqual([`csv:${elsewhere}`, 'QC_MCP_DATA']);
    const off = await server({ QC_MCP_LEAN_CONFIG: 'off' }, ws.project);
    expect(off.runtime.settings.data).toBe('sim:');
    await expect(connect({ env: { QC_MCP_STATE_DIR: state(), QC_MCP_LEAN_CONFIG: join(elsewhere, 'nope.json') } })).rejects.toThrow(
      /QC_MCP_LEAN_CONFIG: .*nope.json does not exist/,
    );
  });

  it('a lean.json whose data folder is missing is reported, and the sandbox falls back to the simulated market', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'qcmcp-workspace-'));
    writeFileSync(join(broken, 'lean.json'), '{ "data-folder": "../nowhere" }');
    const c = await server({}, broken);
    expect(c.runtime.settings.data).toBe('sim:');
    expect(c.runtime.settings.dataOrigin).toMatch(/lean\.json names the data folder .*nowhere, which does not exist/);
  });

  it('reads ETF constituents from the workspace', async () => {
    const { unrestrictedOverlay } = await import('../helpers/overlay.js');
    const c = await server({ QC_MCP_TOOLS: unrestrictedOverlay() }, ws.project);
    const out = await call(c, 'get_etf_constituents', { etf_ticker: 'SPY', date: '2024-01-05' });
    expect(out.constituents).toEqual([
      { symbol: 'KO', weight: 0.6, shares_held: 1000, market_value: null },
      { symbol: 'PEP', weight: 0.4, shares_held: 500, market_value: null },
    ]);
  });
});

describe('intraday LEAN data resampled to N-minute session bars', () => {
  const ws = leanWorkspace();

  it('minute files to 15-minute bars: 26 a day from 9:30, none across the night, none outside the session', async () => {
    const c = await server({}, ws.project);
    const out = await call(c, 'get_history', {
      symbols: ['SPY'],
      start_date: '2024-01-02',
      end_date: '2024-01-03',
      resolution: 'minute',
      bar_minutes: 15,
      include_rows: true,
      max_rows: 100,
      fields: ['open', 'high', 'low', 'close', 'volume'],
    });
    expect(out.bar).toBe('15min');
    const rows = (out.series as { rows_included: Record<string, number | string>[] }[])[0]!.rows_included;
    expect(rows).toHaveLength(52);
    const bar = (day: number, k: number) => {
      const m = Array.from({ length: 15 }, (_, j) => minuteRow(day, 15 * k + j));
      const time = 9 * 60 + 30 + 15 * k;
      return {
        date: `2024-01-0${day + 2}T${String(Math.floor(time / 60)).padStart(2, '0')}:${String(time % 60).padStart(2, '0')}`,
        open: m[0]!.open / 10_000,
        high: Math.max(...m.map((x) => x.high)) / 10_000,
        low: Math.min(...m.map((x) => x.low)) / 10_000,
        close: m[14]!.close / 10_000,
        volume: m.reduce((s, x) => s + x.volume, 0),
      };
    };
    expect(rows[0]).toEqual(bar(0, 0));
    expect(rows[25]).toEqual(bar(0, 25));
    expect(rows[25]!.date).toBe('2024-01-02T15:45');
    expect(rows[26]).toEqual(bar(1, 0));
    expect(rows[51]).toEqual(bar(1, 25));
  });

  it("hour files to 2-hour bars, taken from each day's first bar; other sizes are refused with the reason", async () => {
    const c = await server({}, ws.project);
    const out = await call(c, 'get_history', {
      symbols: ['SPY'],
      start_date: '2024-01-02',
      end_date: '2024-01-03',
      resolution: 'hour',
      bar_minutes: 120,
      include_rows: true,
      fields: ['open', 'close', 'volume'],
    });
    const rows = (out.series as { rows_included: Record<string, number | string>[] }[])[0]!.rows_included;
    expect(rows.map((r) => r.date)).toEqual([
      '2024-01-02T09:00',
      '2024-01-02T11:00',
      '2024-01-02T13:00',
      '2024-01-02T15:00',
      '2024-01-03T09:00',
      '2024-01-03T11:00',
      '2024-01-03T13:00',
      '2024-01-03T15:00',
    ]);
    expect(rows[0]).toEqual({ date: '2024-01-02T09:00', open: 400, close: 400.15, volume: 2001 });
    for (const [args, message] of [
      [{ resolution: 'hour', bar_minutes: 15 }, /multiples of 60/],
      [{ resolution: 'daily', bar_minutes: 15 }, /resamples intraday bars: use it with resolution .*minute.* or .*hour/],
    ] as const) {
      const r = await c.client.callTool({ name: 'get_history', arguments: { symbols: ['SPY'], start_date: '2024-01-02', end_date: '2024-01-03', ...args } });
      expect(r.isError).toBe(true);
      expect(JSON.stringify(r.content)).toMatch(message);
    }
  });

  it('statistics on a session of 15-minute bars state the bar and annualise with bars per year', async () => {
    const c = await server({}, ws.project);
    await call(c, 'add_equity', {
      ticker: 'SPY',
      start_date: '2024-01-02',
      end_date: '2024-01-03',
      resolution: 'minute',
      bar_minutes: 15,
      instance_name: 'm15',
    });
    const out = await call(c, 'analyze_mean_reversion', { instance_name: 'm15', lookback_period: 10 });
    expect([out.bar, out.periods_per_year, out.n_obs]).toEqual(['15min', 252 * 26, 52]);
  });
});
