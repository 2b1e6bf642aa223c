/**
 * The live guard end to end (issue 18): `quantconnect-mcp sandbox --port P` serves the API, an MCP
 * client deploys two paper algorithms, and `quantconnect-mcp guard` watches them with one rule,
 * "lose 5 % of the day's opening equity -> liquidate". The guard's overlay enables no tool: its
 * section alone pre-authorises what it does. A -6 % shock is liquidated and stopped within two
 * intervals, audited once, and the audit chain verifies; a -3 % shock does nothing.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay, writeOverlay } from '../helpers/overlay.js';
import { CREDENTIALS } from '../helpers/sandbox.js';
import { auditRecords, deployPaper, SPY, shock } from '../helpers/live.js';
import { pollUntil } from '../helpers/workflow.js';

const run = promisify(execFile);
const INTERVAL_S = 2;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Spawn the CLI; resolves once stderr matches `ready`. */
async function spawnCli(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; stderr: () => string }> {
  expect(existsSync('dist/src/cli/main.js'), 'run npm run build first').toBe(true);
  const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${stderr}`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = ready.exec(stderr);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited (${String(code)}): ${stderr}`)));
  });
  return { child, match, stderr: () => stderr };
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('quantconnect-mcp guard against quantconnect-mcp sandbox', () => {
  let sandbox: ChildProcess;
  let guard: { child: ChildProcess; stderr: () => string } | undefined;
  let baseUrl: string;
  let mcp: Connected;
  const guardState = mkdtempSync(join(tmpdir(), 'qcmcp-guard-'));
  let guardEnv: NodeJS.ProcessEnv;
  const projects: Record<'shocked' | 'mild', number> = { shocked: 0, mild: 0 };

  const ok = async (name: string, args: Record<string, unknown>): Promise<Record<string, any>> => {
    const result = await mcp.client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Record<string, any>;
  };
  beforeAll(async () => {
    const port = await freePort();
    const started = await spawnCli(
      ['sandbox', '--port', String(port)],
      { ...process.env, QUANTCONNECT_USER_ID: CREDENTIALS.userId, QUANTCONNECT_API_TOKEN: CREDENTIALS.token },
      /QUANTCONNECT_API_BASE_URL=(http:\/\/127\.0\.0\.1:\d+\/api\/v2)/,
    );
    sandbox = started.child;
    baseUrl = started.match[1]!;
    mcp = await connect({ env: testEnv(baseUrl, { QC_MCP_TOOLS: unrestrictedOverlay() }) });
    projects.shocked = await deployPaper(mcp.client, 'Guarded -6');
    projects.mild = await deployPaper(mcp.client, 'Guarded -3');
    const overlay = writeOverlay({
      guard: { interval_s: INTERVAL_S, deployments: 'all', rules: [{ name: 'daily 5 %', max_daily_loss_pct: 5, action: 'liquidate' }] },
    });
    guardEnv = { ...testEnv(baseUrl, { QC_MCP_TOOLS: overlay }), QC_MCP_STATE_DIR: guardState };
    guard = await spawnCli(['guard'], guardEnv, /watching every running deployment every 2 s/);
    // The guard has looked at both deployments before the shocks.
    const status = () =>
      existsSync(join(guardState, 'guard-status.json')) ? (JSON.parse(readFileSync(join(guardState, 'guard-status.json'), 'utf8')) as Record<string, any>) : {};
    await pollUntil(
      async () => status(),
      (s) => (s.watched ?? []).length === 2,
      15_000,
    ).catch(() => {
      throw new Error(`guard never watched both: ${guard?.stderr()} ${JSON.stringify(status())}`);
    });
  }, 90_000);

  afterAll(async () => {
    await stopChild(guard?.child);
    await mcp?.close();
    await stopChild(sandbox);
  });

  it('a -6 % shock under the 5 % liquidate rule is liquidated and stopped within two intervals; a -3 % shock is left alone', async () => {
    await shock(baseUrl, CREDENTIALS, projects.mild, -3);
    await shock(baseUrl, CREDENTIALS, projects.shocked, -6);
    const shockedAt = Date.now();
    const after = await pollUntil(
      () => ok('read_live_algorithm', { projectId: projects.shocked }),
      (l) => l.status === 'Liquidated',
      2 * INTERVAL_S * 1000 + 1500,
    );
    expect(Date.now() - shockedAt).toBeLessThanOrEqual(2 * INTERVAL_S * 1000 + 1500);
    expect(after.stopped).toBeTruthy();
    expect((await ok('read_live_portfolio', { projectId: projects.shocked })).portfolio.holdings).toEqual({});
    // Two more intervals: the -3 % deployment still runs with its holdings, and nothing is repeated.
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_S * 1000 + 500));
    expect((await ok('read_live_algorithm', { projectId: projects.mild })).status).toBe('Running');
    expect(Object.keys((await ok('read_live_portfolio', { projectId: projects.mild })).portfolio.holdings)).toEqual([SPY]);
  }, 30_000);

  it('the audit chain holds exactly one guard entry, with the rule, the figures and the answer, and verifies', async () => {
    const records = auditRecords(guardState);
    const entries = records.filter((r) => r.decision === 'guard_action' || r.decision === 'guard_escalated');
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({ identity: 'guard', tool: 'liquidate_live_algorithm', decision: 'guard_action', rule: 'overlay.yaml#/guard/rules/0' });
    expect(entry!.guard).toMatchObject({
      project_id: projects.shocked,
      condition: 'max_daily_loss_pct',
      threshold: 5,
      action: 'liquidate',
      attempts: 1,
      answer: { liquidate: { success: true } },
    });
    expect(entry!.guard.value).toBeCloseTo(6, 6);
    // The liquidation went through the pipeline as the guard, pre-authorised rather than confirmed.
    expect(records.some((r) => r.tool === 'liquidate_live_algorithm' && r.decision === 'preauthorised' && r.rule === 'overlay.yaml#/guard')).toBe(true);
    expect(records.filter((r) => r.tool === 'liquidate_live_algorithm' && r.event === 'outcome' && r.decision === 'ok')).toHaveLength(1);
    const verify = await run(process.execPath, ['dist/src/cli/main.js', 'audit', 'verify'], { env: guardEnv });
    expect(verify.stdout).toMatch(/audit verify: OK, \d+ records, chain intact/);
  });

  it('guard status shows the rules, the last evaluation, the figures per deployment and the action taken', async () => {
    const { stdout } = await run(process.execPath, ['dist/src/cli/main.js', 'guard', 'status'], { env: guardEnv });
    const status = JSON.parse(stdout) as Record<string, any>;
    expect(status).toMatchObject({ role: 'acting', coordination: 'file', intervalS: INTERVAL_S, rules: [{ max_daily_loss_pct: 5, action: 'liquidate' }] });
    expect(Date.parse(status.lastEvaluation)).toBeGreaterThan(Date.now() - 10_000);
    expect(status.watched.map((w: any) => w.projectId)).toEqual([projects.mild]);
    expect(status.watched[0].figures.dailyLossPct).toBeCloseTo(3, 6);
    expect(status.actions).toMatchObject([{ projectId: projects.shocked, action: 'liquidate', outcome: 'done' }]);
  });
});

