/**
 * Research sessions belong to the caller's identity: over HTTP, two grants are two owners. Through
 * real MCP clients on one served process, identity B neither sees nor uses identity A's session of
 * the same name, and builds its own beside it; a second connection with A's token is A again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type HttpHandle } from '../../src/http/serve.js';
import { GrantStore } from '../../src/policy/grants.js';
import { createRuntime } from '../../src/server/runtime.js';
import type { Runtime } from '../../src/server/server.js';

let runtime: Runtime;
let http: HttpHandle;
const tokens: Record<string, string> = {};
const opened: Client[] = [];
const range = { start_date: '2023-01-01', end_date: '2024-12-31' };

async function client(token: string): Promise<Client> {
  const c = new Client({ name: 'research-sessions', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  opened.push(c);
  return c;
}

async function call(c: Client, name: string, args: Record<string, unknown>) {
  const r = await c.callTool({ name, arguments: args });
  return { isError: r.isError === true, text: (r.content as { text?: string }[])[0]?.text ?? '', out: r.structuredContent as Record<string, unknown> };
}

/** The symbols analyze_mean_reversion found in a session (one result per symbol). */
const symbolsIn = async (c: Client, instance: string): Promise<string[]> => {
  const r = await call(c, 'analyze_mean_reversion', { instance_name: instance });
  expect(r.isError, r.text).toBe(false);
  return (r.out.results as { name: string }[]).map((x) => x.name).sort();
};

beforeAll(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-sessions-'));
  const grants = new GrantStore(join(stateDir, 'grants.yaml'));
  tokens.alice = grants.add({ id: 'alice', toolsets: ['research'] });
  tokens.bob = grants.add({ id: 'bob', toolsets: ['research'] });
  runtime = await createRuntime({ env: { QC_MCP_STATE_DIR: stateDir, QC_MCP_BACKEND: 'sandbox' }, log: () => {} });
  http = await startHttp(runtime, { host: '127.0.0.1', port: 0, grantsPath: grants.path, log: () => {} });
});

afterAll(async () => {
  for (const c of opened) await c.close().catch(() => {});
  await http?.close();
  await runtime?.close();
});

describe('research sessions over HTTP with two grants', () => {
  it("B cannot see or use A's session; each identity has its own under the same name", async () => {
    const alice = await client(tokens.alice!);
    const bob = await client(tokens.bob!);

    const added = await call(alice, 'add_multiple_equities', { tickers: ['KO', 'PEP'], ...range, instance_name: 'pairs' });
    expect(added.isError, added.text).toBe(false);
    expect(added.out.symbols).toEqual(['KO', 'PEP']);

    // Bob names Alice's session: it does not exist for him, and nothing of hers leaks into the refusal.
    for (const [tool, args] of [
      ['analyze_mean_reversion', { instance_name: 'pairs' }],
      ['test_cointegration', { symbol1: 'KO', symbol2: 'PEP', instance_name: 'pairs' }],
    ] as const) {
      const refused = await call(bob, tool, args);
      expect(refused.isError, `${tool}: ${refused.text}`).toBe(true);
      expect(refused.text).toContain('There is no research session "pairs"');
      expect(refused.text).not.toMatch(/KO|PEP/);
    }

    // Bob's own session of the same name holds only what Bob put in it, and Alice's is untouched.
    const own = await call(bob, 'add_equity', { ticker: 'SPY', ...range, instance_name: 'pairs' });
    expect(own.isError, own.text).toBe(false);
    expect(own.out.symbols).toEqual(['SPY']);
    expect(await symbolsIn(bob, 'pairs')).toEqual(['SPY']);
    expect(await symbolsIn(alice, 'pairs')).toEqual(['KO', 'PEP']);

    // The session is the identity's, not the connection's: a second client with Alice's token finds hers.
    const aliceAgain = await client(tokens.alice!);
    expect(await symbolsIn(aliceAgain, 'pairs')).toEqual(['KO', 'PEP']);
    const coint = await call(aliceAgain, 'test_cointegration', { symbol1: 'KO', symbol2: 'PEP', instance_name: 'pairs' });
    expect(coint.isError, coint.text).toBe(false);
  }, 60_000);
});
