/**
 * The operator console in a real browser (Debian's chromium, driven by playwright-core). An agent
 * whose client cannot elicit asks for two deployments on the sandbox; the operator signs in with
 * the secret, approves one and denies the other; the agent's retry of the approved call goes
 * through once and only once, and the denied one is refused. Cross-site posts are refused, and the
 * page shows nothing but the sign-in until the secret is given.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachConsole } from '../../src/cli/console.js';
import { readEnv } from '../../src/config/env.js';
import type { ConsoleHandle } from '../../src/console/server.js';
import { createRuntime } from '../../src/server/runtime.js';
import { connectRuntime, type Connected } from '../helpers/mcp.js';
import { writeOverlay } from '../helpers/overlay.js';
import { LIVE_ON, text } from '../helpers/policy.js';
import { pollUntil } from '../helpers/workflow.js';

export const CHROMIUM = '/usr/bin/chromium';

let agent: Connected;
let operatorConsole: ConsoleHandle;
let browser: Browser;
let stateDir: string;
let evil: Server;
const projects: Record<'a' | 'b', { projectId: number; compileId: string }> = {} as never;

async function call(name: string, args: Record<string, unknown>) {
  return agent.client.callTool({ name, arguments: args });
}

async function ok(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await call(name, args);
  if (result.isError) throw new Error(`${name}: ${text(result)}`);
  return result.structuredContent as Record<string, unknown>;
}

const deploy = (which: 'a' | 'b') =>
  call('create_live_algorithm', { ...projects[which], nodeId: 'LN-sandbox-micro', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } });
const approvalIn = (message: string): string => /npx quantconnect-mcp approve (ap_[0-9a-f]+)/.exec(message)?.[1] ?? '';
const approvals = () => JSON.parse(readFileSync(join(stateDir, 'approvals.json'), 'utf8')).approvals as { id: string; status: string }[];
const statusOf = (id: string) => approvals().find((a) => a.id === id)?.status;

async function signIn(page: Page, secret: string): Promise<void> {
  await page.fill('input[name=secret]', secret);
  await page.click('button:has-text("Sign in")');
  await page.waitForSelector('#approvals');
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-console-'));
  const env = { QC_MCP_STATE_DIR: stateDir, QC_MCP_BACKEND: 'sandbox', QC_MCP_TOOLS: writeOverlay(LIVE_ON) };
  const runtime = await createRuntime({ env, log: () => {} });
  agent = await connectRuntime(runtime); // a client without elicitation: confirmations become pending approvals
  operatorConsole = await attachConsole(runtime, '0', readEnv(env));
  for (const which of ['a', 'b'] as const) {
    const created = await ok('create_project', { name: `Console ${which}`, language: 'Py' });
    const projectId = (created.projects as { projectId: number }[])[0]!.projectId;
    const compileId = String((await ok('create_compile', { projectId })).compileId);
    await pollUntil(
      () => ok('read_compile', { projectId, compileId }),
      (r) => r.state === 'BuildSuccess',
    );
    projects[which] = { projectId, compileId };
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  // A foreign site that tries to approve by posting a form to the console.
  evil = createServer((req, res) => {
    const target = decodeURIComponent((req.url ?? '/').slice(1));
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<form id="f" method="post" action="${target}"><input name="csrf" value="guess"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => evil?.close(resolve));
  await operatorConsole?.close();
  await agent?.close();
});

describe('operator console in chromium', () => {
  it('approves one pending deployment and denies another; the approved retry runs exactly once', async () => {
    const first = await deploy('a');
    expect(first.isError).toBe(true);
    const approveId = approvalIn(text(first));
    const second = await deploy('b');
    const denyId = approvalIn(text(second));
    expect(approveId).toMatch(/^ap_/);
    expect(denyId).toMatch(/^ap_/);
    // The refusal links to the approval in the console; the link carries no secret.
    const secret = readFileSync(join(stateDir, 'console-secret'), 'utf8').trim();
    expect(statSync(join(stateDir, 'console-secret')).mode & 0o777).toBe(0o600);
    const link = `${operatorConsole.url}/approvals/${approveId}`;
    expect(text(first)).toContain(link);
    expect(text(first)).not.toContain(secret);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    expect(await page.locator('input[name=secret]').count()).toBe(1);
    expect(await page.locator('[data-approval], #approvals, #audit').count()).toBe(0);
    expect(await page.textContent('body')).not.toContain('create_live_algorithm');

    await page.fill('input[name=secret]', 'not-the-secret');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/signin')), page.click('button:has-text("Sign in")')]);
    expect(await page.textContent('body')).toContain('That secret is not right.');
    await signIn(page, secret);
    expect(new URL(page.url()).pathname).toBe(`/approvals/${approveId}`);

    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'qcm_console', httpOnly: true, sameSite: 'Strict' })]);
    expect(cookies[0]!.value).not.toContain(secret);

    // What the human decides on: the summary and the exact (redacted) arguments.
    const card = page.locator(`[data-approval="${approveId}"]`);
    expect(await card.locator('.summary').textContent()).toContain(`Project: ${projects.a.projectId}`);
    const shownArgs = JSON.parse((await card.locator('.args').textContent()) ?? '{}');
    expect(shownArgs).toEqual({ ...projects.a, nodeId: 'LN-sandbox-micro', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } });
    expect(await page.locator(`[data-approval="${denyId}"]`).count()).toBe(1);

    await card.locator('button.approve').click();
    expect(await page.textContent('[role=status]')).toContain(`${approveId} approved`);
    await page.locator(`[data-approval="${denyId}"] button.deny`).click();
    expect(await page.textContent('[role=status]')).toContain(`${denyId} denied`);
    expect(await page.locator('[data-approval]').count()).toBe(0);
    expect(statusOf(approveId)).toBe('approved');
    expect(statusOf(denyId)).toBe('denied');

    // The agent retries: the approved call runs once, only once; the denied one is refused.
    const retried = await deploy('a');
    expect(retried.isError, text(retried)).toBeFalsy();
    expect(statusOf(approveId)).toBe('used');
    const again = await deploy('a');
    expect(again.isError).toBe(true);
    expect(approvalIn(text(again))).not.toBe(approveId);
    const denied = await deploy('b');
    expect(denied.isError).toBe(true);
    expect(text(denied)).toContain(`The operator denied this exact create_live_algorithm call (approval ${denyId})`);
    const live = await ok('list_live_algorithms', {});
    expect(JSON.stringify(live)).toContain(String(projects.a.projectId));
    expect(JSON.stringify(live)).not.toContain(`"projectId":${projects.b.projectId}`);

    // The audit section: verified chain, and the filter narrows to the one successful deployment.
    await page.goto(`${operatorConsole.url}/?tool=create_live_algorithm&outcome=ok`);
    expect(await page.textContent('#audit h2')).toContain('chain verified');
    const rows = page.locator('tr.audit-row');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(approveId);
    await page.goto(`${operatorConsole.url}/?outcome=approval_pending`);
    expect(await rows.count()).toBe(3);
    await context.close();
  }, 60_000);

  it('refuses cross-site posts, and shows only the sign-in without the secret', async () => {
    const pendingId = approvals().find((a) => a.status === 'pending')!.id;
    const secret = readFileSync(join(stateDir, 'console-secret'), 'utf8').trim();
    const context = await browser.newContext();
    const page = await context.newPage();

    // Without the secret: the sign-in form and nothing else.
    await page.goto(`${operatorConsole.url}/`);
    const body = (await page.textContent('body')) ?? '';
    expect(await page.locator('input[name=secret]').count()).toBe(1);
    for (const hidden of [pendingId, 'Pending approvals', 'Audit log', 'Lockdown', 'Grants', 'create_live_algorithm']) expect(body).not.toContain(hidden);
    const anonymous = await fetch(`${operatorConsole.url}/approvals/${pendingId}/approve`, {
      method: 'POST',
      headers: { origin: operatorConsole.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=x',
    });
    expect(anonymous.status).toBe(403);

    await signIn(page, secret);
    expect(await page.locator(`[data-approval="${pendingId}"]`).count()).toBe(1);

    // A foreign page in the same, signed-in browser posts a form to the console: refused.
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/${encodeURIComponent(`${operatorConsole.url}/approvals/${pendingId}/approve`)}`;
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().includes('/approve')), page.goto(evilUrl)]);
    expect(response.status()).toBe(403);
    expect(statusOf(pendingId)).toBe('pending');

    // The same post with the session cookie and the right CSRF token, but from another origin: refused;
    // from the console's origin without the token: refused; with both: accepted (the checks are not vacuous).
    await page.goto(`${operatorConsole.url}/`);
    const csrf = await page.locator('#lockdown input[name=csrf]').getAttribute('value');
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const post = (origin: string, form: string) =>
      fetch(`${operatorConsole.url}/lockdown`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
    expect((await post('http://evil.example', `csrf=${csrf}&state=on`)).status).toBe(403);
    expect((await post(operatorConsole.url, 'state=on')).status).toBe(403);
    expect((await post(operatorConsole.url, `csrf=${csrf}&state=on`)).status).toBe(303);
    await page.goto(`${operatorConsole.url}/`);
    expect(await page.textContent('#lockdown h2')).toContain('ON');
    await page.click('#lockdown button');
    expect(await page.textContent('#lockdown h2')).toContain('off');

    // A rebinding Host is refused outright.
    const rebound = await new Promise<number>((resolve) => {
      const { port } = new URL(operatorConsole.url);
      import('node:http').then(({ request }) =>
        request({ host: '127.0.0.1', port, path: '/', headers: { host: `attacker.example:${port}` } }, (res) => resolve(res.statusCode ?? 0)).end(),
      );
    });
    expect(rebound).toBe(403);
    await context.close();
  }, 60_000);
});
