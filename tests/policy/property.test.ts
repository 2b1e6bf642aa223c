/**
 * Property test: thousands of random calls across tools and identities, with random humans
 * (accept/decline), a client that cannot elicit (operator approvals), lockdown toggles, upstream
 * failures and a jumping clock. Invariants:
 *  1. no financial or critical call reaches upstream without a recorded human decision;
 *  2. no limit is exceeded;
 *  3. the audit chain verifies;
 *  4. every call has exactly one outcome record (a call made under another, such as the project-name lookup
 *     of a confirmation summary, is a call of its own, with its parent's id).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileApprovalStore } from '../../src/policy/approvals.js';
import { auditFiles, verifyAudit, type AuditRecord } from '../../src/policy/audit.js';
import { setLockdown } from '../../src/policy/lockdown.js';
import { prng } from '../../src/sandbox/simulate.js';
import { LIVE_ON, policyRig, type PolicyClient, type Rig } from '../helpers/policy.js';

const STEPS = 2000;
const random = prng(20261121);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;

const CALLS: Record<string, { path: string; args: () => Record<string, unknown>; guarded: boolean }> = {
  create_live_algorithm: {
    path: '/live/create',
    guarded: true,
    args: () => ({ projectId: pick([1, 2]), compileId: 'c', nodeId: 'LN-1', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } }),
  },
  liquidate_live_algorithm: { path: '/live/update/liquidate', guarded: true, args: () => ({ projectId: pick([1, 2]) }) },
  create_live_command: {
    path: '/live/commands/create',
    guarded: true,
    args: () => ({ projectId: 1, command: { $type: 'OrderCommand', quantity: pick([1, 5, 10, 20]) } }),
  },
  broadcast_live_command: { path: '/live/commands/broadcast', guarded: true, args: () => ({ command: { $type: 'LogCommand' } }) },
  delete_project: { path: '/projects/delete', guarded: false, args: () => ({ projectId: pick([1, 2, 3]) }) },
  create_backtest: { path: '/backtests/create', guarded: false, args: () => ({ projectId: 1, compileId: 'c', backtestName: pick(['a', 'b']) }) },
  create_compile: { path: '/compile/create', guarded: false, args: () => ({ projectId: 1 }) },
  read_account: { path: '/account/read', guarded: false, args: () => ({}) },
  read_live_portfolio: { path: '/live/portfolio/read', guarded: false, args: () => ({ projectId: 1 }) },
};
const LIMITS = {
  create_live_command: [
    { window: 'minute', max: 3, scope: 'identity' },
    { window: 'hour', max: 60, scope: 'global', increment_from: 'command.quantity' },
  ],
  create_backtest: [{ window: 'minute', max: 4, scope: 'tool' }],
};

let rig: Rig;
const clients: { id: string; c: PolicyClient }[] = [];
/** Upstream requests that succeeded, with the policy clock's time. */
const upstream: { path: string; at: number; body: unknown }[] = [];
let calls = 0;

beforeAll(async () => {
  rig = await policyRig({
    ...LIVE_ON,
    tools: {
      ...LIVE_ON.tools,
      create_live_command: { enabled: true, limits: LIMITS.create_live_command },
      create_backtest: { limits: LIMITS.create_backtest },
    },
  });
  for (const path of new Set(Object.values(CALLS).map((c) => c.path))) {
    rig.recorder.respond(path, (request) => {
      if (random() < 0.1) return { body: { success: false, errors: ['upstream said no'] } };
      upstream.push({ path, at: rig.clock.now, body: request.body });
      return { body: { success: true } };
    });
  }
  clients.push({ id: 'alice', c: await rig.connect({ identity: 'alice', human: 'accept' }) });
  clients.push({ id: 'bob', c: await rig.connect({ identity: 'bob', human: 'decline', era: 'modern' }) });
  clients.push({ id: 'carol', c: await rig.connect({ identity: 'carol', human: 'none' }) });
  clients.push({ id: 'dave', c: await rig.connect({ identity: 'dave', human: 'accept', era: 'modern' }) });

  const approvals = new FileApprovalStore(join(rig.stateDir, 'approvals.json'));
  let locked = false;
  for (let step = 0; step < STEPS; step++) {
    rig.clock.now += Math.floor(random() * 8000);
    const roll = random();
    if (roll < 0.02) {
      locked = !locked;
      setLockdown(rig.stateDir, locked);
      continue;
    }
    if (roll < 0.08) {
      const pending = (await approvals.list(rig.clock.now)).filter((a) => a.status === 'pending' && !a.expired);
      if (pending.length > 0) await approvals.decide(pick(pending).id, random() < 0.7 ? 'approved' : 'denied', rig.clock.now);
      continue;
    }
    const who = pick(clients);
    if (who.id === 'alice' || who.id === 'dave') who.c.setHuman(random() < 0.8 ? 'accept' : pick(['decline', 'cancel'] as const));
    const name = pick(Object.keys(CALLS));
    calls++;
    await who.c.call(name, CALLS[name]!.args());
  }
  setLockdown(rig.stateDir, false);
});
afterAll(() => rig.close());

