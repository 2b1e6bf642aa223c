/**
 * Exactly one guard acts (issue 18): two `serve` processes (the built CLI over HTTP) run the same
 * `guard:` section against one sandbox (a real HTTP server that records every request).
 * - Replicas sharing a real redis-server (`--state redis://…`, each with its own state dir): one
 *   -6 % shock under a 5 % liquidate rule leads to exactly one liquidate request and one guard
 *   audit entry across both, and both audit chains verify. kill -9 the lease holder, shock another
 *   deployment: the survivor liquidates it within one lease period plus an interval.
 * - Two local processes on one state dir, no Redis: the lock file lets one act; kill -9 it and the
 *   other takes over (within a lease period plus an interval, plus the stale time of a state-dir lock
 *   the killed process may have held).
 * .ci/run installs redis-server; without it the Redis half says so and is skipped (in CI it fails).
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, type LoggingMessageNotification, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STALE_MS } from '../../src/policy/file-lock.js';
import { auditRecords, deployPaper, guardEntries, shock } from '../helpers/live.js';
import { testEnv } from '../helpers/mcp.js';
import { unrestrictedOverlay, writeOverlay } from '../helpers/overlay.js';
import { CREDENTIALS, sandboxSession, type SandboxSession } from '../helpers/sandbox.js';
import { caller, pollUntil } from '../helpers/workflow.js';
import { hasRedis, startRedis } from '../helpers/redis.js';

const run = promisify(execFile);
const CLI = 'dist/src/cli/main.js';
const INTERVAL_S = 1;
const LEASE_S = 3;

interface Replica {
  child: ChildProcess;
  stateDir: string;
  url: string;
  stderr: () => string;
}

const children: ChildProcess[] = [];

/** `serve --transport http` with a guard section; resolves once it serves and its guard watches. */
async function startServe(env: NodeJS.ProcessEnv, stateDir: string, extra: string[] = []): Promise<Replica> {
  expect(existsSync(CLI), 'run npm run build first').toBe(true);
  const child = spawn(process.execPath, [CLI, 'serve', '--transport', 'http', '--port', '0', ...extra], {
    env: { ...env, QC_MCP_STATE_DIR: stateDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/guard: watching projects/.test(stderr) && /Streamable HTTP at/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${String(code)}: ${stderr}`)));
  });
  return { child, stateDir, url: /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(stderr)![1]!, stderr: () => stderr };
}

function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

let s: SandboxSession;
const liquidations = (projectId: number) =>
  s.sandbox.requests.filter((r) => r.operation === 'POST /live/update/liquidate' && (r.body as { projectId?: number }).projectId === projectId).length;
const status = async (projectId: number) => String((await caller(s.client)('read_live_algorithm', { projectId })).status);
const guardEnv = (deployments: number[]): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  ...testEnv(s.baseUrl, {
    QC_MCP_TOOLS: writeOverlay({
      guard: { interval_s: INTERVAL_S, lease_s: LEASE_S, deployments, rules: [{ name: 'daily 5 %', max_daily_loss_pct: 5, action: 'liquidate' }] },
    }),
  }),
});

/** Shock a deployment by -6 % and wait until the sandbox saw it liquidated; resolves with the milliseconds it took. */
async function shockAndWait(projectId: number, withinMs: number): Promise<number> {
  const from = Date.now();
  await shock(s.baseUrl, CREDENTIALS, projectId, -6);
  await pollUntil(
    async () => liquidations(projectId),
    (n) => n > 0,
    withinMs + 5000,
  );
  return Date.now() - from;
}

/** A replica that has had nothing to record has no audit log yet. */
const recordsOf = (stateDir: string) => (existsSync(join(stateDir, 'audit.jsonl')) ? auditRecords(stateDir) : []);

async function verifyAudit(stateDir: string): Promise<void> {
  if (!existsSync(join(stateDir, 'audit.jsonl'))) return;
  const { stdout } = await run(process.execPath, [CLI, 'audit', 'verify'], { env: { ...process.env, QC_MCP_STATE_DIR: stateDir } });
  expect(stdout).toMatch(/audit verify: OK, \d+ records, chain intact/);
}

const projects: Record<'redisA' | 'redisB' | 'fileA' | 'fileB', number> = { redisA: 0, redisB: 0, fileA: 0, fileB: 0 };

beforeAll(async () => {
  s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay() });
  for (const key of Object.keys(projects) as (keyof typeof projects)[]) projects[key] = await deployPaper(s.client, `Replicated ${key}`);
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await s?.close();
});

describe.runIf(hasRedis)('two serve replicas sharing Redis', () => {
  let redis: ChildProcess;
  let redisPort: number;
  const replicas: Replica[] = [];
  let holder: Replica;
  let survivor: Replica;

  const leaseOwner = () =>
    spawnSync('redis-cli', ['-p', String(redisPort), 'GET', 'qcmcp:guard:lease'])
      .stdout?.toString()
      .trim();

  beforeAll(async () => {
    ({ child: redis, port: redisPort } = await startRedis());
    const env = guardEnv([projects.redisA, projects.redisB]);
    const state = ['--state', `redis://127.0.0.1:${redisPort}`];
    replicas.push(
      ...(await Promise.all([
        startServe(env, mkdtempSync(join(tmpdir(), 'qcmcp-guard-r1-')), state),
        startServe(env, mkdtempSync(join(tmpdir(), 'qcmcp-guard-r2-')), state),
      ])),
    );
    for (const r of replicas) expect(r.stderr()).toContain('(redis lock)');
    const owner = await pollUntil(
      async () => leaseOwner() ?? '',
      (o) => /:\d+:[0-9a-f]{8}$/.test(o),
      5000,
    );
    const pid = Number(/:(\d+):[0-9a-f]{8}$/.exec(owner)![1]);
    holder = replicas.find((r) => r.child.pid === pid)!;
    survivor = replicas.find((r) => r.child.pid !== pid)!;
    expect(holder).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // an evaluation of both deployments before the shock
  }, 60_000);

  afterAll(() => {
    redis?.kill('SIGKILL');
  });

  it('one -6 % shock: exactly one liquidation across both replicas, one guard audit entry, both chains verify', async () => {
    await shockAndWait(projects.redisA, 2 * INTERVAL_S * 1000);
    await pollUntil(
      () => status(projects.redisA),
      (st) => st === 'Liquidated',
      5000,
    );
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_S * 1000)); // more evaluations by both: nothing is repeated
    expect(liquidations(projects.redisA)).toBe(1);
    expect(guardEntries(recordsOf(survivor.stateDir))).toHaveLength(0);
    const entries = guardEntries(auditRecords(holder.stateDir));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      decision: 'guard_action',
      tool: 'liquidate_live_algorithm',
      guard: { project_id: projects.redisA, action: 'liquidate' },
    });
    for (const r of replicas) await verifyAudit(r.stateDir);
    expect(await status(projects.redisB)).toBe('Running');
  }, 30_000);

  it('kill -9 the lease holder: the survivor takes the lease and liquidates the next shocked deployment within a lease period plus an interval, and tells its HTTP client', async () => {
    const notices: LoggingMessageNotification['params'][] = [];
    const client = new Client({ name: 'guard-replicas', version: '1.0.0' });
    client.setNotificationHandler('notifications/message', (n) => void notices.push(n.params));
    await client.connect(new StreamableHTTPClientTransport(new URL(survivor.url)));
    await killHard(holder.child);
    const killedAt = Date.now();
    const within = (LEASE_S + INTERVAL_S) * 1000;
    await shockAndWait(projects.redisB, within);
    const took = Date.now() - killedAt;
    expect(took).toBeLessThanOrEqual(within + 1500); // + the evaluation itself, on a busy machine
    expect(leaseOwner()).toMatch(new RegExp(`:${survivor.child.pid}:[0-9a-f]{8}$`));
    await pollUntil(
      () => status(projects.redisB),
      (st) => st === 'Liquidated',
      5000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_S * 1000));
    expect(liquidations(projects.redisB)).toBe(1);
    expect(liquidations(projects.redisA)).toBe(1); // the survivor did not repeat the holder's action
    expect(guardEntries(recordsOf(survivor.stateDir)).map((e) => e.guard.project_id)).toEqual([projects.redisB]);
    await verifyAudit(survivor.stateDir);
    const guardNotices = notices.filter((n) => n.logger === 'guard');
    await client.close();
    expect(guardNotices).toHaveLength(1);
    expect(guardNotices[0]).toMatchObject({ level: 'warning', data: { name: 'daily 5 %', projectId: projects.redisB, action: 'liquidate', outcome: 'done' } });
    expect((guardNotices[0]!.data as { message: string }).message).toMatch(
      /rule "daily 5 %" fired on project \d+ \(max_daily_loss_pct is [\d.]+ against 5\): liquidate done/,
    );
  }, 30_000);
});

