/**
 * Every call ends in exactly one audit outcome, even one whose arguments nest 5,000 levels deep;
 * and a torn last audit line (a crash or a full disk mid-write) no longer stops the server: it is
 * quarantined, the chain continues with a record of the break, and `audit verify` names the line
 * as damage, not tampering.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { AuditLog, type AuditRecord } from '../../src/policy/audit.js';
import { canonicalJson } from '../../src/policy/canonical.js';
import { sandboxSession } from '../helpers/sandbox.js';

const CLI = 'dist/src/cli/main.js';
const records = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);

describe('deeply nested arguments', () => {
  it('depth 5,000 gives an isError and exactly one audit record', async () => {
    const s = await sandboxSession();
    try {
      let deep: unknown = 1;
      for (let i = 0; i < 5000; i++) deep = { a: deep };
      const result = await s.client.callTool({ name: 'read_account', arguments: { x: deep } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('arguments nest deeper than 64 levels');
      const audit = records(join(s.runtime.policy.stateDir, 'audit.jsonl')).filter((r) => r.tool === 'read_account');
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ event: 'outcome', decision: 'invalid', arg_keys: ['x'], args_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(s.sandbox.requests).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it('canonical JSON sorts keys, drops undefined members, and writes undefined in arrays as null', () => {
    expect(canonicalJson({ b: [1, undefined, { d: null, c: 'é' }], a: undefined, A: true })).toBe('{"A":true,"b":[1,null,{"c":"é","d":null}]}');
  });
});

describe('a torn last audit line', () => {
  it('the server starts, quarantines it, continues the chain, and audit verify names the damaged line', async () => {
    expect(existsSync(CLI), 'run npm run build first').toBe(true);
    const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-torn-'));
    const path = join(stateDir, 'audit.jsonl');
    const log = new AuditLog(path);
    for (let i = 0; i < 4; i++) log.append({ call_id: `c${i}`, identity: 'local', tool: 'read_account', event: 'outcome', decision: 'ok' });
    log.close();
    const torn = '{"call_id":"c4","identity":"local","tool":"read_acc';
    appendFileSync(path, torn); // line 5, cut off mid-write

    const before = spawnSync(process.execPath, [CLI, 'audit', 'verify', path], { encoding: 'utf8' });
    expect(before.status).toBe(3);
    expect(before.stdout).toMatch(/DAMAGED \(not tampering\) at .*audit\.jsonl line 5: the last line is not valid JSON/);

    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { ...env, QC_MCP_STATE_DIR: stateDir }, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'torn', version: '1.0.0' });
    await client.connect(transport);
    expect((await client.callTool({ name: 'read_account', arguments: {} })).isError).toBeFalsy();
    await client.close();
    expect(stderr).toMatch(/audit log damaged: line 5 of audit\.jsonl was damaged \(the line is torn/);

    const quarantined = readdirSync(stateDir).filter((f) => f.startsWith('audit.jsonl.damaged-'));
    expect(quarantined).toEqual(['audit.jsonl.damaged-1']);
    expect(readFileSync(join(stateDir, quarantined[0]!), 'utf8')).toBe(torn);
    const after = records(path);
    expect(after[4]).toMatchObject({ seq: 5, event: 'damage', decision: 'quarantined', prev: after[3]!.hash });
    expect(after.length).toBeGreaterThan(5);

    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify', path], { encoding: 'utf8' });
    expect(verify.stdout).toMatch(
      /DAMAGE \(not tampering\) recorded at .*audit\.jsonl line 5 \(seq 5\): line 5 of audit\.jsonl was damaged .*moved to audit\.jsonl\.damaged-1/,
    );
    expect(verify.stdout).toMatch(/audit verify: OK, \d+ records, chain intact across 1 file\(s\), with 1 recorded break/);
    expect(verify.status).toBe(3);
  });
});
