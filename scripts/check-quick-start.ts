/**
 * The README's quick start, followed literally on a fresh clone: `git clone` of this repository's
 * HEAD into a temporary folder, then the README's "Set up" command exactly as written, run by a
 * shell in the clone, with nothing configured (no credentials, so the sandbox). It passes when the
 * server started by that command answers an MCP initialize and tools/list on stdin/stdout. Lines
 * npm itself prints before the server starts are skipped, as a person at a terminal would.
 * npm's cache is used offline (npm_config_offline=true in the environment; the command is unchanged).
 * Usage: tsx scripts/check-quick-start.ts   (.ci/run runs it after the test suite)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '..');
const TIMEOUT_MS = 600_000;

/** The first ```sh block under "## Set up": what the README tells a new user to run. */
export function setUpCommand(readme: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Set up'));
  const block = section && /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```sh block under "## Set up"');
  return block[1]!.trim();
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'qcmcp-quick-start-'));
  const clone = join(dir, 'quantconnect-mcp');
  execFileSync('git', ['clone', '--quiet', ROOT, clone], { stdio: 'inherit' });
  const command = setUpCommand(readFileSync(join(clone, 'README.md'), 'utf8'));
  process.stderr.write(`quick start: in a fresh clone, running: ${command}\n`);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(npm_|QUANTCONNECT_|QC_)/i.test(k)) env[k] = v;
  Object.assign(env, { npm_config_offline: 'true', QC_MCP_STATE_DIR: join(dir, 'state') });
  const child = spawn('/bin/sh', ['-c', command], { cwd: clone, env, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  const stop = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {}
  };

  const answers = new Map<number, Record<string, unknown>>();
  const skipped: string[] = [];
  let notify: () => void = () => {};
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const message = JSON.parse(line) as { id?: number; result?: Record<string, unknown> };
      if (typeof message.id === 'number' && message.result) answers.set(message.id, message.result);
      notify();
    } catch {
      skipped.push(line); // npm's own output before the server starts
    }
  });
  const answer = (id: number): Promise<Record<string, unknown>> =>
    new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no answer to request ${id} within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      child.once('exit', (code) => fail(new Error(`the command exited (${code}) before answering request ${id}`)));
      notify = () => {
        if (answers.has(id)) {
          clearTimeout(timer);
          ok(answers.get(id)!);
        }
      };
      notify();
    });
  const send = (message: object): void => {
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  };

  try {
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'quick-start', version: '1.0.0' } } });
    const init = await answer(1);
    const server = init.serverInfo as { name: string; version: string };
    if (server?.name !== 'quantconnect-mcp') throw new Error(`unexpected serverInfo ${JSON.stringify(init.serverInfo)}`);
    if (!String(init.instructions ?? '').startsWith('SANDBOX')) throw new Error('the server does not say it is on the sandbox');
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    const tools = ((await answer(2)).tools as { name: string }[]).map((t) => t.name);
    if (!tools.includes('compile_and_backtest')) throw new Error(`tools/list lacks compile_and_backtest: ${tools.join(', ')}`);
    process.stderr.write(
      `quick start: OK in ${Math.round((Date.now() - started) / 1000)} s: ${server.name} ${server.version} answered initialize and tools/list (${tools.length} tools) ` +
        `after ${skipped.length} line(s) of npm output.\n`,
    );
  } finally {
    stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`quick start: FAILED: ${error.message}\n`);
      process.exit(1);
    },
  );
}
