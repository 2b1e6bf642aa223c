/**
 * The HTTP door lets every legitimate client in and no single client shut the others out:
 * a wildcard bind accepts loopback names, the machine's own addresses and hostname and
 * --allowed-hosts (foreign Hosts and Origins stay 403; loopback binds are unchanged); 401 tells a
 * client it needs a static bearer token; idle 2025 sessions are reclaimed and capped per identity;
 * slow uploads hold no concurrency slot; with grants, local clients never share a cap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrantStore } from '../../src/policy/grants.js';
import { startHttp, type HttpHandle, type HttpOptions } from '../../src/http/serve.js';
import { createRuntime } from '../../src/server/runtime.js';
import type { Runtime } from '../../src/server/server.js';
import { testEnv } from '../helpers/mcp.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder;
let runtime: Runtime;
let grants: GrantStore;
let tokens: Record<'alice' | 'bob', string>;
const handles: HttpHandle[] = [];
const clients: Client[] = [];

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const ACCEPT = 'application/json, text/event-stream';

async function serve(options: Partial<HttpOptions> = {}, grantsPath = grants.path): Promise<HttpHandle> {
  const handle = await startHttp(runtime, { host: '127.0.0.1', port: 0, grantsPath, log: () => {}, ...options });
  handles.push(handle);
  return handle;
}

async function client(url: string, token?: string): Promise<Client> {
  const c = new Client({ name: 'door-test', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {}));
  clients.push(c);
  return c;
}

/** A raw request with any Host header (fetch will not set one). */
function raw(port: number, headers: Record<string, string>, body: unknown = INITIALIZE): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Open a 2025 session without a client library; returns its id. */
async function openSession(url: string, token?: string): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(INITIALIZE),
  });
  await response.text();
  return response;
}

const ping = (url: string, session: string, token: string) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      authorization: `Bearer ${token}`,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
  }).then(async (r) => (await r.text(), r.status));

/** A client that sends its headers and the start of a body, then stalls. */
function slowUpload(port: number, token?: string): Promise<{ socket: Socket; answer: Promise<string> }> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1', () => {
      socket.write(
        `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: ${ACCEPT}\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}Content-Length: 1000\r\n\r\n{"jsonrpc":`,
      );
      let text = '';
      const answer = new Promise<string>((done) => {
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => done(text));
      });
      socket.on('error', () => {});
      resolve({ socket, answer });
    });
  });
}

beforeAll(async () => {
  recorder = await startRecorder();
  const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-door-'));
  grants = new GrantStore(join(stateDir, 'grants.yaml'));
  tokens = { alice: grants.add({ id: 'alice' }), bob: grants.add({ id: 'bob' }) };
  runtime = await createRuntime({ env: testEnv(recorder.baseUrl, { QC_MCP_STATE_DIR: stateDir }), log: () => {} });
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const h of handles) await h.close();
  await runtime.close();
  await recorder.close();
});