describe('the documented overlay: liquidation without a human, deployments still gated', () => {
  it('liquidate_live_algorithm runs at once; create_live_algorithm still waits for a human', async () => {
    const { sandboxSession } = await import('../helpers/sandbox.js');
    const overlay = writeOverlay({
      toolsets: { live: { default: true } },
      tools: { liquidate_live_algorithm: { enabled: true, confirm: false }, create_live_algorithm: { enabled: true } },
    });
    const s = await sandboxSession({}, { QC_MCP_TOOLS: overlay });
    try {
      const projectId = Number(
        ((await s.client.callTool({ name: 'create_project', arguments: { name: 'Gated', language: 'Py' } })).structuredContent as any).projects[0].projectId,
      );
      const liquidate = await s.client.callTool({ name: 'liquidate_live_algorithm', arguments: { projectId } });
      expect(JSON.stringify(liquidate.content)).toMatch(/has no live algorithm/); // reached the API: no confirmation asked
      const deploy = await s.client.callTool({
        name: 'create_live_algorithm',
        arguments: { projectId, compileId: 'c', nodeId: 'LN-sandbox-micro', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } },
      });
      expect(deploy.isError).toBe(true);
      expect(JSON.stringify(deploy.content)).toMatch(/needs a human's confirmation/);
    } finally {
      await s.close();
    }
  });
});
