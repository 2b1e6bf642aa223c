/**
 * Streamable HTTP for teams, through the SDK's HTTP client: secure defaults (401, 403 for a
 * foreign Origin or a rebinding Host, 413, refusal to bind beyond loopback without grants),
 * grants that narrow and never widen, immediate revocation, identities in the audit, both
 * protocol eras, cancellation on disconnect, and a load of 50 clients x 100 calls.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrantStore } from '../../src/policy/grants.js';
import { startHttp, type HttpHandle } from '../../src/http/serve.js';
import { createRuntime } from '../../src/server/runtime.js';
import type { Runtime } from '../../src/server/server.js';
import { testEnv } from '../helpers/mcp.js';
import { writeOverlay } from '../helpers/overlay.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';
import { CREDENTIALS, FAST_TIMING } from '../helpers/sandbox.js';
import { startSandbox } from '../../src/sandbox/server.js';

let recorder: Recorder;
let runtime: Runtime;
let http: HttpHandle;
let grants: GrantStore;
const tokens: Record<string, string> = {};
const opened: Client[] = [];

async function client(token: string | undefined, options: { elicit?: boolean; modern?: boolean; url?: string } = {}): Promise<Client> {
  const c = new Client(
    { name: 'http-test', version: '1.0.0' },
    {
      ...(options.elicit ? { capabilities: { elicitation: { form: {} } } } : {}),
      ...(options.modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
    },
  );
  if (options.elicit) c.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
  const transport = new StreamableHTTPClientTransport(
    new URL(options.url ?? http.url),
    token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {},
  );
  await c.connect(transport);
  opened.push(c);
  return c;
}

const post = (headers: Record<string, string>, body: unknown = { jsonrpc: '2.0', id: 1, method: 'tools/list' }) =>
  fetch(http.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  recorder = await startRecorder();
  const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-http-'));
  grants = new GrantStore(join(stateDir, 'grants.yaml'));
  tokens.research = grants.add({ id: 'research', read_only: true });
  tokens.trader = grants.add({
    id: 'trader',
    toolsets: ['projects', 'compile', 'backtests', 'live'],
    tools: {
      create_live_algorithm: { rules: [{ arg: 'brokerage.id', neq: 'QuantConnectBrokerage', deny: 'Paper trading only.' } as never] },
      create_backtest: { limits: [{ window: 'minute', max: 2, scope: 'identity' }] },
      delete_project: { enabled: true }, // cannot widen: still needs the global policy's confirmation
    },
  });
  tokens.temp = grants.add({ id: 'temp' });
  const overlay = writeOverlay({ toolsets: { live: { default: true } }, tools: { create_live_algorithm: { enabled: true } } });
  runtime = await createRuntime({ env: testEnv(recorder.baseUrl, { QC_MCP_TOOLS: overlay, QC_MCP_STATE_DIR: stateDir }), log: () => {} });
  http = await startHttp(runtime, { host: '127.0.0.1', port: 0, grantsPath: grants.path, maxBodyBytes: 64 * 1024, log: () => {} });
});
afterAll(async () => {
  for (const c of opened) await c.close().catch(() => {});
  await http.close();
  await runtime.close();
  await recorder.close();
});

describe('secure defaults', () => {
  it('401 with WWW-Authenticate without a token, and with a wrong one', async () => {
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="quantconnect-mcp"');
    const wrong = await post({ authorization: 'Bearer qcm_not-a-real-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await expect(client(undefined)).rejects.toThrow();
  });

  it('403 for a foreign Origin and for a rebinding Host', async () => {
    expect((await post({ authorization: `Bearer ${tokens.research}`, origin: 'https://evil.example' })).status).toBe(403);
    const port = new URL(http.url).port;
    const rebinding = await new Promise<number>((resolve, reject) => {
      // fetch() will not let us set Host, so speak HTTP directly.
      import('node:http').then(({ request }) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/mcp',
            method: 'POST',
            headers: { host: `evil.example:${port}`, 'content-type': 'application/json', authorization: `Bearer ${tokens.research}` },
          },
          (res) => resolve(res.statusCode ?? 0),
        );
        req.on('error', reject);
        req.end('{}');
      }, reject);
    });
    expect(rebinding).toBe(403);
  });

  it('413 for a body over the limit', async () => {
    const big = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_account', arguments: { padding: 'x'.repeat(100 * 1024) } } };
    expect((await post({ authorization: `Bearer ${tokens.research}` }, big)).status).toBe(413);
  });

  it('refuses to bind beyond loopback without grants, saying how to create one', async () => {
    const empty = join(mkdtempSync(join(tmpdir(), 'qcmcp-nogrants-')), 'grants.yaml');
    await expect(startHttp(runtime, { host: '0.0.0.0', port: 0, grantsPath: empty })).rejects.toThrow(
      /Refusing to listen on 0\.0\.0\.0 without grants.*quantconnect-mcp grant add/,
    );
  });

  it("never forwards the client Authorization header upstream: QuantConnect sees the server's own credentials", async () => {
    const c = await client(tokens.trader);
    const before = recorder.requests.length;
    expect((await c.callTool({ name: 'list_projects', arguments: {} })).isError).toBeFalsy();
    expect(recorder.requests.length).toBe(before + 1);
    const last = recorder.requests.at(-1)!;
    expect(last.headers.authorization).toMatch(/^Basic /);
    expect(JSON.stringify(last.headers)).not.toContain(tokens.trader);
  });
});

describe('grants narrow, never widen', () => {
  it('a read-only grant sees and calls only read tools', async () => {
    const c = await client(tokens.research);
    const names = (await c.listTools()).tools.map((t) => t.name);
    const risks = new Map(runtime.registry.all().map((t) => [t.name, t.risk]));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(risks.get(name)).toBe('read');
    const before = recorder.requests.length;
    const refused = await c.callTool({ name: 'create_project', arguments: { name: 'x', language: 'Py' } });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('read-only');
    expect(recorder.requests.length).toBe(before);
  });

  it('toolsets, added rules and limits apply; enabling a tool in a grant cannot skip the global policy', async () => {
    const c = await client(tokens.trader);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('create_file'); // files is not among the grant's toolsets
    expect(names).not.toContain('liquidate_live_algorithm'); // globally disabled; the grant cannot widen
    const deploy = await c.callTool({
      name: 'create_live_algorithm',
      arguments: { projectId: 1, compileId: 'c', nodeId: 'LN-1', versionId: '-1', brokerage: { id: 'InteractiveBrokersBrokerage' } },
    });
    expect(JSON.stringify(deploy.content)).toContain('Paper trading only.');
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await c.callTool({ name: 'create_backtest', arguments: { projectId: 1, compileId: 'c', backtestName: 'b' } }));
    expect(runs.map((r) => Boolean(r.isError))).toEqual([false, false, true]);
    const del = await c.callTool({ name: 'delete_project', arguments: { projectId: 1 } });
    expect(JSON.stringify(del.content)).toContain('needs a human');
  });

  it('the identity is in every audit record', async () => {
    const records = readFileSync(join(runtime.policy.stateDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { identity: string });
    expect(new Set(records.map((r) => r.identity))).toEqual(new Set(['research', 'trader']));
  });

  it('a revocation applies on the next request', async () => {
    const c = await client(tokens.temp);
    expect((await c.callTool({ name: 'read_account', arguments: {} })).isError).toBeFalsy();
    grants.revoke('temp');
    await expect(c.callTool({ name: 'read_account', arguments: {} })).rejects.toThrow();
    expect((await post({ authorization: `Bearer ${tokens.temp}` })).status).toBe(401);
  });
});

describe('both protocol eras, elicitation, cancellation', () => {
  it('the stateless 2026-07-28 protocol works over HTTP', async () => {
    const c = await client(tokens.trader, { modern: true });
    expect(c.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect((await c.callTool({ name: 'list_projects', arguments: {} })).isError).toBeFalsy();
  });

  it.each([false, true])('a human confirms through elicitation over HTTP (modern: %s)', async (modern) => {
    const c = await client(tokens.trader, { elicit: true, modern });
    const before = recorder.requests.filter((r) => r.path === '/live/create').length;
    const deploy = await c.callTool({
      name: 'create_live_algorithm',
      arguments: { projectId: 1, compileId: 'c', nodeId: 'LN-1', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } },
    });
    expect(deploy.isError, JSON.stringify(deploy.content)).toBeFalsy();
    expect(recorder.requests.filter((r) => r.path === '/live/create').length).toBe(before + 1);
  });

  it('a client that goes away cancels the upstream call', async () => {
    recorder.respond('/backtests/read', () => ({ delayMs: 5000, body: { success: true } }));
    const c = await client(tokens.trader);
    const abort = new AbortController();
    const call = c.callTool({ name: 'read_backtest', arguments: { projectId: 1, backtestId: 'slow' } }, { signal: abort.signal });
    await expect.poll(() => recorder.requests.some((r) => r.path === '/backtests/read'), { timeout: 3000 }).toBe(true);
    abort.abort();
    await expect(call).rejects.toThrow();
    await expect.poll(() => recorder.requests.find((r) => r.path === '/backtests/read')?.aborted, { timeout: 3000 }).toBe(true);
  });
});

describe('load', () => {
  it('50 concurrent clients x 100 calls against the sandbox, with no errors', async () => {
    const { sandbox, baseUrl } = await startSandbox({ credentials: CREDENTIALS, timing: FAST_TIMING });
    const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-load-'));
    const loadRuntime = await createRuntime({ env: { ...testEnv(baseUrl), QC_MCP_STATE_DIR: stateDir }, log: () => {} });
    // 50 agents on one loopback identity: a cap above 50 lets every one have a call in flight.
    const loadHttp = await startHttp(loadRuntime, {
      host: '127.0.0.1',
      port: 0,
      grantsPath: join(stateDir, 'grants.yaml'),
      maxConcurrentPerIdentity: 64,
      log: () => {},
    });
    try {
      const clients = await Promise.all(Array.from({ length: 50 }, () => client(undefined, { url: loadHttp.url })));
      const started = performance.now();
      const results = await Promise.all(
        clients.map(async (c) => {
          let errors = 0;
          for (let n = 0; n < 100; n++) {
            const r = await c.callTool({ name: n % 2 ? 'read_account' : 'list_projects', arguments: {} });
            if (r.isError) errors++;
          }
          return errors;
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      expect(results.reduce((a, b) => a + b, 0)).toBe(0);
      expect(sandbox.requests.filter((r) => r.status === 200)).toHaveLength(5000);
      expect(seconds).toBeLessThan(60);
    } finally {
      await loadHttp.close();
      await loadRuntime.close();
      await sandbox.close();
    }
    // The bound is the 60 s above; the audit now appends under a file lock (one chain across processes), so the
    // default 30 s test timeout no longer leaves room for it on a loaded 2-core machine.
  }, 90_000);
});

describe('more door checks', () => {
  it('tokens are stored only as SHA-256', () => {
    const file = readFileSync(grants.path, 'utf8');
    for (const token of Object.values(tokens)) expect(file).not.toContain(token);
    expect(file).toMatch(/token_sha256: [0-9a-f]{64}/);
  });

  it('caps concurrent requests per identity (429), and times out slow clients', async () => {
    recorder.respond('/projects/read', () => ({ delayMs: 800, body: { success: true, projects: [] } }));
    const capped = await startHttp(runtime, {
      host: '127.0.0.1',
      port: 0,
      grantsPath: grants.path,
      maxConcurrentPerIdentity: 1,
      headersTimeoutMs: 300,
      requestTimeoutMs: 600,
      log: () => {},
    });
    try {
      const c = await client(tokens.trader, { url: capped.url });
      const outcomes = await Promise.allSettled([c.callTool({ name: 'list_projects', arguments: {} }), c.callTool({ name: 'list_projects', arguments: {} })]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(String((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toContain('Too many concurrent requests for trader');

      // A client that never finishes its headers is cut off.
      const { connect } = await import('node:net');
      const port = Number(new URL(capped.url).port);
      const closed = await new Promise<number>((resolve) => {
        const started = Date.now();
        const socket = connect(port, '127.0.0.1', () => socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString()));
        socket.on('close', () => resolve(answer.startsWith('HTTP/1.1 408') ? Date.now() - started : -1));
        socket.on('error', () => {});
      });
      expect(closed).toBeGreaterThan(0);
      expect(closed).toBeLessThan(5000);
    } finally {
      await capped.close();
      recorder.respond('/projects/read', () => ({ body: { success: true } }));
    }
  });

  it('grant add prints the token once, list shows ceilings without tokens, revoke removes', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-grantcli-'));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['dist/src/cli/main.js', 'grant', ...args], { env: { ...process.env, QC_MCP_STATE_DIR: stateDir }, encoding: 'utf8' });
    const added = run('add', 'bot', '--read-only', '--toolsets', 'projects,backtests');
    expect(added.status).toBe(0);
    const token = /^(qcm_\S+)$/m.exec(added.stdout)?.[1];
    expect(token).toBeDefined();
    const listed = run('list');
    expect(listed.stdout).toContain('bot  read-only; toolsets: projects, backtests');
    expect(listed.stdout).not.toContain(token);
    expect(run('add', 'bot').status).toBe(1);
    expect(run('revoke', 'bot').status).toBe(0);
    expect(run('list').stdout).toContain('No grants');
  });
});
