/**
 * Charts render everywhere: with the native resvg hidden (as on a platform the package has no
 * binary for), the built server draws the same pictures with the WebAssembly build; with both
 * hidden, the result keeps its numbers and says in a note that the chart could not be drawn.
 */
import { resolve } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLDEN_DIR } from '../helpers/golden.js';

const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.close();
});

async function serverWithout(hidden: string): Promise<{ client: Client; stderr: () => string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', resolve('tests/fixtures/hide-modules.mjs'), 'dist/src/cli/main.js'],
    env: {
      ...env,
      QC_TEST_HIDE_MODULES: hidden,
      QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-charts-')),
      QC_MCP_DATA: `csv:${resolve(GOLDEN_DIR, 'A')}`,
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const client = new Client({ name: 'charts-fallback', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr };
}

const ARGS = { symbols: ['KO', 'PEP', 'MRV', 'QQQ', 'XLE', 'SPY'], plot: true, start_date: '2023-01-01', end_date: '2024-12-31' };

describe('chart rendering without the native resvg', () => {
  it('falls back to the WebAssembly build and draws the golden picture', async () => {
    const { client, stderr } = await serverWithout('@resvg/resvg-js');
    const r = await client.callTool({ name: 'calculate_correlation_matrix', arguments: ARGS });
    expect(r.isError).toBeFalsy();
    const block = (r.content as { type: string; data?: string }[]).find((c) => c.type === 'image');
    expect(block).toBeDefined();
    const ours = PNG.sync.read(Buffer.from(block!.data!, 'base64'));
    const golden = PNG.sync.read(readFileSync('tests/fixtures/images/correlation.png'));
    expect([ours.width, ours.height]).toEqual([golden.width, golden.height]);
    let off = 0;
    for (let i = 0; i < ours.data.length; i += 4) {
      const d = Math.max(...[0, 1, 2].map((k) => Math.abs(ours.data[i + k]! - golden.data[i + k]!)));
      if (d > 40) off++;
    }
    expect(off / (ours.width * ours.height)).toBeLessThan(0.005);
    expect(stderr()).toContain('charts use the WebAssembly build of resvg');
  }, 60_000);

  it('with no renderer at all, the numbers come back with a note instead of a protocol error', async () => {
    const { client } = await serverWithout('@resvg/resvg-js,@resvg/resvg-wasm');
    const r = await client.callTool({ name: 'calculate_correlation_matrix', arguments: ARGS });
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { matrix?: unknown }).matrix ?? r.structuredContent).toBeTruthy();
    expect(JSON.stringify(r.structuredContent)).toContain('KO');
    const content = r.content as { type: string; text?: string }[];
    expect(content.some((c) => c.type === 'image')).toBe(false);
    expect(content.some((c) => c.type === 'text' && /chart could not be drawn/.test(c.text ?? ''))).toBe(true);
  }, 60_000);
});