const records = (): AuditRecord[] =>
  auditFiles(join(rig.stateDir, 'audit.jsonl')).flatMap((f) =>
    readFileSync(f, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord),
  );

describe(`${STEPS} random steps`, () => {
  it('exercised every path: accepted, declined, approved, denied, limited, locked down, failed upstream', () => {
    const decisions = new Set(records().map((r) => `${r.event}:${r.decision}`));
    for (const d of [
      'decision:human_accepted',
      'decision:human_declined',
      'decision:approval_pending',
      'decision:approval_used',
      'outcome:ok',
      'outcome:error',
      'outcome:denied',
    ]) {
      expect(decisions).toContain(d);
    }
    const rules = new Set(records().map((r) => r.rule));
    expect(rules).toContain('lockdown');
    expect([...rules].some((r) => String(r).includes('/limits/'))).toBe(true);
    expect(upstream.length).toBeGreaterThan(100);
  });

  it('1. no financial or critical call reached upstream without a recorded human decision', () => {
    const all = records();
    const humanDecided = new Set(all.filter((r) => r.decision === 'human_accepted' || r.decision === 'approval_used').map((r) => r.call_id));
    const guardedTools = Object.entries(CALLS)
      .filter(([, c]) => c.guarded)
      .map(([name]) => name);
    const sentOutcomes = all.filter((r) => r.event === 'outcome' && guardedTools.includes(r.tool) && (r.decision === 'ok' || r.decision === 'error'));
    for (const outcome of sentOutcomes) expect(humanDecided.has(outcome.call_id), `${outcome.tool} ${outcome.call_id}`).toBe(true);
    // Every request that reached upstream on a guarded path belongs to one of those outcomes.
    const guardedPaths = guardedTools.map((t) => CALLS[t]!.path);
    const guardedRequests = rig.recorder.requests.filter((r) => guardedPaths.includes(r.path));
    expect(guardedRequests.length).toBe(sentOutcomes.length);
    expect(guardedRequests.length).toBeGreaterThan(10);
  });

  it('2. no limit was exceeded', () => {
    const within = (path: string, windowMs: number, max: number, weight: (b: unknown) => number, key: (b: unknown) => string = () => '') => {
      const hits = upstream.filter((u) => u.path === path);
      for (const hit of hits) {
        const sum = hits.filter((h) => key(h.body) === key(hit.body) && h.at > hit.at - windowMs && h.at <= hit.at).reduce((s, h) => s + weight(h.body), 0);
        expect(sum, `${path} at ${hit.at}`).toBeLessThanOrEqual(max);
      }
    };
    within('/backtests/create', 60_000, 4, () => 1);
    within('/live/commands/create', 3_600_000, 60, (b) => Math.abs(Number((b as { command: { quantity: number } }).command.quantity)));
    // Per identity: 3 a minute. The body does not say who sent it, so check the audit's successful outcomes.
    const byIdentity = new Map<string, number[]>();
    for (const r of records().filter((x) => x.tool === 'create_live_command' && x.event === 'outcome' && x.decision === 'ok')) {
      byIdentity.set(r.identity, [...(byIdentity.get(r.identity) ?? []), Date.parse(r.time)]);
    }
    for (const times of byIdentity.values()) for (const t of times) expect(times.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(3);
  });

  it('3. the audit chain verifies', () => {
    expect(verifyAudit(auditFiles(join(rig.stateDir, 'audit.jsonl')))).toMatchObject({ ok: true });
  });

  it('4. every call has exactly one outcome record', () => {
    const all = records().filter((r) => r.event === 'outcome');
    const outcomes = all.filter((r) => r.parent_call_id === undefined);
    expect(outcomes.length).toBe(calls);
    // Inner calls hang off a call this client made.
    const ids = new Set(records().map((r) => r.call_id));
    expect(all.filter((r) => r.parent_call_id !== undefined).every((r) => ids.has(r.parent_call_id as string))).toBe(true);
    const perCall = new Map<string, number>();
    for (const o of all) perCall.set(o.call_id, (perCall.get(o.call_id) ?? 0) + 1);
    expect([...perCall.values()].every((n) => n === 1)).toBe(true);
  });
});
