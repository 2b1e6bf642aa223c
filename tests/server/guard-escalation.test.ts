/**
 * A guard action that keeps failing (issue 18): the sandbox answers liquidate with HTTP 500 three
 * times; the guard tries once and retries twice with a doubling backoff, then locks the server down
 * and says so (one audit record `guard_escalated`, the status, an MCP logging message at level
 * alert). The breach stays, yet the liquidation is never tried again: the sandbox would now accept
 * it, and the deployment still runs.
 */
import type { LoggingMessageNotification } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGuard, type Guard } from '../../src/server/guard.js';
import { createRuntime } from '../../src/server/runtime.js';
import { deployPaper, shock, auditRecords, guardEntries } from '../helpers/live.js';
import { connectRuntime, testEnv, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay, writeOverlay } from '../helpers/overlay.js';
import { CREDENTIALS, sandboxSession, type SandboxSession } from '../helpers/sandbox.js';
import { caller, pollUntil } from '../helpers/workflow.js';

const BACKOFF_MS = 300;

describe('a failing guard action: retried with backoff, escalated to lockdown once', () => {
  let s: SandboxSession;
  let watcher: Connected;
  let guard: Guard;
  let projectId: number;
  const attempts: number[] = [];
  const notices: LoggingMessageNotification['params'][] = [];
  let stateDir: string;

  beforeAll(async () => {
    s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay() });
    projectId = await deployPaper(s.client, 'Escalating');
    // Every liquidate the sandbox is asked for in the next three requests fails with HTTP 500; record when each came.
    s.sandbox.faults.set([{ kind: '500', path: '/live/update/liquidate', times: 3 }]);
    const apply = s.sandbox.faults.apply.bind(s.sandbox.faults);
    s.sandbox.faults.apply = (rule, req, res) => {
      attempts.push(Date.now());
      return apply(rule, req, res);
    };
    const overlay = writeOverlay({ guard: { interval_s: 1, retries: 2, rules: [{ name: 'daily 5 %', max_daily_loss_pct: 5, action: 'liquidate' }] } });
    const env = testEnv(s.baseUrl, { QC_MCP_TOOLS: overlay });
    stateDir = String(env.QC_MCP_STATE_DIR);
    const runtime = await createRuntime({ env, log: () => {} });
    watcher = await connectRuntime(runtime); // a connected client, to receive the guard's notices
    watcher.client.setNotificationHandler('notifications/message', (n) => void notices.push(n.params));
    guard = (await startGuard(runtime, undefined, { backoffMs: BACKOFF_MS, log: () => {} }))!;
    await pollUntil(
      async () => guard.status(),
      (st) => st.watched.length === 1,
      10_000,
    );
  }, 60_000);

  afterAll(async () => {
    await guard?.close();
    await watcher?.close();
    await s?.close();
  });

  it('tries three times, waiting 1x then 2x the backoff, then locks the server down and says so', async () => {
    await shock(s.baseUrl, CREDENTIALS, projectId, -6);
    const status = await pollUntil(
      async () => guard.status(),
      (st) => st.actions.length > 0,
      15_000,
    );
    expect(attempts).toHaveLength(3);
    const [first, second, third] = attempts as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(BACKOFF_MS - 5);
    expect(third - second).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 5);
    expect(status.actions).toMatchObject([{ projectId, action: 'liquidate', outcome: 'escalated', attempts: 3 }]);
    expect(await watcher.runtime.policy.lockdown.isOn()).toBe(true);

    const entries = guardEntries(auditRecords(stateDir));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      identity: 'guard',
      tool: 'liquidate_live_algorithm',
      decision: 'guard_escalated',
      guard: { project_id: projectId, action: 'liquidate', attempts: 3 },
    });
    expect(entries[0]!.error).toMatch(/liquidate failed 3 time\(s\); the server is now locked down/);

    await pollUntil(
      async () => notices,
      (n) => n.some((p) => p.logger === 'guard'),
      5000,
    );
    const notice = notices.find((p) => p.logger === 'guard')!;
    expect(notice.level).toBe('alert'); // the exit failed and the server is locked down: act now
    expect((notice.data as { message: string }).message).toMatch(
      /rule "daily 5 %" fired on project \d+ .*liquidate failed 3 time\(s\), so the guard locked the server down/,
    );
  }, 30_000);

  it('the breach stays, but the liquidation is not tried again (the sandbox would now accept it)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3500)); // three more intervals
    expect(guard.status().watched[0]?.evaluations[0]?.breached).toBe(true);
    expect(attempts).toHaveLength(3);
    expect(s.sandbox.requests.filter((r) => r.operation === 'POST /live/update/liquidate')).toHaveLength(0);
    expect((await caller(s.client)('read_live_algorithm', { projectId })).status).toBe('Running');
    expect(guardEntries(auditRecords(stateDir))).toHaveLength(1);
  }, 10_000);
});
