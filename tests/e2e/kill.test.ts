/**
 * Crash safety of the shared state directory: one writer keeps running while another is killed
 * with SIGKILL at a random moment of its write loop, 20 times. After each kill the sandbox state
 * parses, holds every project any writer acknowledged (no id twice), and the audit log verifies
 * as one chain. The writers use the built stores (tests/fixtures/state/writer.mjs).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditFiles, verifyAudit } from '../../src/policy/audit.js';

const WRITER = 'tests/fixtures/state/writer.mjs';
const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-kill-'));
const acked: number[] = [];
const children: ChildProcess[] = [];

function writer(prefix: string): { child: ChildProcess; firstAck: Promise<void> } {
  const child = spawn(process.execPath, [WRITER, stateDir, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  let partial = '';
  const firstAck = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) acked.push(Number(line));
      if (lines.length > 0) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`writer ${prefix} exited ${String(code)}: ${stderr}`)));
  });
  return { child, firstAck };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

function check(): void {
  const state = JSON.parse(readFileSync(join(stateDir, 'sandbox-state.json'), 'utf8')) as { projects: { projectId: number }[] };
  const ids = state.projects.map((p) => p.projectId);
  expect(new Set(ids).size, 'a project id was handed out twice').toBe(ids.length);
  const have = new Set(ids);
  expect(
    acked.filter((id) => !have.has(id)),
    'acknowledged projects missing from the state',
  ).toEqual([]);
  expect(new Set(acked).size, 'an acknowledged id was handed out twice').toBe(acked.length);
  const verified = verifyAudit(auditFiles(join(stateDir, 'audit.jsonl')));
  expect(verified.broken, JSON.stringify(verified.broken)).toBeUndefined();
}

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('SIGKILL during writes, with another process writing', () => {
  it('20 kills at random moments: after each, the state loads with everything acknowledged and the audit verifies', async () => {
    expect(existsSync('dist/src/sandbox/server.js'), 'run npm run build first').toBe(true);
    const steady = writer('steady');
    await steady.firstAck;
    for (let round = 0; round < 20; round++) {
      const victim = writer(`victim${round}`);
      await victim.firstAck;
      await new Promise((r) => setTimeout(r, Math.random() * 250));
      victim.child.kill('SIGKILL');
      await exited(victim.child);
      steady.child.kill('SIGSTOP'); // hold the survivor still while we read
      try {
        check();
      } finally {
        steady.child.kill('SIGCONT');
      }
    }
    steady.child.kill('SIGKILL');
    await exited(steady.child);
    check();
    expect(acked.length).toBeGreaterThan(40);
    const verify = spawnSync(process.execPath, ['dist/src/cli/main.js', 'audit', 'verify', join(stateDir, 'audit.jsonl')], { encoding: 'utf8' });
    expect(verify.stdout).toMatch(/audit verify: OK/);
  }, 300_000);
});
