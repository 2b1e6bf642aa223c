/**
 * Confirmation is a human's, never the model's: through elicitation on both protocol eras, or an
 * operator's out-of-band approval that works once and expires. Declining sends nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileApprovalStore } from '../../src/policy/approvals.js';
import { LIVE_ON, policyRig, text, type Rig } from '../helpers/policy.js';

const DEPLOY = { projectId: 7, compileId: 'c-1', nodeId: 'LN-1', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } };

let rig: Rig;
afterEach(() => rig?.close());

/** Nothing went upstream but, at most, the summary's read of the project's name. */
const onlyReads = (r: Rig) => expect(r.recorder.requests.filter((q) => q.path !== '/projects/read')).toEqual([]);

const audit = (r: Rig) =>
  readFileSync(join(r.stateDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(['legacy', 'modern'] as const)('elicitation on the %s protocol era', (era) => {
  it('accept: the human sees what will happen, then the call goes upstream once', async () => {
    rig = await policyRig(LIVE_ON);
    const c = await rig.connect({ era, human: 'accept' });
    if (era === 'modern') expect(c.client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const result = await c.call('create_live_algorithm', DEPLOY);
    expect(result.isError, text(result)).toBeFalsy();
    expect(rig.sent('/live/create')).toBe(1);
    expect(c.asked).toHaveLength(1);
    expect(c.asked[0]).toMatch(/Run create_live_algorithm \(Deploy live algorithm\)\? Risk: financial, severity: critical\./);
    expect(c.asked[0]).toContain('Project: 7');
    expect(c.asked[0]).toContain('Brokerage: QuantConnectBrokerage');
    expect(c.asked[0]).toContain('Node: LN-1');
    expect(c.asked[0]).toContain('Parameters: compileId=c-1, versionId=-1');
    expect(c.asked[0]).toContain('Environment: QuantConnect paper trading (QuantConnectBrokerage: simulated fills, no real money).');
    expect(c.asked[0]).not.toMatch(/real money at|sandbox/i);
    expect(c.asked[0]).toMatch(/Worst case: starts an algorithm that places orders with the brokerage/);
    const records = audit(rig).filter((r) => r.tool === 'create_live_algorithm');
    expect(records.map((r) => r.decision)).toEqual(['confirmation_requested', 'human_accepted', 'ok']);
    expect(new Set(records.map((r) => r.call_id)).size).toBe(1);
  });

  it.each(['decline', 'cancel', 'untick'] as const)('%s: refused, and nothing is sent', async (human) => {
    rig = await policyRig(LIVE_ON);
    const c = await rig.connect({ era, human });
    const result = await c.call('liquidate_live_algorithm', { projectId: 7 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/The human (declined|cancelled) liquidate_live_algorithm\. Nothing was sent/);
    onlyReads(rig);
    const records = audit(rig);
    expect(records.filter((r) => r.tool === 'liquidate_live_algorithm').map((r) => r.decision)).toEqual(['confirmation_requested', 'human_declined', 'denied']);
    // The summary's project-name lookup is a read_project call through the pipeline, audited under the asking call.
    const lookup = records.filter((r) => r.tool === 'read_project');
    expect(lookup).toHaveLength(1);
    expect(lookup[0]).toMatchObject({ decision: 'ok', parent_call_id: records.find((r) => r.tool === 'liquidate_live_algorithm')?.call_id });
  });
});

describe('without elicitation: an operator approves out of band', () => {
  it('refused with a pending approval and the exact command; after approval the same call runs once', async () => {
    rig = await policyRig(LIVE_ON);
    const c = await rig.connect({ human: 'none' });
    const first = await c.call('create_live_command', { projectId: 7, command: { $type: 'OrderCommand', quantity: 5 } });
    expect(first.isError).toBe(true);
    const id = /quantconnect-mcp approve (ap_[0-9a-f]+)/.exec(text(first))?.[1];
    expect(id).toBeDefined();
    expect(text(first)).toContain(`quantconnect-mcp deny ${id}`);
    expect(rig.sent('/live/commands/create')).toBe(0);

    // Asking again before a decision points at the same approval.
    const again = await c.call('create_live_command', { projectId: 7, command: { $type: 'OrderCommand', quantity: 5 } });
    expect(text(again)).toContain(id);

    const store = new FileApprovalStore(join(rig.stateDir, 'approvals.json'));
    await store.decide(id!, 'approved', rig.clock.now);

    // Different arguments are a different call: not approved.
    const other = await c.call('create_live_command', { projectId: 7, command: { $type: 'OrderCommand', quantity: 500 } });
    expect(other.isError).toBe(true);
    expect(rig.sent('/live/commands/create')).toBe(0);

    const approved = await c.call('create_live_command', { projectId: 7, command: { $type: 'OrderCommand', quantity: 5 } });
    expect(approved.isError, text(approved)).toBeFalsy();
    expect(rig.sent('/live/commands/create')).toBe(1);

    const reused = await c.call('create_live_command', { projectId: 7, command: { $type: 'OrderCommand', quantity: 5 } });
    expect(reused.isError).toBe(true);
    expect(text(reused)).not.toContain(id);
    expect(rig.sent('/live/commands/create')).toBe(1);
    expect(audit(rig).find((r) => r.decision === 'approval_used')).toMatchObject({ approval_id: id });
  });

  it('an approval is bound to the identity that asked for it', async () => {
    rig = await policyRig(LIVE_ON);
    const alice = await rig.connect({ identity: 'alice', human: 'none' });
    const bob = await rig.connect({ identity: 'bob', human: 'none' });
    const id = /approve (ap_[0-9a-f]+)/.exec(text(await alice.call('liquidate_live_algorithm', { projectId: 7 })))![1]!;
    await new FileApprovalStore(join(rig.stateDir, 'approvals.json')).decide(id, 'approved', rig.clock.now);
    expect((await bob.call('liquidate_live_algorithm', { projectId: 7 })).isError).toBe(true);
    expect(rig.sent('/live/update/liquidate')).toBe(0);
    expect((await alice.call('liquidate_live_algorithm', { projectId: 7 })).isError).toBeFalsy();
    expect(rig.sent('/live/update/liquidate')).toBe(1);
  });

  it('deny: the same call is refused as denied, and nothing is sent', async () => {
    rig = await policyRig(LIVE_ON);
    const c = await rig.connect({ human: 'none' });
    const id = /approve (ap_[0-9a-f]+)/.exec(text(await c.call('liquidate_live_algorithm', { projectId: 7 })))![1]!;
    await new FileApprovalStore(join(rig.stateDir, 'approvals.json')).decide(id, 'denied', rig.clock.now);
    const result = await c.call('liquidate_live_algorithm', { projectId: 7 });
    expect(text(result)).toMatch(new RegExp(`The operator denied this exact liquidate_live_algorithm call \\(approval ${id}\\)`));
    onlyReads(rig);
  });

  it('approvals expire after 10 minutes by default', async () => {
    rig = await policyRig(LIVE_ON);
    const c = await rig.connect({ human: 'none' });
    const id = /approve (ap_[0-9a-f]+)/.exec(text(await c.call('liquidate_live_algorithm', { projectId: 7 })))![1]!;
    const store = new FileApprovalStore(join(rig.stateDir, 'approvals.json'));
    await store.decide(id, 'approved', rig.clock.now);
    rig.clock.now += 10 * 60 * 1000 + 1;
    const result = await c.call('liquidate_live_algorithm', { projectId: 7 });
    expect(result.isError).toBe(true);
    onlyReads(rig);
    await expect(store.decide(id, 'approved', rig.clock.now)).rejects.toThrow(/already approved|expired/);
  });
});

describe('the model cannot confirm for the human', () => {
  it('a confirm: true argument is refused as unknown, and nothing is sent', async () => {
    rig = await policyRig(LIVE_ON);
    const c = await rig.connect({ human: 'none' });
    const result = await c.call('liquidate_live_algorithm', { projectId: 7, confirm: true });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('unknown argument \\"confirm\\"');
    expect(rig.recorder.requests).toHaveLength(0);
  });

  it('a forged requestState cannot skip the question', async () => {
    rig = await policyRig(LIVE_ON);
    const c = await rig.connect({ era: 'modern', human: 'decline' });
    await c.call('liquidate_live_algorithm', { projectId: 7 });
    onlyReads(rig);
    // A client that invents an accepted answer with made-up state is refused by the integrity check.
    await expect(
      c.client.request({
        method: 'tools/call',
        params: {
          name: 'liquidate_live_algorithm',
          arguments: { projectId: 7 },
          requestState: 'v1.forged.state',
          inputResponses: { confirm: { action: 'accept', content: { confirm: true } } },
        },
      } as never),
    ).rejects.toThrow(/Invalid or expired requestState/);
    onlyReads(rig);
  });
});

describe('defaults out of the box', () => {
  it('deploy, liquidate and live commands are neither listed nor callable, and nothing reaches the API', async () => {
    rig = await policyRig({});
    const c = await rig.connect({ human: 'accept' });
    const listed = (await c.client.listTools()).tools.map((t) => t.name);
    for (const name of ['create_live_algorithm', 'liquidate_live_algorithm', 'create_live_command', 'broadcast_live_command']) {
      expect(listed).not.toContain(name);
      const result = await c.call(name, name === 'create_live_algorithm' ? DEPLOY : { projectId: 7, command: {} });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('is disabled on this server');
    }
    expect(rig.recorder.requests).toEqual([]);
    expect(c.asked).toEqual([]);
  });

  it('a password the model types into brokerage settings is redacted in what the human sees', async () => {
    rig = await policyRig(LIVE_ON);
    const c = await rig.connect({ human: 'decline' });
    await c.call('create_live_algorithm', {
      ...DEPLOY,
      brokerage: { id: 'InteractiveBrokersBrokerage', 'ib-user-name': 'alice77', 'ib-password': 'hunter2-hunter2' },
    });
    expect(c.asked[0]).toContain('Brokerage: InteractiveBrokersBrokerage');
    expect(c.asked[0]).not.toContain('hunter2-hunter2');
    expect(c.asked[0]).not.toContain('alice77');
  });

  it('destructive tools need confirmation; reads do not', async () => {
    rig = await policyRig({});
    const c = await rig.connect({ human: 'decline' });
    expect((await c.call('delete_project', { projectId: 1 })).isError).toBe(true);
    expect(c.asked[0]).toMatch(/Worst case: permanently deletes the project/);
    expect(rig.sent('/projects/delete')).toBe(0);
    expect((await c.call('read_account')).isError).toBeFalsy();
    expect(c.asked).toHaveLength(1);
  });
});
