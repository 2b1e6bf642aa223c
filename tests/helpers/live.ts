/** Live deployments on the sandbox for guard tests: deploy a paper algorithm holding SPY, shock it, read audit files. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { authHeaders } from '../../src/qc/auth.js';
import { caller, pollUntil } from './workflow.js';

export const SPY = 'SPY R735QTJ8XC9X';

/** Create, compile and deploy a paper algorithm (100 SPY at 400 and 60,000 USD) through an unrestricted client; resolves once it runs. */
export async function deployPaper(client: Client, name: string): Promise<number> {
  const ok = caller(client) as (n: string, a?: Record<string, unknown>) => Promise<Record<string, any>>;
  const projectId = Number((await ok('create_project', { name, language: 'Py' })).projects[0].projectId);
  const compile = await ok('create_compile', { projectId });
  await pollUntil(
    () => ok('read_compile', { projectId, compileId: compile.compileId }),
    (c) => c.state === 'BuildSuccess',
  );
  const nodeId = (await ok('read_project_nodes', { projectId })).nodes.live[0].id;
  await ok('create_live_algorithm', {
    projectId,
    compileId: compile.compileId,
    nodeId,
    versionId: '-1',
    brokerage: {
      id: 'QuantConnectBrokerage',
      holdings: [{ symbolId: SPY, symbol: 'SPY', quantity: 100, averagePrice: 400 }],
      cash: [{ amount: 60_000, currency: 'USD' }],
    },
  });
  await pollUntil(
    () => ok('read_live_algorithm', { projectId }),
    (l) => l.status === 'Running',
  );
  return projectId;
}

/** POST /api/v2/sandbox/live/shock, signed like any API call. */
export async function shock(baseUrl: string, credentials: { userId: string; token: string }, projectId: number, equityChangePct: number): Promise<void> {
  const answer = (await (
    await fetch(`${baseUrl}/sandbox/live/shock`, {
      method: 'POST',
      headers: { ...authHeaders(credentials), 'content-type': 'application/json' },
      body: JSON.stringify({ projectId, equityChangePct }),
    })
  ).json()) as { success: boolean; errors?: string[] };
  if (!answer.success) throw new Error(`shock failed: ${JSON.stringify(answer)}`);
}

/** The records of a state directory's audit log. */
export function auditRecords(stateDir: string): Record<string, any>[] {
  return readFileSync(join(stateDir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
}

export const guardEntries = (records: Record<string, any>[]): Record<string, any>[] =>
  records.filter((r) => r.decision === 'guard_action' || r.decision === 'guard_escalated');
