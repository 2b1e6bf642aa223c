/**
 * The earlier community server's settings work here: MCP_TRANSPORT=streamable-http, MCP_HOST,
 * MCP_PORT, MCP_PATH and LOG_LEVEL are read as aliases of ours; where both are set, ours wins
 * and the server says so on stderr. Through the built CLI and a real MCP client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = 'dist/src/cli/main.js';
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill()));

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_') && !k.startsWith('MCP_') && k !== 'LOG_LEVEL') env[k] = v;
  return { ...env, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-alias-')), ...extra };
}

describe('community settings as aliases', () => {
  it('MCP_TRANSPORT=streamable-http with MCP_HOST, MCP_PORT and MCP_PATH serves there; QC_MCP_PATH wins over MCP_PATH, and says so', async () => {
    const child = spawn(process.execPath, [CLI], {
      env: cleanEnv({ MCP_TRANSPORT: 'streamable-http', MCP_HOST: '127.0.0.1', MCP_PORT: '0', MCP_PATH: '/theirs', QC_MCP_PATH: '/ours', LOG_LEVEL: 'debug' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (c: Buffer) => {
        stderr += c.toString();
        const found = /Streamable HTTP at (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(stderr)?.[1];
        if (found) resolve(found);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    expect(new URL(url).pathname).toBe('/ours');
    expect(stderr).toContain('QC_MCP_PATH=/ours wins over MCP_PATH=/theirs.');
    const client = new Client({ name: 'alias-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect((await client.listTools()).tools.length).toBeGreaterThan(10);
    await client.close();
  }, 60_000);

  it('LOG_LEVEL=error quiets the start-up notices on stderr; the default keeps them', async () => {
    const run = async (extra: Record<string, string>): Promise<string> => {
      const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: cleanEnv(extra), stderr: 'pipe' });
      let stderr = '';
      transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      const client = new Client({ name: 'log-level', version: '1.0.0' });
      await client.connect(transport);
      await client.listTools();
      await client.close();
      return stderr;
    };
    expect(await run({})).toContain('embedded sandbox');
    expect(await run({ LOG_LEVEL: 'error' })).not.toContain('embedded sandbox');
    expect(await run({ LOG_LEVEL: 'error', QC_MCP_LOG_LEVEL: 'info' })).toContain('QC_MCP_LOG_LEVEL=info wins over LOG_LEVEL=error.');
  }, 90_000);
});
