/**
 * PolicyLayer policy files, loaded as written (QC_MCP_TOOLS), through a real MCP client over stdio (the
 * built CLI) and over HTTP (two bearer grants), counting what reaches a recording upstream: the published
 * example character for character, the action/reason form, the rate_limit form, hide, all_tools limits,
 * require and deny_if; warnings and errors with pointers; `policy check` and `policy explain`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOperatorConfig } from '../../src/config/operator-config.js';
import { resolvePolicy } from '../../src/policy/resolve.js';
import { CLI, openDoor, type Door, type DoorKind } from '../helpers/doors.js';

/** The recommended policy for one tool, exactly as PolicyLayer publishes it. */
const PUBLISHED = 'tests/fixtures/policylayer/published-example.json';
const write = (name: string, text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'qcmcp-pl-')), name);
  writeFileSync(file, text);
  return file;
};
const text = (r: { content?: unknown }): string => JSON.stringify(r.content ?? '');
const names = async (c: Client): Promise<string[]> => (await c.listTools()).tools.map((t) => t.name).sort();
const COMMAND = { projectId: 1, command: { $type: 'MyCommand', quantity: 1 } };

let door: Door | undefined;
afterEach(async () => {
  await door?.close();
  door = undefined;
});

it('the published example is the fixture, character for character', () => {
  expect(readFileSync(PUBLISHED, 'utf8')).toBe(
    '{\n"version": "1",\n"default": "deny",\n"tools": {\n"create_live_command": {\n"limits": [\n{\n"counter": "create_live_command_rate",\n"window": "minute",\n"max": 10,\n"scope": "grant"\n}\n]\n}\n}\n}\n',
  );
});

