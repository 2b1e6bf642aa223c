/**
 * Two server processes (the built CLI over stdio, each with its embedded sandbox) on one state
 * directory, as two MCP clients on one machine start them: ids never collide, nothing acknowledged
 * is lost across a restart, the audit log stays one verifiable chain, a file-backed limit counts
 * across both exactly, and the second server says on stderr that it shares the directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOverlay } from '../helpers/overlay.js';

const CLI = 'dist/src/cli/main.js';
const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-shared-'));
const overlay = writeOverlay({ tools: { read_account: { limits: [{ window: 'minute', max: 5, scope: 'global' }] } } });
const open: Client[] = [];

function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) out[k] = v;
  return { ...out, QC_MCP_STATE_DIR: stateDir, QC_MCP_TOOLS: overlay };
}

async function server(): Promise<{ client: Client; stderr: () => string }> {
  expect(existsSync(CLI), 'run npm run build first').toBe(true);
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: env(), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'shared-state', version: '1.0.0' });
  await client.connect(transport);
  open.push(client);
  return { client, stderr: () => stderr };
}

const structured = (r: Awaited<ReturnType<Client['callTool']>>) => {
  if (r.isError) throw new Error(JSON.stringify(r.content));
  return r.structuredContent as Record<string, unknown>;
};

async function createMany(client: Client, prefix: string, n: number): Promise<{ projectId: number }[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const created = structured(await client.callTool({ name: 'create_project', arguments: { name: `${prefix}-${i}`, language: 'Py' } }));
      const projectId = (created.projects as { projectId: number }[])[0]!.projectId;
      structured(await client.callTool({ name: 'create_file', arguments: { projectId, name: `notes_${prefix}_${i}.py`, content: `# ${prefix} ${i}\n` } }));
      return { projectId };
    }),
  );
}

afterAll(async () => {
  for (const c of open) await c.close().catch(() => {});
});

describe('two servers on one state directory', () => {
  it('100 concurrent creates give 100 distinct ids, all still there after a restart; the audit verifies; a 5/minute limit lets exactly 5 through', async () => {
    const a = await server();
    const b = await server();
    expect(b.stderr()).toMatch(new RegExp(`${stateDir.replace(/[/\\.]/g, '\\$&')} is also used by pid \\d+`));

    const [fromA, fromB] = await Promise.all([createMany(a.client, 'A', 50), createMany(b.client, 'B', 50)]);
    const ids = [...fromA, ...fromB].map((p) => p.projectId);
    expect(new Set(ids).size).toBe(100);

    const limited = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).client.callTool({ name: 'read_account', arguments: {} })));
    expect(limited.filter((r) => !r.isError)).toHaveLength(5);
    expect(limited.filter((r) => r.isError).every((r) => JSON.stringify(r.content).includes('Rate limit reached'))).toBe(true);

    for (const c of open.splice(0)) await c.close();
    const c = await server();
    const listed = structured(await c.client.callTool({ name: 'list_projects', arguments: {} }));
    const kept = (listed.projects as { projectId: number }[]).map((p) => p.projectId);
    expect(kept.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    const reads = [...fromA.map((p, i) => ['A', i, p] as const), ...fromB.map((p, i) => ['B', i, p] as const)].map(async ([prefix, i, { projectId }]) => {
      const read = structured(await c.client.callTool({ name: 'read_file', arguments: { projectId, name: `notes_${prefix}_${i}.py` } }));
      return (read.files as { content: string }[])[0]!.content === `# ${prefix} ${i}\n`;
    });
    expect((await Promise.all(reads)).filter((same) => !same)).toHaveLength(0);
    await c.client.close();

    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify'], { env: env(), encoding: 'utf8' });
    expect(verify.stdout + verify.stderr).toMatch(/audit verify: OK, \d+ records, chain intact/);
    expect(verify.status).toBe(0);
    const outcomes = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; tool: string; seq: number });
    expect(outcomes.filter((r) => r.event === 'outcome' && r.tool === 'create_project')).toHaveLength(100);
    expect(outcomes.map((r) => r.seq)).toEqual(outcomes.map((_, i) => i + 1));
  }, 240_000);
});