describe('two local serve processes on one state dir, no Redis', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-guard-shared-'));
  const local: Replica[] = [];
  let holder: Replica;
  let survivor: Replica;
  const lockPid = () => (JSON.parse(readFileSync(join(stateDir, 'guard.lock'), 'utf8')) as { pid: number }).pid;

  beforeAll(async () => {
    const env = guardEnv([projects.fileA, projects.fileB]);
    local.push(...(await Promise.all([startServe(env, stateDir), startServe(env, stateDir)])));
    for (const r of local) expect(r.stderr()).toContain('(file lock)');
    const pid = await pollUntil(
      async () => (existsSync(join(stateDir, 'guard.lock')) ? lockPid() : 0),
      (p) => p > 0,
      5000,
    );
    holder = local.find((r) => r.child.pid === pid)!;
    survivor = local.find((r) => r.child.pid !== pid)!;
    expect(holder).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }, 60_000);

  it('one -6 % shock: one liquidation, one guard audit entry in the shared log, which verifies', async () => {
    await shockAndWait(projects.fileA, 2 * INTERVAL_S * 1000);
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_S * 1000));
    expect(liquidations(projects.fileA)).toBe(1);
    expect(guardEntries(auditRecords(stateDir)).map((e) => e.guard.project_id)).toEqual([projects.fileA]);
    expect(lockPid()).toBe(holder.child.pid);
    await verifyAudit(stateDir);
  }, 30_000);

  it('kill -9 the lock holder: the other process takes the lock over and acts, without repeating the first liquidation', async () => {
    await killHard(holder.child);
    const killedAt = Date.now();
    // A process killed while writing the shared state (its audit log, say) leaves that file's lock, stale after STALE_MS.
    const within = (LEASE_S + INTERVAL_S) * 1000 + STALE_MS;
    await shockAndWait(projects.fileB, within);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(within + 1500);
    expect(lockPid()).toBe(survivor.child.pid);
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_S * 1000));
    expect(liquidations(projects.fileB)).toBe(1);
    expect(liquidations(projects.fileA)).toBe(1);
    expect(guardEntries(auditRecords(stateDir)).map((e) => e.guard.project_id)).toEqual([projects.fileA, projects.fileB]);
    await verifyAudit(stateDir);
  }, 30_000);
});