describe.each<DoorKind>(['stdio', 'http'])('over %s', (kind) => {
  it('the published example: only create_live_command is served, with its confirmation; 10 a minute per identity reach QuantConnect', async () => {
    door = await openDoor(kind, PUBLISHED);
    const c = await door.connect();
    expect(await names(c)).toEqual(['create_live_command']);
    const other = await c.callTool({ name: 'read_account', arguments: {} });
    expect(other.isError).toBe(true);
    expect(text(other)).toContain('published-example.json');
    expect(door.recorder.requests).toHaveLength(0);

    const declining = await door.connect({ human: 'decline' });
    expect((await declining.callTool({ name: 'create_live_command', arguments: COMMAND })).isError).toBe(true);
    expect(door.sent('/live/commands/create')).toBe(0); // the tool's confirmation (critical) still applies

    const results = [];
    for (let i = 0; i < 12; i++) results.push(await c.callTool({ name: 'create_live_command', arguments: COMMAND }));
    expect(door.sent('/live/commands/create')).toBe(10);
    expect(results.map((r) => Boolean(r.isError))).toEqual([...Array(10).fill(false), true, true]);
    expect(text(results[10]!)).toMatch(/Rate limit reached for create_live_command.*Try again in \d+ s\. Nothing was sent/);

    if (kind === 'http') {
      // scope: grant counts per grant: bob has his own 10.
      const bob = await door.connect({ who: 'bob' });
      for (let i = 0; i < 11; i++) await bob.callTool({ name: 'create_live_command', arguments: COMMAND });
      expect(door.sent('/live/commands/create')).toBe(20);
    }
  }, 60_000);

  it('action deny keeps the tool listed and refuses it with the reason; require_approval asks the human', async () => {
    const file = write(
      'policy.json',
      JSON.stringify({
        version: 1,
        default: 'allow',
        tools: {
          create_backtest: { action: 'deny', reason: 'Backtests are frozen until the Monday review.' },
          create_project: { action: 'require_approval', reason: 'New projects need a human.' },
        },
      }),
    );
    door = await openDoor(kind, file);
    const c = await door.connect();
    expect(await names(c)).toContain('create_backtest');
    const refused = await c.callTool({ name: 'create_backtest', arguments: { projectId: 1, compileId: 'c', backtestName: 'b' } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('Backtests are frozen until the Monday review.');
    expect(door.sent('/backtests/create')).toBe(0);

    const declining = await door.connect({ human: 'decline' });
    expect((await declining.callTool({ name: 'create_project', arguments: { name: 'p', language: 'Py' } })).isError).toBe(true);
    expect(door.sent('/projects/create')).toBe(0);
    expect((await c.callTool({ name: 'create_project', arguments: { name: 'p', language: 'Py' } })).isError).toBeFalsy();
    expect(door.sent('/projects/create')).toBe(1);
  }, 60_000);

  it('rate_limit (window in seconds) and limits sharing a named counter: exactly max calls reach QuantConnect, across identities', async () => {
    const file = write(
      'policy.json',
      JSON.stringify({
        version: '1',
        default: 'deny',
        tools: {
          list_projects: { rate_limit: { max: 3, window: 60 } },
          read_file: { limits: [{ counter: 'reads', window: 'minute', max: 4 }] },
          update_project: { limits: [{ counter: 'reads', window: 'minute', max: 4 }] },
        },
      }),
    );
    door = await openDoor(kind, file);
    const a = await door.connect();
    const b = kind === 'http' ? await door.connect({ who: 'bob' }) : a;
    const outcomes = [];
    for (const c of [a, b, a, b]) outcomes.push(await c.callTool({ name: 'list_projects', arguments: {} }));
    expect(door.sent('/projects/read')).toBe(3); // absent scope: one counter for everyone
    expect(text(outcomes[3]!)).toMatch(/per 60 s.*Try again in \d+ s/);
    for (const c of [a, b]) {
      await c.callTool({ name: 'read_file', arguments: { projectId: 1 } });
      await c.callTool({ name: 'update_project', arguments: { projectId: 1, name: 'n' } });
    }
    const fifth = await b.callTool({ name: 'read_file', arguments: { projectId: 1 } });
    expect(fifth.isError).toBe(true);
    expect(door.sent('/files/read') + door.sent('/projects/update')).toBe(4);
  }, 60_000);

  it('hide removes tools; all_tools limits count every call; require and deny_if refuse before sending', async () => {
    const file = write(
      'policy.json',
      JSON.stringify({
        version: '1',
        default: 'allow',
        hide: ['delete_project', 'read_account'],
        all_tools: { limits: [{ window: 'hour', max: 4 }] },
        tools: {
          update_project: { require: ['args.description'] },
          create_project: { deny_if: [{ path: 'args.language', op: 'eq', value: 'C#', reason: 'Python only on this desk.' }] },
        },
      }),
    );
    door = await openDoor(kind, file);
    const c = await door.connect();
    const listed = await names(c);
    expect(listed).not.toContain('delete_project');
    expect(listed).not.toContain('read_account');
    expect(listed).toContain('read_project');
    expect((await c.callTool({ name: 'read_account', arguments: {} })).isError).toBe(true);

    const noReason = await c.callTool({ name: 'update_project', arguments: { projectId: 1, name: 'x' } });
    expect(text(noReason)).toContain('requires argument description');
    const csharp = await c.callTool({ name: 'create_project', arguments: { name: 'p', language: 'C#' } });
    expect(text(csharp)).toContain('Python only on this desk.');
    expect(door.recorder.requests).toHaveLength(0);

    await c.callTool({ name: 'update_project', arguments: { projectId: 1, description: 'd' } });
    await c.callTool({ name: 'create_project', arguments: { name: 'p', language: 'Py' } });
    await c.callTool({ name: 'read_project', arguments: { projectId: 1 } });
    await c.callTool({ name: 'list_projects', arguments: {} });
    const fifth = await c.callTool({ name: 'read_project', arguments: { projectId: 2 } });
    expect(text(fifth)).toMatch(/Rate limit reached.*per hour/);
    expect(door.recorder.requests).toHaveLength(4);
  }, 60_000);

  it('hide ["*"] hides every tool', async () => {
    door = await openDoor(kind, write('policy.json', '{"version": "1", "default": "allow", "hide": ["*"]}'));
    const c = await door.connect();
    expect(await names(c)).toEqual([]);
    expect((await c.callTool({ name: 'list_projects', arguments: {} })).isError).toBe(true);
    expect(door.recorder.requests).toHaveLength(0);
  }, 60_000);

  it('an unknown key is a start-up warning naming it and its pointer', async () => {
    door = await openDoor(kind, write('policy.json', '{"version": "1", "default": "deny", "tools": {"read_account": {"max_amount": 5}}}'));
    const c = await door.connect();
    expect(await names(c)).toEqual(['read_account']);
    await expect.poll(() => door!.stderr()).toContain('warning: policy.json#/tools/read_account/max_amount: unknown key "max_amount"');
  }, 60_000);
});

describe('loading', () => {
  const LIVE_COMMAND = { name: 'create_live_command', toolset: 'live', risk: 'execute', severity: 'critical' } as const;

  it('maps the published example one-to-one, every value with its pointer', () => {
    const config = loadOperatorConfig('tools.yaml', PUBLISHED);
    expect(config.mode).toEqual({ value: 'deny', at: 'published-example.json#/default' });
    const policy = resolvePolicy(config, LIVE_COMMAND);
    expect(policy.enabled).toEqual({ value: true, at: 'published-example.json#/tools/create_live_command' });
    expect(policy.confirm).toEqual({ value: true, at: 'tools.yaml#/policy/severities/critical/confirm' });
    expect(policy.limits).toEqual([
      { counter: 'create_live_command_rate', window: 'minute', max: 10, scope: 'identity', at: 'published-example.json#/tools/create_live_command/limits/0' },
    ]);
  });

  it('is detected by its shape, whatever the file is called', () => {
    const file = write('ops.yaml', readFileSync(PUBLISHED, 'utf8'));
    expect(resolvePolicy(loadOperatorConfig('tools.yaml', file), LIVE_COMMAND).enabled.value).toBe(true);
  });

  it('invalid values are errors naming the file, the pointer and the accepted forms; nothing loads', () => {
    const bad = write(
      'bad.json',
      JSON.stringify({
        version: '2',
        default: 'maybe',
        tools: { create_live_command: { action: 'permit', rate_limit: { max: 0, window: 'fortnight', scope: 'team' } }, no_such_tool: {} },
      }),
    );
    let message = '';
    try {
      loadOperatorConfig('tools.yaml', bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('bad.json: invalid configuration');
    expect(message).toContain('bad.json#/version: must be "1"');
    expect(message).toContain('bad.json#/default: is required: "deny"');
    expect(message).toContain('bad.json#/tools/create_live_command/action: must be "allow", "deny" or "require_approval"');
    expect(message).toContain('bad.json#/tools/create_live_command/rate_limit/max: must be a positive whole number');
    expect(message).toContain('bad.json#/tools/create_live_command/rate_limit/window: must be "second", "minute", "hour", "day" or a whole number of seconds');
    expect(message).toContain('bad.json#/tools/create_live_command/rate_limit/scope: must be "grant"');
    expect(loadOperatorConfig.bind(null, 'tools.yaml', write('p.json', '{"version": "1", "default": "deny", "tools": {"no_such_tool": {}}}'))).toThrow(
      /no_such_tool: no such tool/,
    );
    expect(loadOperatorConfig.bind(null, 'tools.yaml', write('p.json', '{"version": "1", "default": "allow", "hide": ["delete_projcet"]}'))).toThrow(
      /p\.json#\/hide\/0: no such tool: delete_projcet/,
    );
  });

  it('the server refuses to start on an invalid file (stdio), saying why', () => {
    const bad = write('bad.json', '{"version": "1", "default": "deny", "tools": {"create_live_command": {"limits": [{"window": "minute"}]}}}');
    const run = spawnSync(process.execPath, [CLI], {
      env: { PATH: process.env.PATH, QC_MCP_TOOLS: bad, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-pl-')) },
      input: '',
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('bad.json#/tools/create_live_command/limits/0/max: must be a positive whole number');
  });
});

describe('quantconnect-mcp policy', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, 'policy', ...args], {
      env: { PATH: process.env.PATH ?? '', QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-pl-')), ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const row = (out: string, tool: string): string[] => (out.split('\n').find((l) => l.startsWith(`${tool} `)) ?? '').split(/\s{2,}/);

  it('check FILE prints, per tool, whether it is served, confirmation, limits and reason', () => {
    const run = cli(['check', PUBLISHED]);
    expect(run.status, run.stderr).toBe(0);
    expect(row(run.stdout, 'create_live_command')).toEqual(['create_live_command', 'yes', 'yes', '10/minute per caller (create_live_command_rate)', '-']);
    const account = row(run.stdout, 'read_account');
    expect(account.slice(0, 3)).toEqual(['read_account', 'no', '-']);
    expect(account[4]).toContain('published-example.json');

    const denied = write('policy.json', '{"version": 1, "default": "allow", "tools": {"create_backtest": {"action": "deny", "reason": "Frozen."}}}');
    expect(row(cli(['check', denied]).stdout, 'create_backtest')).toEqual(['create_backtest', 'denied', '-', '10/minute per caller', 'Frozen.']);
  });

  it('check exits non-zero on errors, naming the pointer', () => {
    const run = cli(['check', write('bad.json', '{"version": "1", "default": "deny", "tools": {"read_account": {"action": "maybe"}}}')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('bad.json#/tools/read_account/action');
  });

  it('explain TOOL shows which file and pointer set each value', () => {
    const run = cli(['explain', 'create_live_command'], { QC_MCP_TOOLS: PUBLISHED });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('default: deny  <- published-example.json#/default');
    expect(run.stdout).toContain('enabled: yes  <- published-example.json#/tools/create_live_command');
    expect(run.stdout).toContain('confirm: yes  <- tools.yaml#/policy/severities/critical/confirm');
    expect(run.stdout).toContain('10/minute per caller (create_live_command_rate)  <- published-example.json#/tools/create_live_command/limits/0');
    expect(cli(['explain', 'no_such_tool']).status).toBe(2);
  });
});
