/**
 * Operator controls through a real MCP client: limits (calls, argument totals, scopes, restart,
 * fail closed), argument rules, read-only, lockdown mid-session, live reload mid-session.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/server/runtime.js';
import { setLockdown } from '../../src/policy/lockdown.js';
import { connectRuntime } from '../helpers/mcp.js';
import { LIVE_ON, policyRig, text, type Rig } from '../helpers/policy.js';

let rig: Rig;
afterEach(() => rig?.close());

const BACKTEST = { projectId: 1, compileId: 'c', backtestName: 'b' };

describe('limits', () => {
  it('an operator limit of 3 per minute lets exactly 3 calls through, then says when to retry', async () => {
    rig = await policyRig({ tools: { create_backtest: { limits: [{ window: 'minute', max: 3 }] } } });
    const c = await rig.connect();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await c.call('create_backtest', BACKTEST));
    expect(results.map((r) => Boolean(r.isError))).toEqual([false, false, false, true, true]);
    expect(rig.sent('/backtests/create')).toBe(3);
    expect(text(results[3]!)).toMatch(
      /Rate limit reached for create_backtest: at most 3 calls per minute for each caller\. Try again in 60 s\. Nothing was sent\./,
    );
    rig.clock.now += 60_001;
    expect((await c.call('create_backtest', BACKTEST)).isError).toBeFalsy();
    expect(rig.sent('/backtests/create')).toBe(4);
  });

  it('the packaged default: execute/high tools get 10 calls a minute', async () => {
    rig = await policyRig({});
    const c = await rig.connect();
    for (let i = 0; i < 12; i++) await c.call('create_compile', { projectId: 1 });
    expect(rig.sent('/compile/create')).toBe(10);
  });

  it('scope identity counts each caller separately; scope tool counts everyone together', async () => {
    rig = await policyRig({
      tools: {
        create_backtest: { limits: [{ window: 'minute', max: 2, scope: 'identity' }] },
        create_compile: { limits: [{ window: 'minute', max: 2, scope: 'tool' }] },
      },
    });
    const a = await rig.connect({ identity: 'alice' });
    const b = await rig.connect({ identity: 'bob' });
    for (const c of [a, b, a, b, a, b]) await c.call('create_backtest', BACKTEST);
    expect(rig.sent('/backtests/create')).toBe(4);
    for (const c of [a, b, a, b]) await c.call('create_compile', { projectId: 1 });
    expect(rig.sent('/compile/create')).toBe(2);
  });

  it('increment_from counts an argument: a cap on the quantity ordered through live commands', async () => {
    rig = await policyRig({
      ...LIVE_ON,
      tools: {
        ...LIVE_ON.tools,
        create_live_command: { enabled: true, confirm: false, limits: [{ window: 'day', max: 100, scope: 'global', increment_from: 'command.quantity' }] },
      },
    });
    const c = await rig.connect();
    const order = (quantity: unknown) => c.call('create_live_command', { projectId: 1, command: { $type: 'OrderCommand', quantity } });
    expect((await order(60)).isError).toBeFalsy();
    expect((await order(-30)).isError).toBeFalsy(); // sells count too
    const over = await order(20);
    expect(over.isError).toBe(true);
    expect(text(over)).toContain('at most 100 command.quantity in total per day');
    expect((await order(10)).isError).toBeFalsy();
    expect(text(await order('lots'))).toContain('command.quantity must be a number');
    expect(rig.sent('/live/commands/create')).toBe(3);
  });

  it('quota is released when the upstream call fails, and held when it succeeds', async () => {
    rig = await policyRig({ tools: { create_backtest: { limits: [{ window: 'minute', max: 2 }] } } });
    let fail = true;
    rig.recorder.respond('/backtests/create', () => (fail ? { body: { success: false, errors: ['Compile not found'] } } : { body: { success: true } }));
    const c = await rig.connect();
    for (let i = 0; i < 4; i++) expect((await c.call('create_backtest', BACKTEST)).isError).toBe(true);
    expect(rig.sent('/backtests/create')).toBe(4);
    fail = false;
    expect((await c.call('create_backtest', BACKTEST)).isError).toBeFalsy();
    expect((await c.call('create_backtest', BACKTEST)).isError).toBeFalsy();
    expect((await c.call('create_backtest', BACKTEST)).isError).toBe(true);
    expect(rig.sent('/backtests/create')).toBe(6);
  });

  it('limits survive a restart, and unreadable limit state fails closed', async () => {
    rig = await policyRig({ tools: { create_backtest: { limits: [{ window: 'hour', max: 2 }] } } });
    const c = await rig.connect();
    await c.call('create_backtest', BACKTEST);
    await c.call('create_backtest', BACKTEST);
    const restarted = await connectRuntime(await createRuntime({ env: rig.env, log: () => {}, now: () => rig.clock.now }));
    expect((await restarted.client.callTool({ name: 'create_backtest', arguments: BACKTEST })).isError).toBe(true);
    await restarted.close();

    writeFileSync(join(rig.stateDir, 'limits.json'), '{ this is not json');
    const broken = await connectRuntime(await createRuntime({ env: rig.env, log: () => {}, now: () => rig.clock.now + 7_200_000 }));
    const refused = await broken.client.callTool({ name: 'create_backtest', arguments: BACKTEST });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('cannot read its rate-limit state');
    expect((await broken.client.callTool({ name: 'read_account', arguments: {} })).isError).toBeFalsy(); // unlimited tools still work
    await broken.close();
    expect(rig.sent('/backtests/create')).toBe(2);
  });
});

describe('argument rules', () => {
  it('only the paper brokerage, and only approved projects, with messages', async () => {
    rig = await policyRig({
      ...LIVE_ON,
      tools: {
        ...LIVE_ON.tools,
        create_live_algorithm: {
          enabled: true,
          confirm: false,
          rules: [
            { arg: 'brokerage.id', neq: 'QuantConnectBrokerage', deny: 'Only paper trading (QuantConnectBrokerage) is allowed.' },
            { arg: 'projectId', not_in: [11, 12], deny: 'Only the approved projects may be deployed.' },
          ],
        },
      },
    });
    const c = await rig.connect();
    const deploy = (projectId: number, id: string) =>
      c.call('create_live_algorithm', { projectId, compileId: 'c', nodeId: 'LN-1', versionId: '-1', brokerage: { id } });
    expect(text(await deploy(11, 'InteractiveBrokersBrokerage'))).toContain('Only paper trading (QuantConnectBrokerage) is allowed.');
    expect(text(await deploy(99, 'QuantConnectBrokerage'))).toContain('Only the approved projects may be deployed.');
    expect((await deploy(12, 'QuantConnectBrokerage')).isError).toBeFalsy();
    expect(rig.sent('/live/create')).toBe(1);
  });
});

describe('read-only, lockdown, reload', () => {
  it('read-only lists and allows only read tools, whatever the overlay enables', async () => {
    rig = await policyRig(LIVE_ON, {}, { QC_MCP_READ_ONLY: '1' });
    const c = await rig.connect();
    const { tools } = await c.client.listTools();
    const definitions = rig.runtime.registry.all();
    for (const tool of tools) expect(definitions.find((d) => d.name === tool.name)?.risk).toBe('read');
    expect(tools.map((t) => t.name)).toContain('read_live_portfolio');
    const refused = await c.call('create_project', { name: 'x', language: 'Py' });
    expect(text(refused)).toContain('read-only mode');
    expect(rig.recorder.requests).toHaveLength(0);
  });

  it('lockdown refuses every critical tool mid-session, and lifting it restores them', async () => {
    rig = await policyRig({ ...LIVE_ON, tools: { ...LIVE_ON.tools, create_live_command: { enabled: true, confirm: false } } });
    const c = await rig.connect();
    const command = () => c.call('create_live_command', { projectId: 1, command: { $type: 'X' } });
    expect((await command()).isError).toBeFalsy();
    setLockdown(rig.stateDir, true);
    expect(text(await command())).toContain('locked this server down');
    expect((await c.call('read_live_portfolio', { projectId: 1 })).isError).toBeFalsy();
    setLockdown(rig.stateDir, false);
    expect((await command()).isError).toBeFalsy();
    expect(rig.sent('/live/commands/create')).toBe(2);
  });

  it('a valid overlay change applies mid-session with tools/list_changed; an invalid one keeps the last good config; counters survive', async () => {
    const logs: string[] = [];
    rig = await policyRig({ tools: { create_backtest: { limits: [{ window: 'minute', max: 2 }] } } }, { watch: { intervalMs: 50 }, log: (l) => logs.push(l) });
    const c = await rig.connect();
    let changed = 0;
    c.client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    await c.call('create_backtest', BACKTEST);
    expect((await c.client.listTools()).tools.map((t) => t.name)).not.toContain('read_live_portfolio');

    const overlay = String(rig.env.QC_MCP_TOOLS);
    writeFileSync(overlay, stringify({ toolsets: { live: { default: true } }, tools: { create_backtest: { limits: [{ window: 'minute', max: 2 }] } } }));
    await expect.poll(() => changed, { timeout: 5000 }).toBeGreaterThan(0);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toContain('read_live_portfolio');

    writeFileSync(overlay, 'tools:\n  create_backtest: { limits: [{ window: fortnight, max: 2 }] }\n');
    await expect.poll(() => logs.join('\n'), { timeout: 5000 }).toMatch(/configuration change rejected, keeping the last good one:.*line 2/s);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toContain('read_live_portfolio');

    // The counter from before both reloads still holds.
    await c.call('create_backtest', BACKTEST);
    expect((await c.call('create_backtest', BACKTEST)).isError).toBe(true);
    expect(rig.sent('/backtests/create')).toBe(2);
  });
});

describe('policy configuration', () => {
  it('an overlay naming an unknown tool or toolset is refused at start-up', async () => {
    await expect(policyRig({ tools: { create_livealgorithm: { enabled: true } } })).rejects.toThrow(/tools\.create_livealgorithm: no such tool/);
    await expect(policyRig({ toolsets: { lives: { default: true } } })).rejects.toThrow(/toolsets\.lives: no such toolset/);
  });

  it('default deny: only tools enabled by name are served', async () => {
    rig = await policyRig({ policy: { default: 'deny' }, tools: { read_account: { enabled: true }, list_projects: { enabled: true } } });
    const c = await rig.connect();
    expect((await c.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_projects', 'read_account']);
    expect(existsSync(join(rig.stateDir, 'audit.jsonl'))).toBe(false);
    expect((await c.call('create_project', { name: 'x', language: 'Py' })).isError).toBe(true);
    expect(existsSync(join(rig.stateDir, 'audit.jsonl'))).toBe(true);
  });
});