describe('Host and Origin', () => {
  const ipv4 = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4')
    .map((a) => a.address);

  it("a wildcard bind accepts loopback names, the machine's addresses and hostname and the allowed hosts; foreign ones stay 403", async () => {
    const http = await serve({ host: '0.0.0.0', allowedHosts: ['mcp.desk.internal'] });
    const port = Number(new URL(http.url).port);
    const auth = { authorization: `Bearer ${tokens.alice}` };
    const own = ['127.0.0.1', 'localhost', hostname(), 'mcp.desk.internal', ...ipv4];
    expect(own.length).toBeGreaterThan(4);
    for (const name of own) expect(await raw(port, { ...auth, host: `${name}:${port}` }), name).toBe(200);
    expect(await raw(port, { ...auth, host: `evil.example:${port}` })).toBe(403);
    expect(await raw(port, { ...auth, host: `127.0.0.1:${port}`, origin: 'https://evil.example' })).toBe(403);
    expect(await raw(port, { ...auth, host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` })).toBe(200);
    // The client that used to get "Invalid Host": a tool call through 127.0.0.1 on a 0.0.0.0 server.
    const c = await client(`http://127.0.0.1:${port}/mcp`, tokens.alice);
    expect((await c.callTool({ name: 'list_projects', arguments: {} })).isError).toBeFalsy();
  });

  it("a loopback bind still refuses the machine's other names (DNS rebinding protection unchanged)", async () => {
    const http = await serve();
    const port = Number(new URL(http.url).port);
    const auth = { authorization: `Bearer ${tokens.alice}` };
    expect(await raw(port, { ...auth, host: `localhost:${port}` })).toBe(200);
    for (const name of [hostname(), ...ipv4.filter((a) => !a.startsWith('127.'))])
      expect(await raw(port, { ...auth, host: `${name}:${port}` }), name).toBe(403);
  });

  it('--allowed-hosts on the command line is honoured', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-door-cli-'));
    const store = new GrantStore(join(stateDir, 'grants.yaml'));
    const token = store.add({ id: 'desk' });
    const child: ChildProcess = spawn(
      process.execPath,
      ['dist/src/cli/main.js', 'serve', '--transport', 'http', '--host', '0.0.0.0', '--port', '0', '--allowed-hosts', 'mcp.desk.internal,other.desk'],
      {
        env: { PATH: process.env.PATH ?? '', ...testEnv(recorder.baseUrl, { QC_MCP_STATE_DIR: stateDir }) },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not start: ${stderr}`)), 20_000);
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const port = Number(new URL(url).port);
      expect(await raw(port, { authorization: `Bearer ${token}`, host: `mcp.desk.internal:${port}` })).toBe(200);
      expect(await raw(port, { authorization: `Bearer ${token}`, host: `other.desk:${port}` })).toBe(200);
      expect(await raw(port, { authorization: `Bearer ${token}`, host: `third.desk:${port}` })).toBe(403);
    } finally {
      child.kill();
    }
  }, 40_000);
});

describe('401', () => {
  it('tells a client it needs a bearer token, and OAuth discovery finds nothing to start a flow with', async () => {
    const http = await serve();
    const none = await openSession(http.url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="quantconnect-mcp"$/);
    const error = await client(http.url).then(
      () => '',
      (e: unknown) => String(e),
    );
    expect(error).toContain('Authorization: Bearer <token>');
    expect(error).toContain('quantconnect-mcp grant add');
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource', '/.well-known/oauth-authorization-server']) {
      const response = await fetch(new URL(path, http.url));
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toContain('does not run OAuth');
    }
  });
});

describe('sessions', () => {
  it('1,000 idle sessions from one identity do not stop another identity from connecting', async () => {
    const http = await serve();
    const first = (await openSession(http.url, tokens.alice)).headers.get('mcp-session-id')!;
    expect(first).toBeTruthy();
    let opened = 1;
    for (let round = 0; round < 125; round++) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => openSession(http.url, tokens.alice)));
      opened += batch.filter((r) => r.status === 200).length;
    }
    expect(opened).toBe(1001); // alice gives up her own oldest idle sessions to open new ones
    const bob = await client(http.url, tokens.bob);
    expect((await bob.callTool({ name: 'list_projects', arguments: {} })).isError).toBeFalsy();
    expect(await ping(http.url, first, tokens.alice)).toBe(404); // reclaimed: past alice's cap of 100
  }, 120_000);

  it('a full server takes room from whoever holds the most idle sessions, never from a newcomer', async () => {
    const http = await serve({ maxSessions: 20, maxSessionsPerIdentity: 100 });
    for (let i = 0; i < 20; i++) expect((await openSession(http.url, tokens.alice)).status).toBe(200);
    const bob = await client(http.url, tokens.bob);
    expect((await bob.callTool({ name: 'list_projects', arguments: {} })).isError).toBeFalsy();
  });

  it('idle sessions are reclaimed; sessions in use are kept', async () => {
    const http = await serve({ sessionIdleMs: 400 });
    const idle = (await openSession(http.url, tokens.alice)).headers.get('mcp-session-id')!;
    const busy = (await openSession(http.url, tokens.alice)).headers.get('mcp-session-id')!;
    for (let i = 0; i < 12; i++) {
      expect(await ping(http.url, busy, tokens.alice)).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await ping(http.url, idle, tokens.alice)).toBe(404);
    expect(await ping(http.url, busy, tokens.alice)).toBe(200);
  });
});

describe('concurrency', () => {
  it('16 slow uploads hold no slot: other calls go through (one loopback identity without grants), and the uploads get 408', async () => {
    const noGrants = join(mkdtempSync(join(tmpdir(), 'qcmcp-door-none-')), 'grants.yaml');
    const http = await serve({ bodyTimeoutMs: 2000 }, noGrants);
    const port = Number(new URL(http.url).port);
    const slow = await Promise.all(Array.from({ length: 16 }, () => slowUpload(port)));
    const c = await client(http.url);
    for (let i = 0; i < 3; i++) expect((await c.callTool({ name: 'read_account', arguments: {} })).isError).toBeFalsy();
    const answers = await Promise.all(slow.map((s) => s.answer));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it("16 slow uploads from one grant do not block another grant's calls", async () => {
    const http = await serve({ bodyTimeoutMs: 2000 });
    const port = Number(new URL(http.url).port);
    const slow = await Promise.all(Array.from({ length: 16 }, () => slowUpload(port, tokens.alice)));
    const bob = await client(http.url, tokens.bob);
    expect((await bob.callTool({ name: 'read_account', arguments: {} })).isError).toBeFalsy();
    for (const s of slow) s.socket.destroy();
  }, 30_000);

  it('with grants, a local client is its grant: one grant at its cap leaves the others untouched, and no token means 401, not "local"', async () => {
    recorder.respond('/projects/read', () => ({ delayMs: 1000, body: { success: true, projects: [] } }));
    try {
      const http = await serve({ maxConcurrentPerIdentity: 1 });
      const alice = await client(http.url, tokens.alice);
      const bob = await client(http.url, tokens.bob);
      const busy = alice.callTool({ name: 'list_projects', arguments: {} });
      await expect.poll(() => recorder.requests.filter((r) => r.path === '/projects/read').length).toBeGreaterThan(0);
      expect((await bob.callTool({ name: 'read_account', arguments: {} })).isError).toBeFalsy();
      expect((await openSession(http.url)).status).toBe(401);
      expect((await busy).isError).toBeFalsy();
    } finally {
      recorder.respond('/projects/read', () => ({ body: { success: true } }));
    }
  }, 30_000);
});
