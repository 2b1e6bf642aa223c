/**
 * The built CLI over stdio with no settings, as `npm start` runs it: research works out of the box on
 * the simulated market and says so; started inside a LEAN CLI workspace, it reads the workspace's
 * data folder instead, and `doctor` says which source is active and why.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { leanWorkspace } from '../helpers/lean-workspace.js';

const CLI = resolve('dist/src/cli/main.js');
const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.close();
});

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return { ...env, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-state-')) };
}

async function start(cwd: string): Promise<Client> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does).`);
  const client = new Client({ name: 'e2e-research', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: cleanEnv(), cwd, stderr: 'ignore' }));
  clients.push(client);
  return client;
}

describe('research with no settings', () => {
  it('"Are KO and PEP cointegrated in 2023-2024? If so, analyse mean reversion with a 20-day lookback": yes, on the simulated market, and it says so', async () => {
    const client = await start(mkdtempSync(join(tmpdir(), 'qcmcp-cwd-')));
    const range = { start_date: '2023-01-01', end_date: '2024-12-31' };
    const coint = await client.callTool({ name: 'test_cointegration', arguments: { symbol1: 'KO', symbol2: 'PEP', ...range } });
    const c = coint.structuredContent as { is_cointegrated: boolean; hedge_ratio: number; data_source: string };
    expect(coint.isError).toBeFalsy();
    expect([c.is_cointegrated, c.data_source]).toEqual([true, 'simulated']);
    expect((coint.content as { text: string }[])[0]!.text).toMatch(/^SIMULATED market data/);
    const mr = await client.callTool({
      name: 'analyze_mean_reversion',
      arguments: { symbols: ['KO', 'PEP'], hedge_ratio: c.hedge_ratio, lookback_period: 20, ...range },
    });
    const m = mr.structuredContent as { results: { is_mean_reverting: boolean; half_life: number }[]; data_source: string };
    expect([m.results[0]!.is_mean_reverting, m.data_source]).toEqual([true, 'simulated']);
  });
});

describe('inside a LEAN CLI workspace', () => {
  const ws = leanWorkspace();

  it('lists the workspace data through a real MCP client', async () => {
    const client = await start(ws.project);
    const r = await client.callTool({ name: 'list_available_data', arguments: {} });
    const out = r.structuredContent as { source: string; data_source: string; origin: string; symbols: { symbol: string }[] };
    expect(out.source).toBe(`lean:${ws.data}`);
    expect(out.origin).toMatch(/^LEAN workspace .*lean\.json/);
    expect(out.symbols.map((s) => s.symbol)).toEqual(['KO', 'PEP', 'SPY']);
  });

  it('doctor reports the active source and why', () => {
    const text = execFileSync(process.execPath, [CLI, 'doctor'], { cwd: ws.project, env: cleanEnv(), encoding: 'utf8' });
    expect(text).toContain(`ok    data source: lean:${ws.data} (from LEAN workspace ${join(ws.root, 'lean.json')} (data-folder))`);
    const elsewhere = execFileSync(process.execPath, [CLI, 'doctor'], { cwd: mkdtempSync(join(tmpdir(), 'qcmcp-cwd-')), env: cleanEnv(), encoding: 'utf8' });
    expect(elsewhere).toMatch(/warn  data source: sim: SIMULATED market, not real prices \(from the sandbox default/);
  });
});
