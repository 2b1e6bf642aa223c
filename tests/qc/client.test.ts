/** The QuantConnect client: auth against an independent vector, read retries, no write retries, timeouts. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../../src/qc/auth.js';
import { retryAfterMs } from '../../src/qc/retry.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';

describe('auth', () => {
  it('matches the vector computed independently by scripts/golden/auth_vector.py', () => {
    const vector = JSON.parse(readFileSync('tests/fixtures/auth-vector.json', 'utf8')) as Record<string, string | number>;
    const headers = authHeaders({ userId: String(vector.userId), token: String(vector.token) }, Number(vector.timestamp) * 1000);
    expect(headers).toEqual({ Authorization: vector.authorization, Timestamp: vector.timestampHeader });
  });

  it('is fresh per request: the timestamp follows the clock', () => {
    const a = authHeaders({ userId: 'u', token: 't' }, 1_000_000_000_000);
    const b = authHeaders({ userId: 'u', token: 't' }, 1_000_000_005_000);
    expect(a.Timestamp).toBe('1000000000');
    expect(b.Timestamp).toBe('1000000005');
    expect(a.Authorization).not.toBe(b.Authorization);
  });
});

describe('retries and timeouts', () => {
  let recorder: Recorder;
  let mcp: Connected;
  beforeAll(async () => {
    recorder = await startRecorder();
    mcp = await connect({
      env: testEnv(recorder.baseUrl),
      retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 },
      timeoutMs: 1500,
    });
  });
  afterAll(async () => {
    await mcp.close();
    await recorder.close();
  });

  function failTimes(path: string, failures: Parameters<Recorder['respond']>[1][], then: unknown) {
    let n = 0;
    recorder.respond(path, (r) => (n < failures.length ? failures[n++]!(r) : { body: then }));
  }
  const count = (path: string) => recorder.requests.filter((r) => r.path === path).length;

  it('reads retry on 5xx, 429 (honouring Retry-After) and dropped connections, then succeed', async () => {
    failTimes('/backtests/read', [() => ({ status: 503 }), () => ({ status: 429, headers: { 'retry-after': '0' } }), () => ({ drop: true })], {
      backtest: { backtestId: 'b' },
      success: true,
    });
    const result = await mcp.client.callTool({ name: 'read_backtest', arguments: { projectId: 1, backtestId: 'b' } });
    expect(result.isError).toBeFalsy();
    expect(count('/backtests/read')).toBe(4);
    // Every attempt is signed afresh.
    for (const r of recorder.requests.filter((q) => q.path === '/backtests/read')) expect(r.headers.timestamp).toMatch(/^\d+$/);
  });

  it('reads give up after the retry budget with a clear isError', async () => {
    failTimes(
      '/projects/read',
      Array.from({ length: 10 }, () => () => ({ status: 500 })),
      {},
    );
    const before = count('/projects/read');
    const result = await mcp.client.callTool({ name: 'list_projects', arguments: {} });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('HTTP 500');
    expect(count('/projects/read') - before).toBe(4);
  });

  it('writes are never retried: one request, and the agent is told it may have been applied', async () => {
    failTimes('/backtests/create', [() => ({ status: 503 })], { success: true });
    const result = await mcp.client.callTool({ name: 'create_backtest', arguments: { projectId: 1, compileId: 'c', backtestName: 'b' } });
    expect(result.isError).toBe(true);
    expect(count('/backtests/create')).toBe(1);
    expect(JSON.stringify(result.content)).toContain('may or may not have been applied');
  });

  it('a dropped connection on a write is an isError after one attempt', async () => {
    failTimes('/compile/create', [() => ({ drop: true })], { success: true });
    const result = await mcp.client.callTool({ name: 'create_compile', arguments: { projectId: 1 } });
    expect(result.isError).toBe(true);
    expect(count('/compile/create')).toBe(1);
    expect(JSON.stringify(result.content)).toContain('Could not reach QuantConnect');
  });

  it('a slow upstream times out into an isError', async () => {
    recorder.respond('/account/read', () => ({ delayMs: 3000, body: { success: true } }));
    const started = Date.now();
    const result = await mcp.client.callTool({ name: 'read_account', arguments: {} });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('did not answer within 1.5 s');
    expect(Date.now() - started).toBeLessThan(2900);
  });

  it('401 tells the operator what to check, and never echoes the token', async () => {
    recorder.respond('/account/read', () => ({ status: 401, body: { success: false, errors: ['Hash does not match'] } }));
    const result = await mcp.client.callTool({ name: 'read_account', arguments: {} });
    expect(result.isError).toBe(true);
    const text = JSON.stringify(result);
    expect(text).toContain('QUANTCONNECT_API_TOKEN');
    expect(text).not.toContain(testEnv('').QUANTCONNECT_API_TOKEN);
  });

  it('invalid arguments are an isError naming the argument, and nothing is sent', async () => {
    const before = recorder.requests.length;
    const result = await mcp.client.callTool({ name: 'read_backtest', arguments: { projectId: 'one' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/arguments\.projectId: must be integer|backtestId/);
    expect(recorder.requests.length).toBe(before);
  });

  it('an unknown tool is a protocol error', async () => {
    await expect(mcp.client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/Unknown tool/);
  });
});

describe('Retry-After', () => {
  it.each([
    ['2', 2000],
    ['0', 0],
    [null, undefined],
    ['soon', undefined],
  ])('%s -> %s ms', (header, ms) => expect(retryAfterMs(header as string | null)).toBe(ms));
  it('accepts an HTTP date', () => expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000));
});
