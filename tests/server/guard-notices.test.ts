/**
 * What the guard tells people when a rule fires (issue 18): a real MCP client connected to `serve`
 * (the built CLI over stdio, with a `guard:` section) receives a notifications/message from logger
 * `guard` naming the rule, the deployment and the figures; the `notify` action POSTs a JSON body to
 * QC_MCP_GUARD_WEBHOOK (a loopback server here) that holds the same and no credential. A webhook
 * that fails (HTTP 500) is logged and recorded, and the guard goes on: the next breach is notified
 * and delivered.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type LoggingMessageNotification } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { auditRecords, deployPaper, guardEntries, shock } from '../helpers/live.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay, writeOverlay } from '../helpers/overlay.js';
import { FAST_TIMING } from '../helpers/sandbox.js';
import { pollUntil } from '../helpers/workflow.js';

/** Credentials distinctive enough that finding them in a body cannot be a coincidence. */
const CREDENTIALS = { userId: '7316495', token: 'guard-notice-secret-9f3a61c2e8' };
const CLI = 'dist/src/cli/main.js';

interface Posted {
  headers: IncomingHttpHeaders;
  text: string;
  body: Record<string, any>;
}

describe('guard notices: MCP logging to a connected client, and the notify webhook', () => {
  let sandbox: Sandbox;
  let baseUrl: string;
  let deployer: Connected;
  let webhook: Server;
  let client: Client;
  let stderr = '';
  let stateDir: string;
  const posted: Posted[] = [];
  const notices: LoggingMessageNotification['params'][] = [];
  const projects = { first: 0, second: 0 };

  beforeAll(async () => {
    expect(existsSync(CLI), 'run npm run build first').toBe(true);
    ({ sandbox, baseUrl } = await startSandbox({ credentials: CREDENTIALS, organizationId: 'org-test', timing: FAST_TIMING }));
    const credentialEnv = { QUANTCONNECT_USER_ID: CREDENTIALS.userId, QUANTCONNECT_API_TOKEN: CREDENTIALS.token };
    deployer = await connect({ env: { ...testEnv(baseUrl, { QC_MCP_TOOLS: unrestrictedOverlay() }), ...credentialEnv } });
    projects.first = await deployPaper(deployer.client, 'Notified first');
    projects.second = await deployPaper(deployer.client, 'Notified second');

    // The webhook: the first POST fails with HTTP 500, later ones are accepted.
    webhook = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      posted.push({ headers: req.headers, text, body: JSON.parse(text) as Record<string, any> });
      res.writeHead(posted.length === 1 ? 500 : 204).end();
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/guard`;

    const overlay = writeOverlay({
      guard: { interval_s: 1, deployments: [projects.first, projects.second], rules: [{ name: 'daily 5 % alert', max_daily_loss_pct: 5, action: 'notify' }] },
    });
    const env: NodeJS.ProcessEnv = { ...testEnv(baseUrl, { QC_MCP_TOOLS: overlay, QC_MCP_GUARD_WEBHOOK: hookUrl }), ...credentialEnv };
    stateDir = String(env.QC_MCP_STATE_DIR);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve'],
      env: { PATH: process.env.PATH ?? '', ...env } as Record<string, string>,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    client = new Client({ name: 'guard-notices', version: '1.0.0' });
    client.setNotificationHandler('notifications/message', (n) => void notices.push(n.params));
    await client.connect(transport);
    await pollUntil(
      async () => stderr,
      (text) => /guard: watching projects/.test(text),
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // one evaluation before the shock
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    await deployer?.close();
    await new Promise((resolve) => webhook?.close(resolve));
    await sandbox?.close();
  });

  const guardNotices = () => notices.filter((n) => n.logger === 'guard');

  it('a -6 % loss under a 5 % notify rule: one warning to the client naming rule, deployment and figures, and one webhook POST', async () => {
    await shock(baseUrl, CREDENTIALS, projects.first, -6);
    await pollUntil(
      async () => [guardNotices().length, posted.length],
      ([n, p]) => n! >= 1 && p! >= 1,
      8000,
    );
    const [notice] = guardNotices();
    expect(notice!.level).toBe('warning');
    const data = notice!.data as Record<string, any>;
    expect(data.message).toMatch(
      new RegExp(`rule "daily 5 % alert" fired on project ${projects.first} \\(max_daily_loss_pct is [\\d.]+ against 5\\): notify done`),
    );
    expect(data).toMatchObject({
      name: 'daily 5 % alert',
      projectId: projects.first,
      condition: 'max_daily_loss_pct',
      threshold: 5,
      action: 'notify',
      outcome: 'done',
    });
    expect(data.value).toBeCloseTo(6, 6);
    expect(data.deployId).toMatch(/^L-/);

    const [hook] = posted;
    expect(hook!.headers['content-type']).toBe('application/json');
    expect(hook!.body).toMatchObject({ event: 'guard.breach', rule: 'daily 5 % alert', projectId: projects.first, deployId: data.deployId });
    expect(hook!.body.reason).toMatch(/^max_daily_loss_pct is [\d.]+ against 5$/);
    expect(hook!.body.figures.dailyLossPct).toBeCloseTo(6, 6);
    expect(Date.parse(hook!.body.time)).toBeGreaterThan(Date.now() - 60_000);
    for (const secret of [CREDENTIALS.userId, CREDENTIALS.token]) {
      expect(hook!.text).not.toContain(secret);
      expect(JSON.stringify(hook!.headers)).not.toContain(secret);
    }
    expect(hook!.headers.authorization).toBeUndefined();
  }, 20_000);

  it('the failed webhook (HTTP 500) is logged and audited, and the guard goes on: the next breach is notified and delivered, each once', async () => {
    expect(stderr).toContain('quantconnect-mcp guard: webhook answered HTTP 500');
    await shock(baseUrl, CREDENTIALS, projects.second, -7);
    await pollUntil(
      async () => [guardNotices().length, posted.length],
      ([n, p]) => n! >= 2 && p! >= 2,
      8000,
    );
    expect((guardNotices()[1]!.data as Record<string, any>).projectId).toBe(projects.second);
    expect(posted[1]!.body).toMatchObject({ projectId: projects.second });
    await new Promise((resolve) => setTimeout(resolve, 2500)); // more evaluations: the breaches stay, nothing is repeated
    expect(guardNotices()).toHaveLength(2);
    expect(posted).toHaveLength(2);
    const entries = guardEntries(auditRecords(stateDir));
    expect(entries.map((e) => [e.guard.project_id, e.guard.answer])).toEqual([
      [projects.first, { notified: true, webhook: 'HTTP 500' }],
      [projects.second, { notified: true, webhook: 'delivered' }],
    ]);
    expect(JSON.stringify(entries)).not.toContain('/hooks/guard'); // the webhook URL is often a secret
  }, 20_000);
});
