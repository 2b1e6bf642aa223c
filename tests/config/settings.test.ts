/**
 * The settings table is the one declaration of every variable and flag: readEnv reads flags, then
 * the environment, then the defaults from it; --help (the built CLI's) lists every entry; no other
 * code reads a variable by name, and the CLI never writes flags into process.env.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { FLAGS, parseArgsOptions, SETTINGS, settingFlags, type SettingSpec } from '../../src/config/settings.js';

const specs = Object.values(SETTINGS) as SettingSpec<unknown>[];
const empty = (): NodeJS.ProcessEnv => ({ QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-settings-')) });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the settings table', () => {
  it('declares each variable once, and a flag shared by two commands with one type', () => {
    const names = specs.map((s) => s.env);
    expect(new Set(names).size).toBe(names.length);
    expect(() => parseArgsOptions()).not.toThrow();
    for (const command of ['serve', 'sandbox', 'grant', 'login', 'tools', 'doctor', 'generate']) {
      const own = [...specs.flatMap((s) => (s.flag ? [s.flag] : [])), ...FLAGS].filter((f) => (f.commands as readonly string[]).includes(command));
      expect(new Set(own.map((f) => f.name)).size, command).toBe(own.length);
    }
    for (const s of specs) expect(s.help.split('\n')).toHaveLength(1);
  });

  it('gives the documented defaults (the QuantConnect client agrees on the base URL)', () => {
    const env = readEnv(empty());
    expect(env.baseUrl).toBe('https://www.quantconnect.com/api/v2');
    expect(env).toMatchObject({
      backend: 'auto',
      agentName: 'quantconnect-mcp',
      npm: 'npm',
      readOnly: false,
      transport: 'stdio',
      host: '127.0.0.1',
      port: 8808,
      allowedHosts: [],
      auditFsync: false,
    });
    expect(env.spec).toBe('spec/QuantConnect-Platform-2.0.0.yaml');
    expect(env.userId).toBeUndefined();
    expect(env.credentialsSource).toBe('none');
  });

  it('reads the environment, and a flag given to its command wins over its variable', () => {
    const base = {
      ...empty(),
      QC_MCP_READ_ONLY: '0',
      QC_MCP_STATE: 'redis://env:6379',
      MCP_PORT: '9000',
      MCP_HOST: '0.0.0.0',
      QC_MCP_ALLOWED_HOSTS: 'a.internal, b.internal',
    };
    const fromEnv = readEnv(base);
    expect(fromEnv).toMatchObject({ readOnly: false, stateUrl: 'redis://env:6379', port: 9000, host: '0.0.0.0', allowedHosts: ['a.internal', 'b.internal'] });
    const values = { 'read-only': true, state: 'redis://flag:6379', port: '9100', faults: '[]' };
    const fromServe = readEnv(base, settingFlags('serve', values));
    expect(fromServe).toMatchObject({ readOnly: true, stateUrl: 'redis://flag:6379', port: 9100 });
    // The same flags mean something else to sandbox and grant: they do not reach the settings there.
    expect(readEnv(base, settingFlags('sandbox', values))).toMatchObject({ stateUrl: 'redis://env:6379', port: 9000 });
    expect(readEnv(base, settingFlags('grant', values)).readOnly).toBe(false);
    expect(process.env.QC_MCP_STATE).toBeUndefined();
  });

  it('refuses a bad value, naming the variable or the flag it came from', () => {
    expect(() => readEnv({ ...empty(), QC_MCP_BACKEND: 'cloud' })).toThrow(/QC_MCP_BACKEND must be auto, quantconnect or sandbox/);
    expect(() => readEnv({ ...empty(), MCP_PORT: 'eighty' })).toThrow(/MCP_PORT must be a port number/);
    expect(() => readEnv(empty(), { port: '70000' })).toThrow(/--port must be a port number/);
    expect(() => readEnv({ ...empty(), MCP_TRANSPORT: 'ws' })).toThrow(/MCP_TRANSPORT must be stdio, http or streamable-http/);
    expect(() => readEnv({ ...empty(), QC_MCP_AUDIT_MAX_BYTES: '-1' })).toThrow(/QC_MCP_AUDIT_MAX_BYTES must be a positive whole number/);
  });

  it('is the only place a variable is read by name, and the CLI never writes into process.env', () => {
    for (const file of [...files('src'), ...files('codegen'), ...files('scripts'), ...files('plugins')]) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/process\.env\.[A-Z_]|process\.env\[/);
      expect(source, file).not.toMatch(/\benv\.(QC_|QUANTCONNECT_|MCP_|AGENT_NAME)/);
    }
  });

  it('--help of the built CLI lists every variable and flag with its help', () => {
    const run = spawnSync(process.execPath, ['dist/src/cli/main.js', '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const s of specs) {
      expect(run.stdout).toContain(s.env);
      expect(run.stdout).toContain(s.help);
    }
    for (const f of [...specs.flatMap((s) => (s.flag ? [s.flag] : [])), ...FLAGS]) expect(run.stdout).toMatch(new RegExp(`--${f.name}\\b`));
    for (const f of FLAGS) expect(run.stdout).toContain(f.help);
  });

  it('a flag that mirrors a variable works on the command line: serve --transport ws is refused by name', () => {
    const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', '--transport', 'ws'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...empty() },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--transport must be stdio, http or streamable-http');
  });

  it('--read-only reaches the settings of the command it belongs to: tools --read-only lists write tools as off', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['dist/src/cli/main.js', 'tools', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...empty() } });
    const enabled = (out: string, tool: string) =>
      out
        .split('\n')
        .find((l) => l.startsWith(`${tool} `))
        ?.split(/\s+/)[4];
    const plain = run();
    const readOnly = run('--read-only');
    expect(plain.status).toBe(0);
    expect(readOnly.status).toBe(0);
    expect([enabled(plain.stdout, 'create_backtest'), enabled(plain.stdout, 'read_backtest')]).toEqual(['yes', 'yes']);
    expect([enabled(readOnly.stdout, 'create_backtest'), enabled(readOnly.stdout, 'read_backtest')]).toEqual(['no', 'yes']);
  });
});
