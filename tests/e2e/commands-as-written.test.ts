/**
 * Every command the README or a message of the server tells a user to run works as written, from
 * the folder the README's set-up (`npm install`) leaves. The commands are collected from the README
 * (inline and in ```sh blocks) and from the string literals in src/ and plugins/; each one must have
 * a runner below (a new command in a message without one fails the first test). A runner runs the
 * text through /bin/sh, placeholders (ID, P, FILE) filled with real values made here, and checks that
 * it does what the text says. The few run elsewhere say where (the refusal's approve/deny, the quick
 * start, the suite itself).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../../src/qc/auth.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { CREDENTIALS } from '../helpers/sandbox.js';
import { connect, testEnv } from '../helpers/mcp.js';
import { writeOverlay } from '../helpers/overlay.js';
import { LIVE_ON, policyRig } from '../helpers/policy.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

// ---------------------------------------------------------------------------------------------
// Where the commands are written

const CMD = /^(?:[A-Z_]+=\S+ )*(?:npx quantconnect-mcp|quantconnect-mcp|npm)(?: |$)/;

function readmeCommands(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const found: string[] = [];
  for (const m of readme.matchAll(/^```sh\n([\s\S]*?)^```/gm))
    for (const line of m[1]!.split('\n').map((l) => l.replace(/#.*$/, '').trim())) if (line) found.push(line);
  const prose = readme.replace(/^```\w*\n[\s\S]*?^```/gm, '');
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    const text = m[1]!.replace(/\s+/g, ' ');
    if (CMD.test(text) && text !== 'quantconnect-mcp') found.push(text);
  }
  return [...new Set(found)];
}

/** `npx quantconnect-mcp …` and backquoted `quantconnect-mcp …` in string literals (not comments, not --help). */
function messageCommands(): string[] {
  const files = ['src', 'plugins'].flatMap((dir) =>
    (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)),
  );
  const found = new Set<string>();
  for (const file of files) {
    if (file === join('src', 'cli', 'help.ts')) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) continue;
      // `npx quantconnect-mcp …` anywhere, and a bare `quantconnect-mcp WORD` in backquotes (which would not run after npm install).
      for (const m of line.matchAll(/(npx quantconnect-mcp (?:[^`'"\\()]|\$\{[^}]*\})+)|\\?`(quantconnect-mcp [a-z]+(?: [\w.-]+)*)\\?`/g)) {
        found.add((m[1] ?? m[2])!.replace(/\$\{[^}]+\}/g, 'ID').trim());
      }
    }
  }
  return [...found];
}

// ---------------------------------------------------------------------------------------------
// Running a command as written

function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(npm_|QUANTCONNECT_|QC_|MCP_)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

const stateDir = (): string => mkdtempSync(join(tmpdir(), 'qcmcp-as-written-'));

/** A short command, through the shell, in the clone; its exit code and output. */
async function sh(command: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('/bin/sh', ['-c', command], { cwd: ROOT, env: cleanEnv(env), encoding: 'utf8', timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A command that keeps serving: started through the shell, stopped (its whole process group) after the test. */
function serve(command: string, env: Record<string, string>): { child: ChildProcess; output: () => string; waitFor: (re: RegExp) => Promise<RegExpExecArray> } {
  const child = spawn('/bin/sh', ['-c', command], { cwd: ROOT, env: cleanEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  cleanups.push(() => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {}
  });
  const waitFor = (re: RegExp): Promise<RegExpExecArray> =>
    new Promise((ok, fail) => {
      const deadline = Date.now() + 90_000;
      const timer = setInterval(() => {
        const m = re.exec(text);
        if (m) {
          clearInterval(timer);
          ok(m);
        } else if (child.exitCode !== null || Date.now() > deadline) {
          clearInterval(timer);
          fail(new Error(`${command}: ${child.exitCode === null ? 'no' : 'exited before'} ${re} (${text})`));
        }
      }, 100);
    });
  return { child, output: () => text, waitFor };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

async function httpClient(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'as-written', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {}));
  cleanups.push(() => client.close());
  return client;
}

const README_POLICY = (): string => /```json\n(\{\n"version": "1"[\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'))![1]!;

// ---------------------------------------------------------------------------------------------
// One runner per command: what the text says it does, checked.

interface Runner {
  /** Matches the command's text as written. */
  command: RegExp;
  run?: (command: string) => Promise<void>;
  /** Run elsewhere: the file that runs it (it must exist and name the command). */
  elsewhere?: { file: string; names: RegExp; why: string };
  /** Not run by any test, and why. */
  notRun?: string;
}

const RUNNERS: Runner[] = [
  {
    command: /^npx quantconnect-mcp doctor$/,
    run: async (command) => {
      const r = await sh(command, { QC_MCP_STATE_DIR: stateDir() });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/sandbox/i);
    },
  },
  {
    // "run `npx quantconnect-mcp login` once and drop the env block: the server then reads the saved credentials"
    command: /^npx quantconnect-mcp login$/,
    run: async (command) => {
      const state = stateDir();
      const { sandbox, baseUrl } = await startSandbox({ credentials: CREDENTIALS });
      cleanups.push(() => sandbox.close());
      // In a terminal (script(1) gives it one), as a person types the answers.
      const login = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: cleanEnv({ QC_MCP_STATE_DIR: state }), stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      login.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const typed = async (prompt: RegExp, answer: string): Promise<void> => {
        for (let i = 0; i < 600 && !prompt.test(out); i++) await new Promise((ok) => setTimeout(ok, 100));
        expect(out, 'the prompt').toMatch(prompt);
        login.stdin.write(`${answer}\r`);
      };
      await typed(/user id/i, CREDENTIALS.userId);
      await typed(/token/i, CREDENTIALS.token);
      const code = await new Promise<number | null>((ok) => login.on('exit', ok));
      expect(code, out).toBe(0);
      expect(out).toContain('Saved credentials');
      // The server now acts for the saved account, with no credentials in its environment.
      const client = new Client({ name: 'as-written', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: ['dist/src/cli/main.js'],
          env: cleanEnv({ QC_MCP_STATE_DIR: state, QUANTCONNECT_API_BASE_URL: baseUrl }),
          stderr: 'ignore',
        }),
      );
      cleanups.push(() => client.close());
      const account = await client.callTool({ name: 'read_account', arguments: {} });
      expect(account.isError, JSON.stringify(account.content)).toBeFalsy();
      expect(account._meta?.['quantconnect-mcp/backend']).toBe('quantconnect');
    },
  },
  {
    command: /^npx quantconnect-mcp policy check policy\.json$/,
    run: async (command) => {
      const file = join(ROOT, 'policy.json');
      expect(existsSync(file), 'a policy.json already in the clone').toBe(false);
      writeFileSync(file, README_POLICY());
      try {
        const r = await sh(command, { QC_MCP_STATE_DIR: stateDir() });
        expect(r.code, r.out).toBe(0);
        expect(r.out).toMatch(/create_live_command[^\n]*10/);
      } finally {
        rmSync(file, { force: true });
      }
    },
  },
  {
    command: /^npx quantconnect-mcp sandbox --port P$/,
    run: async (command) => {
      const port = await freePort();
      const s = serve(command.replace(/\bP$/, String(port)), { QC_MCP_STATE_DIR: stateDir() });
      const [, userId, token] = await s.waitFor(/QUANTCONNECT_USER_ID=(\S+) QUANTCONNECT_API_TOKEN=(\S+)/);
      const r = await fetch(`http://127.0.0.1:${port}/api/v2/account/read`, {
        method: 'POST',
        headers: { ...authHeaders({ userId: userId!, token: token! }), 'content-type': 'application/json' },
        body: '{}',
      });
      expect(await r.json()).toMatchObject({ organizationId: 'sandbox-organization', creditBalance: expect.any(Number) });
    },
  },
  {
    // "serves Streamable HTTP at /mcp (127.0.0.1:8808)"; "the first `grant add ID` changes local clients too"
    command: /^npx quantconnect-mcp serve --transport http$/,
    run: async (command) => {
      const state = stateDir();
      const port = String(await freePort()); // QC_MCP_PORT in the environment: the command stays as written
      const s = serve(command, { QC_MCP_STATE_DIR: state, QC_MCP_PORT: port });
      await s.waitFor(/serving MCP over Streamable HTTP at (\S+)/);
      const url = `http://127.0.0.1:${port}/mcp`;
      expect((await (await httpClient(url)).listTools()).tools.length).toBeGreaterThan(5);

      const grant = readmeCommands().find((c) => /grant add ID/.test(c))!;
      const added = await sh(grant.replace(/ID$/, 'desk'), { QC_MCP_STATE_DIR: state });
      expect(added.code, added.out).toBe(0);
      const token = /shown only this once:\s*\n(\S+)/.exec(added.out)?.[1];
      expect(token, added.out).toBeDefined();
      const anonymous = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
      expect(anonymous.status).toBe(401);
      expect((await (await httpClient(url, token)).listTools()).tools.length).toBeGreaterThan(5);
    },
  },
  {
    command: /^npx quantconnect-mcp grant add ID$/,
    elsewhere: { file: 'tests/e2e/commands-as-written.test.ts', names: /grant add ID/, why: 'run above with serve --transport http' },
  },
  {
    command: /^npx quantconnect-mcp (approve|deny) ID$|^npx quantconnect-mcp (approve|deny) ap_/,
    elsewhere: { file: 'tests/e2e/operator-commands.test.ts', names: /npx quantconnect-mcp approve ap_/, why: 'taken from a real refusal and run verbatim' },
  },
  {
    command: /^npx quantconnect-mcp guard status$/,
    elsewhere: {
      file: 'tests/server/guard.test.ts',
      names: /'guard', 'status'/,
      why: 'needs a guard that has watched a deployment: run there as node dist/src/cli/main.js guard status, the command npx runs',
    },
  },
  {
    command: /^npx quantconnect-mcp console$/,
    run: async (command) => {
      const port = String(await freePort());
      const s = serve(command, { QC_MCP_STATE_DIR: stateDir(), QC_MCP_CONSOLE_PORT: port });
      const [, url] = await s.waitFor(/operator console: (\S+)/);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/console secret/i);
    },
  },
  {
    command: /^npx quantconnect-mcp approvals$/,
    run: async (command) => {
      const rig = await policyRig(LIVE_ON, { now: Date.now });
      cleanups.push(() => rig.close());
      const refused = await (await rig.connect({ human: 'none' })).call('liquidate_live_algorithm', { projectId: 7 });
      const id = /ap_[0-9a-f]+/.exec(JSON.stringify(refused.content))![0];
      const r = await sh(command, { QC_MCP_STATE_DIR: rig.stateDir });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain(`${id}  liquidate_live_algorithm`);
    },
  },
  {
    command: /^npx quantconnect-mcp lockdown off$/,
    run: async (command) => {
      const state = stateDir();
      expect((await sh('npx quantconnect-mcp lockdown on', { QC_MCP_STATE_DIR: state })).code).toBe(0);
      const r = await sh(command, { QC_MCP_STATE_DIR: state });
      expect(r.code, r.out).toBe(0);
      expect((await sh('npx quantconnect-mcp lockdown status', { QC_MCP_STATE_DIR: state })).out).toMatch(/Lockdown is off/);
    },
  },
  {
    command: /^npx quantconnect-mcp audit verify FILE$/,
    run: async (command) => {
      const rig = await policyRig({});
      cleanups.push(() => rig.close());
      await (await rig.connect()).call('read_account', {});
      const file = join(rig.stateDir, 'audit.jsonl');
      expect(existsSync(file)).toBe(true);
      const r = await sh(command.replace(/FILE$/, file), { QC_MCP_STATE_DIR: stateDir() });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/intact/i);
    },
  },
  {
    command: /^npx quantconnect-mcp tools$/,
    run: async (command) => {
      const r = await sh(command, { QC_MCP_STATE_DIR: stateDir() });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/compile_and_backtest\s+backtests/);
    },
  },
  {
    command: /^npm install && npm start --silent$/,
    elsewhere: { file: 'scripts/check-quick-start.ts', names: /Set up/, why: 'on a fresh clone, in .ci/run (minutes: a full install and build)' },
  },
  { command: /^npm install$/, elsewhere: { file: 'scripts/check-quick-start.ts', names: /Set up/, why: 'the set-up command, on a fresh clone in .ci/run' } },
  {
    command: /^npm test$/,
    elsewhere: { file: '.ci/run', names: /npm run check/, why: 'npm run check runs npm test in .ci/run; this suite is its vitest step' },
  },
  { command: /^npm run generate$/, elsewhere: { file: '.ci/run', names: /npm run check/, why: 'npm run check runs npm run generate -- --check' } },
  { command: /^npm run bench$/, notRun: 'minutes long and machine-bound; docs/maintainers.md records its last run' },
];

const runnerFor = (command: string): Runner | undefined => RUNNERS.find((r) => r.command.test(command));

describe('commands the README and the messages give', () => {
  const commands = [
    ...readmeCommands().map((c) => ({ c, from: 'README.md' })),
    ...messageCommands().map((c) => ({ c, from: 'a message in src/ or plugins/' })),
  ];

  it('each has a runner, and each is written as it runs after `npm install` (npx in the clone)', () => {
    expect(commands.length).toBeGreaterThan(12);
    for (const { c, from } of commands) {
      expect(runnerFor(c), `${from}: \`${c}\` is run by no test`).toBeDefined();
      expect(c, `${from}: \`${c}\` is not on PATH after npm install; write npx quantconnect-mcp`).not.toMatch(/^quantconnect-mcp /);
    }
  });

  it('the ones run elsewhere are named there', () => {
    for (const r of RUNNERS.filter((x) => x.elsewhere)) {
      expect(readFileSync(r.elsewhere!.file, 'utf8'), `${r.command}: ${r.elsewhere!.why}`).toMatch(r.elsewhere!.names);
    }
  });

  const runnable = [...new Set(commands.map(({ c }) => c))].filter((c) => runnerFor(c)?.run);
  it.each(runnable)('`%s` does what the text says', async (c) => runnerFor(c)!.run!(c), 150_000);
});

describe('settings a refusal tells the operator to write', () => {
  /** The refusal's backquoted setting, written into QC_MCP_TOOLS exactly as given, then the call again on a new server. */
  async function writtenAsGiven(overlay: string | undefined, tool: string, args: Record<string, unknown>): Promise<void> {
    const env = (file?: string) => testEnv('http://127.0.0.1:9/api/v2', file ? { QC_MCP_TOOLS: file } : {});
    const before = await connect({ env: env(overlay) });
    cleanups.push(() => before.close());
    const refused = await before.client.callTool({ name: tool, arguments: args });
    const message = (refused.content as { text: string }[])[0]!.text;
    expect(refused.isError, message).toBe(true);
    const setting = /with `((?:toolsets|tools): \{[^`]+\})`/.exec(message)?.[1];
    expect(setting, message).toBeDefined();
    const after = await connect({ env: env(writeOverlay(overlay ? `${readFileSync(overlay, 'utf8')}\n${setting}\n` : `${setting}\n`)) });
    cleanups.push(() => after.close());
    expect((await after.client.listTools()).tools.map((t) => t.name)).toContain(tool);
    const r = await after.client.callTool({ name: tool, arguments: args });
    expect((r.content as { text: string }[])[0]!.text).not.toMatch(/is disabled on this server/);
  }

  it('a toolset that is off: the setting named turns it on', async () => {
    await writtenAsGiven(undefined, 'optimize_equal_weight_portfolio', { symbols: ['KO', 'PEP'], start_date: '2023-01-02', end_date: '2023-12-29' });
  });

  it('a tool off by its own setting: the setting named turns it on', async () => {
    await writtenAsGiven(writeOverlay('toolsets: { live: { default: true } }\n'), 'create_live_algorithm', {});
  });
});
