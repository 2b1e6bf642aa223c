/**
 * `login`, `doctor` and the auth tools, through the built CLI: credentials saved 0600, used when
 * the environment has none, overridden by the environment, never printed; doctor says what to fix.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { CREDENTIALS } from '../helpers/sandbox.js';

const CLI = 'dist/src/cli/main.js';
let sandbox: Sandbox;
let baseUrl: string;
beforeAll(async () => {
  ({ sandbox, baseUrl } = await startSandbox({ credentials: CREDENTIALS, organizationId: 'org-test' }));
});
afterAll(async () => {
  await sandbox.close();
});

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return { ...env, ...extra };
}
const run = (args: string[], env: Record<string, string>, input?: string) =>
  spawnSync(process.execPath, [CLI, ...args], { env: cleanEnv(env), input: input ?? '', encoding: 'utf8', timeout: 30_000 });
/** Asynchronously, for commands that talk to the sandbox in this process (spawnSync would block it). */
function runAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function authTools(env: Record<string, string>) {
  const client = new Client({ name: 'auth-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: cleanEnv(env), stderr: 'ignore' }));
  try {
    const status = (await client.callTool({ name: 'get_auth_status', arguments: {} })).structuredContent as Record<string, unknown>;
    const valid = (await client.callTool({ name: 'validate_quantconnect_auth', arguments: {} })).structuredContent as Record<string, unknown>;
    const listed = (await client.listTools()).tools;
    return { status, valid, listed };
  } finally {
    await client.close();
  }
}

describe('login', () => {
  it('saves credentials 0600 from stdin without printing the token; the server then uses them', async () => {
    const state = mkdtempSync(join(tmpdir(), 'qcmcp-login-'));
    const saved = run(
      ['login', '--user-id', CREDENTIALS.userId, '--organization-id', 'org-test', '--token-stdin'],
      { QC_MCP_STATE_DIR: state },
      `${CREDENTIALS.token}\n`,
    );
    expect(saved.status).toBe(0);
    expect(saved.stdout + saved.stderr).not.toContain(CREDENTIALS.token);
    const file = join(state, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ userId: CREDENTIALS.userId, token: CREDENTIALS.token, organizationId: 'org-test' });

    const env = { QC_MCP_STATE_DIR: state, QUANTCONNECT_API_BASE_URL: baseUrl };
    const { status, valid, listed } = await authTools(env);
    expect(status).toEqual({ backend: 'quantconnect', sandbox: false, user_id: '12**56', organization_id: 'org-test', credentials_source: 'login file' });
    expect(valid).toMatchObject({ valid: true, organization_id: 'org-test' });
    // No tool accepts a token.
    for (const tool of listed) expect(JSON.stringify(tool.inputSchema)).not.toMatch(/"(token|apiToken|api_token|password)"/i);

    // The environment wins over the file: a wrong token in the environment is what the server uses.
    const overridden = await authTools({ ...env, QUANTCONNECT_USER_ID: CREDENTIALS.userId, QUANTCONNECT_API_TOKEN: 'wrong-token-123456' });
    expect(overridden.status.credentials_source).toBe('environment');
    expect(overridden.valid).toMatchObject({ valid: false });
    expect(String(overridden.valid.problem)).toMatch(/rejected the credentials/);
  }, 60_000);

  it('replaces a broken saved file (login is how the user fixes it)', () => {
    const state = mkdtempSync(join(tmpdir(), 'qcmcp-login-'));
    writeFileSync(join(state, 'credentials.json'), '{ not json', { mode: 0o600 });
    const saved = run(['login', '--user-id', CREDENTIALS.userId, '--token-stdin'], { QC_MCP_STATE_DIR: state }, CREDENTIALS.token);
    expect(saved.status, saved.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(state, 'credentials.json'), 'utf8'))).toMatchObject({ userId: CREDENTIALS.userId });
  });

  it('refuses a missing or malformed user id or token', () => {
    const state = mkdtempSync(join(tmpdir(), 'qcmcp-login-'));
    expect(run(['login', '--user-id', 'abc', '--token-stdin'], { QC_MCP_STATE_DIR: state }, 'x'.repeat(20)).status).toBe(2);
    const noToken = run(['login', '--user-id', '42', '--token-stdin'], { QC_MCP_STATE_DIR: state }, '');
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toMatch(/token is missing or malformed/);
  });
});

describe('doctor', () => {
  it('passes with working credentials and a data folder; fails with what to fix otherwise; never prints the token', async () => {
    const state = mkdtempSync(join(tmpdir(), 'qcmcp-doctor-'));
    const good = await runAsync(['doctor'], {
      QC_MCP_STATE_DIR: state,
      QUANTCONNECT_API_BASE_URL: baseUrl,
      QUANTCONNECT_USER_ID: CREDENTIALS.userId,
      QUANTCONNECT_API_TOKEN: CREDENTIALS.token,
      QC_MCP_DATA: 'csv:tests/fixtures/research/A',
    });
    expect(good.status, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/ok {2}\s*node: v\d+/);
    expect(good.stdout).toMatch(/ok {2}\s*QuantConnect: accepted the credentials/);
    expect(good.stdout).toMatch(/ok {2}\s*data source: csv:tests\/fixtures\/research\/A \(6 CSV files\)/);
    expect(good.stdout).toMatch(/All checks passed/);

    const bad = await runAsync(['doctor'], {
      QC_MCP_STATE_DIR: state,
      QUANTCONNECT_API_BASE_URL: baseUrl,
      QUANTCONNECT_USER_ID: CREDENTIALS.userId,
      QUANTCONNECT_API_TOKEN: 'wrong-token-123456',
      QC_MCP_DATA: 'csv:/nowhere',
    });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}QuantConnect: QuantConnect rejected the credentials/);
    expect(bad.stdout).toMatch(/FAIL {2}data source: csv:\/nowhere: \/nowhere does not exist/);
    expect(bad.stdout + bad.stderr).not.toContain('wrong-token-123456');

    const sandboxed = await runAsync(['doctor'], { QC_MCP_STATE_DIR: state });
    expect(sandboxed.stdout).toMatch(/warn {2}credentials: none set, so the embedded sandbox answers/);
    expect(sandboxed.status).toBe(0);
  }, 60_000);
});
