/**
 * The published PolicyLayer example with --state redis://: two replicas (runtimes behind Streamable HTTP)
 * on one real redis-server hold `scope: grant` counts together: 10 a minute per grant across both, and each
 * grant its own 10. .ci/run installs redis-server; without it this suite says so and is skipped (in CI it fails).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrantStore } from '../../src/policy/grants.js';
import { startHttp, type HttpHandle } from '../../src/http/serve.js';
import { createRuntime } from '../../src/server/runtime.js';
import type { Runtime } from '../../src/server/server.js';
import { testEnv } from '../helpers/mcp.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';
import { hasRedis, startRedis } from '../helpers/redis.js';

let redis: ChildProcess;
let recorder: Recorder;
const replicas: { runtime: Runtime; http: HttpHandle }[] = [];
const clients: Client[] = [];
let tokens: Record<'alice' | 'bob', string>;

async function connect(url: string, token: string): Promise<Client> {
  const c = new Client({ name: 'pl-replica', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  c.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  clients.push(c);
  return c;
}

describe.runIf(hasRedis)('the published example on two replicas sharing Redis', () => {
  beforeAll(async () => {
    const started = await startRedis();
    redis = started.child;
    const port = started.port;
    recorder = await startRecorder();
    const grants = new GrantStore(join(mkdtempSync(join(tmpdir(), 'qcmcp-plr-')), 'grants.yaml'));
    tokens = { alice: grants.add({ id: 'alice' }), bob: grants.add({ id: 'bob' }) };
    for (let i = 0; i < 2; i++) {
      const env = testEnv(recorder.baseUrl, { QC_MCP_TOOLS: 'tests/fixtures/policylayer/published-example.json', QC_MCP_STATE: `redis://127.0.0.1:${port}` });
      const runtime = await createRuntime({ env, log: () => {} });
      replicas.push({ runtime, http: await startHttp(runtime, { host: '127.0.0.1', port: 0, grantsPath: grants.path, log: () => {} }) });
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const r of replicas) {
      await r.http.close();
      await r.runtime.close();
    }
    redis?.kill('SIGKILL');
    await recorder?.close();
  });

  it('10 a minute per grant across both replicas', async () => {
    const [a1, a2] = [await connect(replicas[0]!.http.url, tokens.alice), await connect(replicas[1]!.http.url, tokens.alice)];
    const command = { projectId: 1, command: { $type: 'MyCommand' } };
    for (let i = 0; i < 12; i++) await (i % 2 ? a2 : a1).callTool({ name: 'create_live_command', arguments: command });
    expect(recorder.requests.filter((r) => r.path === '/live/commands/create')).toHaveLength(10);
    const b2 = await connect(replicas[1]!.http.url, tokens.bob);
    for (let i = 0; i < 11; i++) await b2.callTool({ name: 'create_live_command', arguments: command });
    expect(recorder.requests.filter((r) => r.path === '/live/commands/create')).toHaveLength(20);
  }, 60_000);
});
