/**
 * Reliability under injected faults: reads recover through retries, writes are never duplicated,
 * every failure reaches the agent as a clear isError, and nothing hangs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';
import { sandboxSession, type SandboxSession } from '../helpers/sandbox.js';

let s: SandboxSession;
let projectId: number;

const call = (name: string, args: Record<string, unknown> = {}) => s.client.callTool({ name, arguments: args });
const projectCount = () => s.sandbox.state.projects.length;

beforeAll(async () => {
  s = await sandboxSession(
    {},
    { QC_MCP_TOOLS: unrestrictedOverlay() },
    { retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 10, maxRetryAfterMs: 100 }, timeoutMs: 800 },
  );
  const created = await call('create_project', { name: 'Faults', language: 'Py' });
  projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
});
afterEach(() => s.sandbox.faults.set([]));
afterAll(() => s.close());

describe('reads recover through retries', () => {
  it.each([
    ['two 500s', [{ kind: '500', path: '/projects/read', times: 2 }]],
    ['a 429 with Retry-After', [{ kind: '429', path: '/projects/read', times: 1, retryAfterS: 0 }]],
    ['two dropped connections', [{ kind: 'drop', path: '/projects/read', times: 2 }]],
    ['malformed JSON', [{ kind: 'malformed', path: '/projects/read', times: 1 }]],
    [
      'a mix of all four',
      [
        { kind: '500', path: '/projects/read', times: 1 },
        { kind: 'drop', path: '/projects/read', times: 1 },
        { kind: '429', path: '/projects/read', times: 1, retryAfterS: 0 },
      ],
    ],
  ] as const)('%s', async (_label, rules) => {
    s.sandbox.faults.set(rules.map((r) => ({ ...r })));
    const result = await call('read_project', { projectId });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect((result.structuredContent as { projects: unknown[] }).projects).toHaveLength(1);
  });

  it('a read that keeps failing becomes a clear isError after the retry budget', async () => {
    s.sandbox.faults.set([{ kind: '500', path: '/projects/read', rate: 1 }]);
    const before = s.sandbox.faults.fired['500'];
    const result = await call('read_project', { projectId });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/QuantConnect failed with HTTP 500\. Try again later\./);
    expect(s.sandbox.faults.fired['500'] - before).toBe(4);
  });
});

describe('writes are never duplicated', () => {
  it.each([
    ['a 500', { kind: '500' as const }],
    ['a dropped connection', { kind: 'drop' as const }],
    ['a 429', { kind: '429' as const, retryAfterS: 0 }],
  ])('%s on create_project: one attempt, an isError that says it may not have applied, no project', async (_label, fault) => {
    s.sandbox.faults.set([{ ...fault, path: '/projects/create', times: 1 }]);
    const before = projectCount();
    const attempts = s.sandbox.requests.length;
    const result = await call('create_project', { name: `W ${fault.kind}`, language: 'Py' });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/may or may not have been applied|Could not reach QuantConnect/);
    expect(projectCount()).toBe(before);
    expect(s.sandbox.requests.length).toBe(attempts); // the fault fired before the sandbox recorded anything
    expect(s.sandbox.faults.fired[fault.kind]).toBeGreaterThan(0);
  });

  it('a write that times out on the client still happens exactly once on the server', async () => {
    s.sandbox.faults.set([{ kind: 'slow', path: '/projects/create', times: 1, delayMs: 1500 }]);
    const before = projectCount();
    const result = await call('create_project', { name: 'Slow write', language: 'Py' });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('did not answer within 0.8 s');
    await expect.poll(() => s.sandbox.state.projects.filter((p) => p.name === 'Slow write').length, { timeout: 10_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing else arrives afterwards
    expect(projectCount()).toBe(before + 1);
  });
});

describe('random faults on every path', () => {
  it('80 mixed calls: each one either succeeds or is a clear isError, and none hangs', async () => {
    s.sandbox.faults.set([
      { kind: '500', rate: 0.15 },
      { kind: 'drop', rate: 0.1 },
      { kind: '429', rate: 0.1, retryAfterS: 0 },
      { kind: 'malformed', rate: 0.05 },
    ]);
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        i % 4 === 0 ? call('create_compile', { projectId }) : call(i % 2 ? 'read_project' : 'list_backtests', { projectId }),
      ),
    );
    const errors = results.filter((r) => r.isError);
    console.error(errors.slice(0, 5).map((r) => JSON.stringify(r.content)));
    for (const r of errors) expect(JSON.stringify(r.content)).toMatch(/QuantConnect|cancelled/);
    expect(results.filter((r) => !r.isError).length).toBeGreaterThan(40);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('--faults', () => {
  it('parses inline JSON and explains a bad rule', () => {
    expect(parseFaults('[{"kind":"429","path":"/backtests/read","times":2,"retryAfterS":1}]')).toEqual([
      { kind: '429', path: '/backtests/read', times: 2, retryAfterS: 1 },
    ]);
    expect(() => parseFaults('[{"kind":"teapot","rate":1}]')).toThrow(/--faults: 0\.kind/);
    expect(() => parseFaults('[{"kind":"500"}]')).toThrow(/needs a rate/);
    expect(() => parseFaults('not json')).toThrow(/not a JSON file or JSON text/);
  });
});
