/**
 * The stdio server never goes deaf: a message over the size limit, a line that is not JSON and a
 * JSON value that is not JSON-RPC are each answered with a JSON-RPC error, and the next request
 * (a ping) is answered too. Driven over the built CLI's real stdin and stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = 'dist/src/cli/main.js';
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return { ...env, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-stdio-')), ...extra };
}

/** The CLI over raw pipes: send lines, wait for the answer with an id (or for the exit). */
function raw(env: Record<string, string>) {
  expect(existsSync(CLI), 'run npm run build first').toBe(true);
  const proc = spawn(process.execPath, [CLI], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child = proc;
  const messages: Record<string, unknown>[] = [];
  let out = '';
  let stderr = '';
  let exited: number | null | undefined;
  proc.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (let i = out.indexOf('\n'); i !== -1; i = out.indexOf('\n')) {
      messages.push(JSON.parse(out.slice(0, i)) as Record<string, unknown>);
      out = out.slice(i + 1);
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  proc.on('exit', (code) => (exited = code));
  const send = (text: string | Buffer) => new Promise<void>((resolve) => (proc.stdin!.write(text) ? resolve() : proc.stdin!.once('drain', resolve)));
  const waitFor = async (predicate: (m: Record<string, unknown>) => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const found = messages.find(predicate);
      if (found || exited !== undefined) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  };
  return { send, waitFor, messages, stderr: () => stderr, exited: () => exited };
}

const INIT = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`;
const ping = (id: number) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' })}\n`;

describe('stdio robustness', () => {
  it('an 11 MiB message is answered with a JSON-RPC error, and a ping after it is answered within 5 s', async () => {
    const s = raw(cleanEnv());
    await s.send(INIT);
    expect(await s.waitFor((m) => m.id === 1, 20_000)).toMatchObject({ result: { serverInfo: { name: 'quantconnect-mcp' } } });
    const big = Buffer.alloc(11 * 1024 * 1024, 'a');
    const started = Date.now();
    await s.send(
      Buffer.concat([
        Buffer.from(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_account","arguments":{"pad":"`),
        big,
        Buffer.from('"}}}\n'),
      ]),
    );
    await s.send(ping(3));
    const pong = await s.waitFor((m) => m.id === 3, 5_000);
    expect(pong, `no answer to ping within 5 s; stderr: ${s.stderr().slice(-500)}`).toMatchObject({ jsonrpc: '2.0', id: 3, result: {} });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(s.messages.find((m) => m.id === null)).toMatchObject({
      error: { code: -32600, message: expect.stringMatching(/exceeds the server's limit of 10485760 bytes \(QC_MCP_STDIO_MAX_BYTES\)/) },
    });
    expect(s.stderr()).toContain('Request too large');
  });

  it('the limit is settable; a line that is not JSON and a value that is not JSON-RPC are answered, and the server keeps serving', async () => {
    const s = raw(cleanEnv({ QC_MCP_STDIO_MAX_BYTES: '4096' }));
    await s.send(INIT);
    expect(await s.waitFor((m) => m.id === 1, 20_000)).toBeDefined();
    await s.send(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping', params: { pad: 'x'.repeat(5000) } })}\n`);
    expect(await s.waitFor((m) => m.id === null && JSON.stringify(m).includes('4096'), 5_000)).toBeDefined();
    await s.send('{"jsonrpc": "2.0", "id": 7, "method": \n');
    expect(await s.waitFor((m) => (m.error as { code?: number } | undefined)?.code === -32700, 5_000)).toMatchObject({ id: null });
    await s.send(`${JSON.stringify({ jsonrpc: '1.0', id: 8, method: 'ping' })}\n`);
    expect(await s.waitFor((m) => m.id === 8, 5_000)).toMatchObject({ error: { code: -32600 } });
    await s.send(ping(9));
    expect(await s.waitFor((m) => m.id === 9, 5_000)).toMatchObject({ result: {} });
  });

  it('a bad QC_MCP_STDIO_MAX_BYTES stops the server at start with a clear line', async () => {
    const s = raw(cleanEnv({ QC_MCP_STDIO_MAX_BYTES: 'lots' }));
    await s.waitFor(() => false, 10_000);
    expect(s.exited()).not.toBe(0);
    expect(s.stderr()).toMatch(/QC_MCP_STDIO_MAX_BYTES must be a (positive )?whole number/);
  });
});
