/** --state keeps the sandbox's account across restarts; `quantconnect-mcp sandbox` serves other clients. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../../src/qc/auth.js';
import { connect, testEnv } from '../helpers/mcp.js';
import { CREDENTIALS, FAST_TIMING } from '../helpers/sandbox.js';
import { startSandbox } from '../../src/sandbox/server.js';

describe('--state', () => {
  it('persists projects and files across a restart, written atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qcmcp-sbx-'));
    const statePath = join(dir, 'state.json');
    const first = await startSandbox({ credentials: CREDENTIALS, statePath, timing: FAST_TIMING });
    const a = await connect({ env: testEnv(first.baseUrl) });
    const created = await a.client.callTool({ name: 'create_project', arguments: { name: 'Kept', language: 'Py' } });
    const projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
    await a.client.callTool({ name: 'create_file', arguments: { projectId, name: 'notes.py', content: 'x = 42\n' } });
    await a.close();
    await first.sandbox.close();
    expect(readdirSync(dir)).toEqual(['state.json']); // no temp files left behind
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toMatchObject({ version: 1 });

    const second = await startSandbox({ credentials: CREDENTIALS, statePath, timing: FAST_TIMING });
    const b = await connect({ env: testEnv(second.baseUrl) });
    const read = await b.client.callTool({ name: 'read_file', arguments: { projectId, name: 'notes.py' } });
    expect((read.structuredContent as { files: { content: string }[] }).files[0]!.content).toBe('x = 42\n');
    await b.close();
    await second.sandbox.close();
  });
});

describe('quantconnect-mcp sandbox', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGTERM'));

  it('serves the API on 127.0.0.1, prints how to connect, and checks the credentials it was given', async () => {
    expect(existsSync('dist/src/cli/main.js'), 'run npm run build first').toBe(true);
    child = spawn(process.execPath, ['dist/src/cli/main.js', 'sandbox', '--port', '0'], {
      env: { ...process.env, QUANTCONNECT_USER_ID: CREDENTIALS.userId, QUANTCONNECT_API_TOKEN: CREDENTIALS.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const baseUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${stderr}`)), 10_000);
      child!.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /QUANTCONNECT_API_BASE_URL=(http:\/\/127\.0\.0\.1:\d+\/api\/v2)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    expect(stderr).not.toContain(CREDENTIALS.token);
    const ok = await fetch(`${baseUrl}/account/read`, { method: 'POST', headers: authHeaders(CREDENTIALS) });
    expect(ok.status).toBe(200);
    const denied = await fetch(`${baseUrl}/account/read`, { method: 'POST', headers: authHeaders({ ...CREDENTIALS, token: 'x' }) });
    expect(denied.status).toBe(401);
  });

  it('refuses a bad --faults value with an example', async () => {
    const run = spawn(process.execPath, ['dist/src/cli/main.js', 'sandbox', '--faults', '[{"kind":"teapot","rate":1}]'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    run.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--faults: 0\.kind.*Example: --faults/s);
  });
});
