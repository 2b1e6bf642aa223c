/**
 * A workflow tool calls other tools through the pipeline (ctx.call), so the policy on those tools
 * binds it: a limit, an argument rule and a confirmation on create_backtest each hold for
 * compile_and_backtest, and every step is audited under the workflow's call id. Against the
 * sandbox over real HTTP, through a real MCP client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { policyRig, text, type Rig } from '../helpers/policy.js';
import { FAST_TIMING, CREDENTIALS } from '../helpers/sandbox.js';

let rig: Rig | undefined;
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await rig?.close();
  await sandbox?.close();
  rig = sandbox = undefined;
});

/** A policy rig whose upstream is a live sandbox, with `createBacktest` as the operator's policy on create_backtest. */
async function setup(createBacktest: Record<string, unknown>): Promise<{ rig: Rig; sandbox: Sandbox; projectId: number }> {
  const started = await startSandbox({ credentials: CREDENTIALS, organizationId: 'org-test', timing: FAST_TIMING });
  sandbox = started.sandbox;
  rig = await policyRig(
    { tools: { create_compile: { limits: [] }, create_backtest: { limits: [], ...createBacktest } } },
    {},
    { QUANTCONNECT_API_BASE_URL: started.baseUrl },
  );
  const c = await rig.connect({ human: 'none' });
  const created = await c.call('create_project', { name: 'binding', language: 'Py' });
  const projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
  return { rig, sandbox, projectId };
}

const backtestsCreated = (s: Sandbox) => s.requests.filter((q) => q.operation === 'POST /backtests/create').length;
const compilesCreated = (s: Sandbox) => s.requests.filter((q) => q.operation === 'POST /compile/create').length;
const audit = (r: Rig) =>
  readFileSync(join(r.stateDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the policy of create_backtest binds compile_and_backtest', () => {
  it('a limit of 1 per minute lets exactly one workflow backtest through', async () => {
    const { rig, sandbox, projectId } = await setup({ limits: [{ window: 'minute', max: 1 }] });
    const c = await rig.connect({ human: 'none' });
    const first = await c.call('compile_and_backtest', { projectId, timeout_s: 60 });
    expect(first.isError, text(first)).toBeFalsy();
    const second = await c.call('compile_and_backtest', { projectId, timeout_s: 60 });
    expect(second.isError).toBe(true);
    expect(text(second)).toMatch(/Rate limit reached for create_backtest: at most 1 calls per minute/);
    expect(backtestsCreated(sandbox)).toBe(1);
  });

  it('an argument rule refuses the workflow before any backtest is created', async () => {
    const { rig, sandbox, projectId } = await setup({ rules: [{ arg: 'projectId', gt: 0, deny: 'No project may be backtested today.' }] });
    const c = await rig.connect({ human: 'none' });
    const result = await c.call('compile_and_backtest', { projectId, timeout_s: 60 });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('No project may be backtested today.');
    expect(backtestsCreated(sandbox)).toBe(0);
  });

  it('a confirmation is asked once, for the whole workflow, before anything is sent; declined, nothing is sent', async () => {
    const { rig, sandbox, projectId } = await setup({ confirm: true });
    const declining = await rig.connect({ human: 'decline' });
    const refused = await declining.call('compile_and_backtest', { projectId, timeout_s: 60 });
    expect(refused.isError).toBe(true);
    expect(declining.asked).toHaveLength(1);
    expect(declining.asked[0]).toMatch(/Run compile_and_backtest/);
    expect(declining.asked[0]).toContain('also covers the steps it takes: create_backtest');
    expect(compilesCreated(sandbox)).toBe(0);
    expect(backtestsCreated(sandbox)).toBe(0);

    const accepting = await rig.connect({ human: 'accept' });
    const ran = await accepting.call('compile_and_backtest', { projectId, timeout_s: 60 });
    expect(ran.isError, text(ran)).toBeFalsy();
    expect(accepting.asked).toHaveLength(1);
    expect(backtestsCreated(sandbox)).toBe(1);

    // Every step is audited under the workflow's call id (read_project names the project in the summary).
    const records = audit(rig);
    const outer = records.find((r) => r.tool === 'compile_and_backtest' && r.event === 'outcome' && r.decision === 'ok');
    expect(outer).toBeDefined();
    const steps = records.filter((r) => r.parent_call_id === outer!.call_id && r.event === 'outcome');
    expect(new Set(steps.map((r) => r.tool))).toEqual(new Set(['read_project', 'create_compile', 'read_compile', 'create_backtest', 'read_backtest']));
  });

  it('a client that cannot ask gets a pending approval for the workflow, and nothing is sent', async () => {
    const { rig, sandbox, projectId } = await setup({ confirm: true });
    const c = await rig.connect({ human: 'none' });
    const result = await c.call('compile_and_backtest', { projectId, timeout_s: 60 });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/compile_and_backtest needs a human's confirmation/);
    expect(compilesCreated(sandbox)).toBe(0);
    expect(backtestsCreated(sandbox)).toBe(0);
  });
});
