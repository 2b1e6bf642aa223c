/**
 * Heavy research off the main thread, and long work as background jobs, through the built CLI and a
 * real MCP client: a ping is answered within 100 ms while a 400-symbol Engle-Granger screen runs on
 * the worker pool; a screen started with background: true survives its client disconnecting, and a
 * new client of the same identity fetches the result; a job can be cancelled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = resolve('dist/src/cli/main.js');
const clients: Client[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const child of children) child.kill();
});

function env(symbols: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) out[k] = v;
  return { ...out, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-jobs-')), QC_MCP_DATA: `sim:symbols=${symbols},end=2024-12-31` };
}

async function symbolsOf(client: Client): Promise<string[]> {
  const listing = await client.callTool({ name: 'list_available_data', arguments: { limit: 500 } });
  return ((listing.structuredContent as { symbols: { symbol: string }[] }).symbols ?? []).map((s) => s.symbol);
}

/** The built CLI serving Streamable HTTP on a free loopback port (no grants: the identity is "local"). */
async function serveHttp(symbols: number): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'serve', '--transport', 'http', '--port', '0'], { env: env(symbols), stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${String(code)}: ${stderr}`)));
  });
}

async function httpClient(url: string): Promise<Client> {
  const c = new Client({ name: 'e2e-jobs', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(c);
  return c;
}

const range = { start_date: '2023-01-01', end_date: '2024-12-31' };

describe('the main thread keeps answering', () => {
  it('answers ping within 100 ms while a 400-symbol screen runs, and the screen stops when its request is cancelled', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does).`);
    const client = new Client({ name: 'e2e-ping', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: env(400), stderr: 'ignore' }));
    clients.push(client);
    const symbols = await symbolsOf(client);
    expect(symbols).toHaveLength(400);
    const controller = new AbortController();
    let started!: () => void;
    const screening = new Promise<void>((resolve) => (started = resolve));
    let reported = 0;
    const call = client
      .callTool(
        { name: 'find_cointegrated_pairs', arguments: { symbols, ...range } },
        {
          signal: controller.signal,
          timeout: 600_000,
          onprogress: (p) => {
            reported = p.progress;
            expect(p.total).toBe(79_800);
            started();
          },
        },
      )
      .catch((error: Error) => error);
    await screening;
    const latencies: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = performance.now();
      await client.ping();
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Still screening after the pings: they were answered during the work, not after it.
    expect(reported).toBeLessThan(79_800);
    controller.abort();
    expect(await call).toBeInstanceOf(Error);
    expect(Math.max(...latencies), `ping latencies ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`).toBeLessThan(100);
    // The pool is free again: a small screen answers at once.
    const small = await client.callTool({ name: 'find_cointegrated_pairs', arguments: { symbols: symbols.slice(0, 5), ...range } });
    expect(small.isError).toBeFalsy();
    expect((small.structuredContent as { tested: number }).tested).toBe(10);
  }, 300_000);
});

describe('background jobs', () => {
  it('a screen started with background: true survives the client disconnecting; a new client of the same identity fetches its result', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does).`);
    const url = await serveHttp(100);
    const first = await httpClient(url);
    const symbols = await symbolsOf(first);
    const started = await first.callTool({ name: 'find_cointegrated_pairs', arguments: { symbols, ...range, max_pairs: 5, background: true } });
    const job = started.structuredContent as { job_id: string; status: string };
    expect(job.status).toBe('working');
    await first.close();

    const second = await httpClient(url);
    const progress: number[] = [];
    let out: Record<string, unknown> = {};
    for (let k = 0; k < 20 && out.pairs === undefined; k++) {
      const r = await second.callTool(
        { name: 'wait_for_job', arguments: { job_id: job.job_id, wait_s: 20 } },
        { timeout: 60_000, onprogress: (p) => void progress.push(p.progress) },
      );
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      out = r.structuredContent as Record<string, unknown>;
    }
    expect(out.tested).toBe(4950);
    expect((out.pairs as unknown[]).length).toBe(5);
    const resource = await second.readResource({ uri: `quantconnect://jobs/${job.job_id}` });
    const stored = JSON.parse((resource.contents[0] as { text: string }).text) as { status: string; result: { structured: { tested: number } } };
    expect([stored.status, stored.result.structured.tested]).toEqual(['completed', 4950]);
  }, 600_000);

  it('cancels a job on request, and an unknown job is a clear isError', async () => {
    const url = await serveHttp(100);
    const client = await httpClient(url);
    const symbols = await symbolsOf(client);
    const started = await client.callTool({ name: 'find_cointegrated_pairs', arguments: { symbols, ...range, background: true } });
    const { job_id } = started.structuredContent as { job_id: string };
    const cancelled = await client.callTool({ name: 'wait_for_job', arguments: { job_id, cancel: true } });
    expect((cancelled.structuredContent as { status: string }).status).toBe('cancelled');
    const again = await client.callTool({ name: 'wait_for_job', arguments: { job_id, wait_s: 0 } });
    expect((again.structuredContent as { status: string }).status).toBe('cancelled');
    const unknown = await client.callTool({ name: 'wait_for_job', arguments: { job_id: 'nope', wait_s: 0 } });
    expect(unknown.isError).toBe(true);
    expect((unknown.content as { text: string }[])[0]!.text).toMatch(/No job nope/);
  }, 300_000);
});
