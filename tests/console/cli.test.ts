/**
 * `quantconnect-mcp console` through the built CLI: it prints the address and the sign-in secret,
 * keeps the secret 0600 in the state directory, serves the sign-in page on loopback, and signing
 * in with the printed secret shows an approval made by another process (the state is shared).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileApprovalStore } from '../../src/policy/approvals.js';

const CLI = 'dist/src/cli/main.js';
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill()));

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return { ...env, ...extra };
}

/** Start the console and wait for its first lines: the address and the secret. */
function startConsole(stateDir: string): Promise<{ url: string; secret: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'console', '--port', '0'], { env: cleanEnv({ QC_MCP_STATE_DIR: stateDir }), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const url = /console: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      const secret = /mode 0600\):\n(\S+)\n/.exec(out)?.[1];
      if (url && secret) resolve({ url, secret, child });
    });
    child.on('exit', (code) => reject(new Error(`console exited ${code}: ${err}`)));
  });
}

describe('quantconnect-mcp console', () => {
  it('prints the address and the secret, and the secret signs in', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-console-cli-'));
    const pending = await new FileApprovalStore(join(stateDir, 'approvals.json')).create(
      { tool: 'liquidate_live_algorithm', args_sha256: 'f'.repeat(64), identity: 'local', summary: 'Run liquidate_live_algorithm?', args: { projectId: 7 } },
      600_000,
      Date.now(),
    );
    const { url, secret } = await startConsole(stateDir);
    expect(readFileSync(join(stateDir, 'console-secret'), 'utf8').trim()).toBe(secret);
    expect(statSync(join(stateDir, 'console-secret')).mode & 0o777).toBe(0o600);

    const anonymous = await (await fetch(`${url}/`)).text();
    expect(anonymous).toContain('name="secret"');
    expect(anonymous).not.toContain(pending.id);

    const signIn = (secretGiven: string) =>
      fetch(`${url}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ secret: secretGiven, next: '/' }).toString(),
      });
    expect((await signIn('wrong')).status).toBe(401);
    const signedIn = await signIn(secret);
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await (await fetch(`${url}/`, { headers: { cookie: cookie.split(';')[0]! } })).text();
    expect(page).toContain(pending.id);
    expect(page).toContain('&quot;projectId&quot;: 7');
  }, 30_000);
});
