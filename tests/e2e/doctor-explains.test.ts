/**
 * `doctor` explains, in plain sentences, each thing the server depends on: credentials, the
 * backend's answer, the data source, the state directory, Redis, the guard and the policy files.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOverlay } from '../helpers/overlay.js';

function doctor(extra: Record<string, string>): Promise<{ status: number | null; stdout: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/src/cli/main.js', 'doctor'], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

const line = (out: string, topic: string): string => out.split('\n').find((l) => l.slice(6).startsWith(`${topic}:`)) ?? `(no ${topic} line)`;

describe('doctor explains', () => {
  it('each dependency in a sentence, and what to do about it', async () => {
    const state = mkdtempSync(join(tmpdir(), 'qcmcp-doctor-'));
    const overlay = writeOverlay({ toolsets: { portfolio: { default: true } } });
    const { status, stdout } = await doctor({ QC_MCP_STATE_DIR: state, QC_MCP_TOOLS: overlay, QC_MCP_STATE: 'redis://127.0.0.1:1' });
    expect(status).toBe(1);
    expect(line(stdout, 'state dir')).toBe(
      `ok    state dir: ${state} is writable; limits, approvals, lockdown, the audit log and the console secret are kept there.`,
    );
    expect(line(stdout, 'Redis')).toMatch(
      /^FAIL {2}Redis: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .+\. While Redis is unreachable, limited and confirmed tools are refused; start Redis or fix QC_MCP_STATE\.$/,
    );
    expect(line(stdout, 'policy files')).toMatch(
      new RegExp(
        `^ok {4}policy files: \\S+tools\\.yaml then ${overlay.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} load without errors: \\d+ tools are served; toolsets [a-z_, ]+ are off\\.$`,
      ),
    );
    expect(line(stdout, 'policy files')).not.toMatch(/toolsets [a-z_, ]*portfolio/);
    expect(line(stdout, 'guard')).toMatch(/guard: not configured/);
    expect(line(stdout, 'credentials')).toMatch(
      /none set, so the embedded sandbox answers with simulated results\. To use your account, run `npx quantconnect-mcp login`/,
    );
    expect(line(stdout, 'QuantConnect')).toMatch(/accepted the credentials: the embedded sandbox answered a signed account read/);
    // On the sandbox with nothing configured, research reads the simulated market, and doctor says so.
    expect(line(stdout, 'data source')).toMatch(/sim: .*SIMULATED/);
    expect(line(stdout, 'grants')).toMatch(/none in .+grants\.yaml, so HTTP serves loopback callers only\./);

    const plain = await doctor({ QC_MCP_STATE_DIR: state });
    expect(plain.status).toBe(0);
    expect(line(plain.stdout, 'Redis')).toMatch(/^ok {4}Redis: not used: policy state stays in files in /);
    expect(line(plain.stdout, 'policy files')).toMatch(
      /tools\.yaml loads without errors: .+No overlay is set \(QC_MCP_TOOLS\), so the packaged defaults apply\.$/,
    );
  }, 60_000);
});
