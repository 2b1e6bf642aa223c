/**
 * Policy state: rate-limit counters, pending approvals and the lockdown switch. By default they
 * live in QC_MCP_STATE_DIR, shared by every process on the machine through file locks; with QC_MCP_STATE=redis://... (or --state redis://...)
 * they live in Redis, so limits are global across replicas and an approval given on one replica
 * is honoured by another.
 */
import { join } from 'node:path';
import { FileApprovalStore } from './approvals.js';
import { FileLockdown } from './lockdown.js';
import { FileLimitStore } from './limits.js';
import type { PolicyState } from './services.js';

export type { PolicyState };

export async function openState(url: string | undefined, stateDir: string): Promise<PolicyState> {
  if (url && /^rediss?:\/\//.test(url)) {
    const { openRedisState } = await import('./redis-state.js');
    return openRedisState(url);
  }
  if (url) throw new Error(`QC_MCP_STATE must be a redis:// URL (got ${JSON.stringify(url)}); leave it unset to keep state in QC_MCP_STATE_DIR`);
  return {
    kind: 'files',
    limits: new FileLimitStore(join(stateDir, 'limits.json')),
    approvals: new FileApprovalStore(join(stateDir, 'approvals.json')),
    lockdown: new FileLockdown(stateDir),
    close: async () => {},
  };
}
