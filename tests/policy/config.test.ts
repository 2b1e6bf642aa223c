/** Policy configuration: predicates, pointers, errors with line numbers, the lockdown CLI (PolicyLayer files: policylayer.test.ts). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOperatorConfig } from '../../src/config/operator-config.js';
import { resolvePolicy } from '../../src/policy/resolve.js';
import { firstDenial } from '../../src/policy/rules.js';
import type { RuleRef } from '../../src/policy/resolve.js';

const rule = (r: Omit<RuleRef, 'at' | 'deny'>): RuleRef => ({ ...r, deny: 'no', at: 'x' }) as RuleRef;
const tmp = (name: string, content: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'qcmcp-cfg-')), name);
  writeFileSync(file, content);
  return file;
};
const LIVE_COMMAND = { name: 'create_live_command', toolset: 'live', risk: 'execute', severity: 'critical' } as const;

describe('argument rule predicates', () => {
  const args = { projectId: 42, brokerage: { id: 'QuantConnectBrokerage' }, name: 'Alpha-1', quantity: '12' };
  it.each([
    [{ arg: 'projectId', eq: 42 }, true],
    [{ arg: 'projectId', eq: 43 }, false],
    [{ arg: 'brokerage.id', neq: 'QuantConnectBrokerage' }, false],
    [{ arg: 'brokerage.id', neq: 'InteractiveBrokersBrokerage' }, true],
    [{ arg: 'projectId', in: [1, 42] }, true],
    [{ arg: 'projectId', not_in: [1, 42] }, false],
    [{ arg: 'quantity', gt: 10 }, true],
    [{ arg: 'quantity', gte: 12, lte: 12 }, true],
    [{ arg: 'quantity', lt: 12 }, false],
    [{ arg: 'name', regex: '^Alpha-\\d+$' }, true],
    [{ arg: 'missing', exists: true }, false],
    [{ arg: 'missing', exists: false }, true],
    [{ arg: 'missing', gt: 0 }, false],
  ])('%j denies: %s', (r, denies) => expect(firstDenial([rule(r as Omit<RuleRef, 'at' | 'deny'>)], args) !== undefined).toBe(denies));
});

describe('resolution and pointers', () => {
  it('the most specific level wins, and each value names the field that set it', () => {
    const overlay = tmp('ops.yaml', 'tools:\n  create_live_command:\n    enabled: true\n    limits: [{ window: minute, max: 5 }]\n');
    const policy = resolvePolicy(loadOperatorConfig('tools.yaml', overlay), LIVE_COMMAND);
    expect(policy.enabled).toEqual({ value: true, at: 'ops.yaml#/tools/create_live_command/enabled' });
    expect(policy.confirm).toEqual({ value: true, at: 'tools.yaml#/policy/severities/critical/confirm' });
    expect(policy.limits).toEqual([{ window: 'minute', max: 5, scope: 'identity', at: 'ops.yaml#/tools/create_live_command/limits/0' }]);
  });

  it('enabling the live toolset does not enable financial or critical tools', () => {
    const overlay = tmp('ops.yaml', 'toolsets:\n  live: { default: true }\n');
    const config = loadOperatorConfig('tools.yaml', overlay);
    expect(resolvePolicy(config, LIVE_COMMAND).enabled).toEqual({ value: false, at: 'tools.yaml#/policy/severities/critical/enabled' });
    expect(resolvePolicy(config, { name: 'read_live_logs', toolset: 'live', risk: 'read', severity: 'low' }).enabled.value).toBe(true);
  });

  it('errors name the file, the line and the key', () => {
    const overlay = tmp('bad.yaml', 'tools:\n  create_backtest:\n    limits:\n      - { window: fortnight, max: 3 }\n');
    expect(() => loadOperatorConfig('tools.yaml', overlay)).toThrow(
      /bad\.yaml: invalid configuration\n {2}- line 4: tools\.create_backtest\.limits\.0\.window/,
    );
    const rules = tmp('bad.yaml', 'tools:\n  read_account:\n    rules: [{ arg: x, deny: nothing to check }]\n');
    expect(() => loadOperatorConfig('tools.yaml', rules)).toThrow(/line 3: .*a rule needs at least one predicate/);
  });
});

describe('quantconnect-mcp lockdown', () => {
  it('on, status, off', () => {
    const env = { ...process.env, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-lock-')) };
    const run = (...args: string[]) => spawnSync(process.execPath, ['dist/src/cli/main.js', 'lockdown', ...args], { env, encoding: 'utf8' });
    expect(run('status').stdout).toContain('Lockdown is off');
    expect(run('on').stdout).toContain('critical tools are refused from the next call');
    expect(run('status').stdout).toContain('Lockdown is on');
    expect(run('off').status).toBe(0);
    expect(run('status').stdout).toContain('Lockdown is off');
    expect(run('sideways').status).toBe(2);
  });
});

describe('the commented examples in the packaged tools.yaml', () => {
  it('are valid policy when uncommented', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const { PolicyFieldsSchema } = await import('../../src/config/policy-schema.js');
    const text = readFileSync('tools.yaml', 'utf8');
    const blocks = [...text.matchAll(/^ {4}# (rules|limits):\n((?: {4}# {3}- .*\n)+)/gm)];
    expect(blocks.map((b) => b[1])).toEqual(['rules', 'limits']);
    for (const [, field, body] of blocks) {
      const yaml = `${field}:\n${body!.replace(/^ {4}# /gm, '')}`;
      expect(PolicyFieldsSchema.safeParse(parse(yaml)).success, yaml).toBe(true);
    }
  });
});
