/**
 * Two server processes (the built CLI over HTTP) sharing a real redis-server: a global limit of 5
 * a minute lets exactly 5 calls through across both, an approval given through one is honoured
 * by the other, and when Redis dies, limited and confirmed calls are refused rather than allowed.
 * .ci/run installs redis-server; on a machine without it this suite says so and is skipped (in CI it fails).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../helpers/mcp.js';
import { writeOverlay } from '../helpers/overlay.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';
import { hasRedis, startRedis } from '../helpers/redis.js';

let redis: ChildProcess;
let redisPort: number;
let recorder: Recorder;
const replicas: { child: ChildProcess; url: string }[] = [];
const clients: Client[] = [];
let env: NodeJS.ProcessEnv;

async function startReplica(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--transport', 'http', '--port', '0', '--state', `redis://127.0.0.1:${redisPort}`], {
    env: { ...process.env, ...env, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-replica-')) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start: ${stderr}`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`replica exited ${String(code)}: ${stderr}`)));
  });
  return { child, url };
}

async function connect(url: string): Promise<Client> {
  const c = new Client({ name: 'replica-test', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(c);
  return c;
}

describe.runIf(hasRedis)('two replicas on one Redis', () => {
  beforeAll(async () => {
    ({ child: redis, port: redisPort } = await startRedis());
    recorder = await startRecorder();
    env = testEnv(recorder.baseUrl, {
      QC_MCP_TOOLS: writeOverlay({
        toolsets: { live: { default: true } },
        tools: { create_backtest: { limits: [{ window: 'minute', max: 5, scope: 'global' }] }, liquidate_live_algorithm: { enabled: true } },
      }),
    });
    replicas.push(await startReplica(), await startReplica());
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const r of replicas) r.child.kill('SIGTERM');
    redis?.kill('SIGKILL');
    await recorder?.close();
  });

  it('a global limit of 5 a minute lets exactly 5 calls through across both replicas', async () => {
    const [a, b] = [await connect(replicas[0]!.url), await connect(replicas[1]!.url)];
    const results = [];
    for (let i = 0; i < 10; i++)
      results.push(await (i % 2 ? b : a).callTool({ name: 'create_backtest', arguments: { projectId: 1, compileId: 'c', backtestName: `r${i}` } }));
    expect(results.filter((r) => !r.isError)).toHaveLength(5);
    expect(recorder.requests.filter((r) => r.path === '/backtests/create')).toHaveLength(5);
  });

  it('an approval given through one replica is used through the other, once', async () => {
    const [a, b] = [await connect(replicas[0]!.url), await connect(replicas[1]!.url)];
    const first = await a.callTool({ name: 'liquidate_live_algorithm', arguments: { projectId: 9 } });
    const id = /approve (ap_[0-9a-f]+)/.exec(JSON.stringify(first.content))?.[1];
    expect(id).toBeDefined();
    const approve = spawnSync(process.execPath, ['dist/src/cli/main.js', 'approve', id!], {
      env: { ...process.env, QC_MCP_STATE: `redis://127.0.0.1:${redisPort}` },
      encoding: 'utf8',
    });
    expect(approve.status, approve.stderr).toBe(0);
    expect((await b.callTool({ name: 'liquidate_live_algorithm', arguments: { projectId: 9 } })).isError).toBeFalsy();
    expect((await a.callTool({ name: 'liquidate_live_algorithm', arguments: { projectId: 9 } })).isError).toBe(true);
    expect(recorder.requests.filter((r) => r.path === '/live/update/liquidate')).toHaveLength(1);
  });

  it('lockdown set once applies to both replicas', async () => {
    const run = (on: string) =>
      spawnSync(process.execPath, ['dist/src/cli/main.js', 'lockdown', on], {
        env: { ...process.env, QC_MCP_STATE: `redis://127.0.0.1:${redisPort}` },
        encoding: 'utf8',
      });
    expect(run('on').stdout).toContain('in Redis, for every replica');
    const b = await connect(replicas[1]!.url);
    expect(JSON.stringify((await b.callTool({ name: 'liquidate_live_algorithm', arguments: { projectId: 3 } })).content)).toContain('locked this server down');
    run('off');
  });

  it('when Redis dies, limited and confirmed calls are refused (fail closed); reads still work', async () => {
    const a = await connect(replicas[0]!.url);
    redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const before = recorder.requests.length;
    const limited = await a.callTool({ name: 'create_backtest', arguments: { projectId: 1, compileId: 'c', backtestName: 'after' } });
    expect(limited.isError).toBe(true);
    expect(JSON.stringify(limited.content)).toContain('cannot read its rate-limit state');
    const confirmed = await a.callTool({ name: 'liquidate_live_algorithm', arguments: { projectId: 4 } });
    expect(confirmed.isError).toBe(true);
    expect(JSON.stringify(confirmed.content)).toMatch(/locked this server down|cannot reach its approval state/);
    expect(recorder.requests.slice(before).filter((r) => r.path !== '/account/read')).toEqual([]);
    expect((await a.callTool({ name: 'read_account', arguments: {} })).isError).toBeFalsy();
  });
});
