/**
 * The audit log verifies and names the first broken record when edited; rotation keeps the chain.
 * Neither the API token nor a brokerage password appears anywhere we write, and a named
 * server-side brokerage credential works end to end against the sandbox.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AuditLog, auditFiles, verifyAudit } from '../../src/policy/audit.js';
import { redact, Secrets } from '../../src/policy/secrets.js';
import { writeOverlay } from '../helpers/overlay.js';
import { sandboxSession } from '../helpers/sandbox.js';
import { pollUntil } from '../helpers/workflow.js';

const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

function sampleLog(dir: string, n: number, maxBytes?: number): string {
  const path = join(dir, 'audit.jsonl');
  const log = new AuditLog(path, maxBytes ? { maxBytes } : {});
  for (let i = 0; i < n; i++)
    log.append({ call_id: `c${i}`, identity: 'local', tool: 'read_account', event: 'outcome', decision: 'ok', args_sha256: 'x', arg_keys: [] });
  log.close();
  return path;
}

describe('audit verify', () => {
  it('passes an untouched log and names the first broken record of an edited one (through the CLI)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qcmcp-audit-'));
    const path = sampleLog(dir, 5);
    const ok = cli(['audit', 'verify', path], {});
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('OK, 5 records');

    const lines = readFileSync(path, 'utf8').trim().split('\n');
    lines[2] = lines[2]!.replace('"decision":"ok"', '"decision":"denied"');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const broken = cli(['audit', 'verify', path], {});
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/BROKEN at .*audit\.jsonl line 3 \(seq 3\): hash does not match the record \(edited\?\)\. 2 records before it verified\./);
  });

  it('detects a deleted record and a reordered one', () => {
    for (const edit of [(l: string[]) => l.splice(1, 1), (l: string[]) => l.reverse()]) {
      const path = sampleLog(mkdtempSync(join(tmpdir(), 'qcmcp-audit-')), 4);
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      edit(lines);
      writeFileSync(path, `${lines.join('\n')}\n`);
      expect(verifyAudit([path]).ok).toBe(false);
    }
  });

  it('rotation keeps the chain across files, and a restart continues it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qcmcp-audit-'));
    const path = sampleLog(dir, 30, 1500);
    sampleLog(dir, 5, 1500); // a restart appends to the same chain
    const files = auditFiles(path);
    expect(files.length).toBeGreaterThan(2);
    expect(verifyAudit(files)).toMatchObject({ ok: true, records: 35 });
    expect(verifyAudit(files.slice(1)).ok).toBe(false); // a missing first file is noticed
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('secrets', () => {
  it('redacts secret-looking keys at any depth and scrubs known values from text', () => {
    expect(redact({ brokerage: { id: 'IB', 'ib-password': 'hunter22', 'ib-user-name': 'bob', credentials: 'ib-paper' }, projectId: 1 })).toEqual({
      brokerage: { id: 'IB', 'ib-password': '[redacted]', 'ib-user-name': '[redacted]', credentials: 'ib-paper' },
      projectId: 1,
    });
    const secrets = new Secrets({ paper: { id: 'IB', 'ib-password': 'hunter22' } }, ['api-token-123']);
    expect(secrets.scrub('failed: hunter22 / api-token-123')).toBe('failed: [redacted] / [redacted]');
  });

  it('a named server-side credential works end to end; the token and the password appear nowhere we write', async () => {
    const PASSWORD = 'pa55-w0rd-very-secret';
    const dir = mkdtempSync(join(tmpdir(), 'qcmcp-secrets-'));
    const secretsFile = join(dir, 'secrets.yaml');
    writeFileSync(
      secretsFile,
      stringify({
        brokerages: {
          'ib-paper': {
            id: 'InteractiveBrokersBrokerage',
            'ib-user-name': 'paper-user-77',
            'ib-account': 'DU1234567',
            'ib-password': PASSWORD,
            'ib-weekly-restart-utc-time': '22:00:00',
          },
        },
      }),
    );
    chmodSync(secretsFile, 0o600);
    const logs: string[] = [];
    const overlay = writeOverlay({ toolsets: { live: { default: true } }, tools: { create_live_algorithm: { enabled: true } } });
    const s = await sandboxSession({}, { QC_MCP_TOOLS: overlay, QC_MCP_SECRETS: secretsFile }, { log: (l) => logs.push(l) });
    const TOKEN = 'test-token-0123456789abcdef';
    const results: unknown[] = [];
    const call = async (name: string, args: Record<string, unknown>) => {
      const r = await s.client.callTool({ name, arguments: args });
      results.push(r);
      return r;
    };
    try {
      const created = await call('create_project', { name: 'Secret', language: 'Py' });
      const projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
      const compile = await call('create_compile', { projectId });
      const compileId = (compile.structuredContent as { compileId: string }).compileId;
      await pollUntil(
        async () => (await call('read_compile', { projectId, compileId })).structuredContent as { state: string },
        (c) => c.state === 'BuildSuccess',
      );
      // No elicitation on this client: the deploy needs an operator approval first.
      const args = {
        projectId,
        compileId,
        nodeId: 'LN-sandbox-micro',
        versionId: '-1',
        brokerage: { id: 'InteractiveBrokersBrokerage', credentials: 'ib-paper' },
      };
      const pending = await call('create_live_algorithm', args);
      const id = /approve (ap_[0-9a-f]+)/.exec(JSON.stringify(pending))![1]!;
      const approved = cli(['approve', id], { QC_MCP_STATE_DIR: s.runtime.policy.stateDir });
      expect(approved.status, approved.stderr).toBe(0);
      const deployed = await call('create_live_algorithm', args);
      expect((deployed as { isError?: boolean }).isError, JSON.stringify(deployed)).toBeFalsy();
      // The sandbox got the full brokerage settings, filled in server-side.
      const sent = s.sandbox.requests.find((r) => r.operation === 'POST /live/create')?.body as { brokerage: Record<string, unknown> };
      expect(sent.brokerage).toMatchObject({ id: 'InteractiveBrokersBrokerage', 'ib-password': PASSWORD, 'ib-account': 'DU1234567' });
      expect(sent.brokerage).not.toHaveProperty('credentials');
      // A name that does not exist says which ones do, without values.
      const unknown = await call('create_live_algorithm', { ...args, brokerage: { id: 'InteractiveBrokersBrokerage', credentials: 'ib-live' } });
      expect(JSON.stringify(unknown)).toContain('Available: ib-paper');

      const stateDir = s.runtime.policy.stateDir;
      const written = [
        ...results.map((r) => JSON.stringify(r)),
        ...logs,
        approved.stdout,
        approved.stderr,
        ...readdirSync(stateDir, { recursive: true, encoding: 'utf8' })
          .filter((f) => f !== 'sandbox-state.json' && statSync(join(stateDir, f)).isFile())
          .map((f) => readFileSync(join(stateDir, f), 'utf8')),
      ].join('\n');
      expect(written).toContain('approval_used');
      for (const secret of [TOKEN, PASSWORD, 'DU1234567', 'paper-user-77']) expect(written, secret).not.toContain(secret);
    } finally {
      await s.close();
    }
  });
});
