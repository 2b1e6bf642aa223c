/** Operator commands: approve / deny / approvals, lockdown on|off|status, audit verify [FILE]. */
import { join } from 'node:path';
import { readEnv } from '../config/env.js';
import { auditFiles, verifyAudit } from '../policy/audit.js';
import { lockdownFile } from '../policy/lockdown.js';
import { openState, type PolicyState } from '../policy/state.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

async function withState<T>(fn: (state: PolicyState) => Promise<T>): Promise<T> {
  const env = readEnv();
  const state = await openState(env.stateUrl, env.stateDir);
  try {
    return await fn(state);
  } finally {
    await state.close();
  }
}

export async function decide(id: string | undefined, decision: 'approved' | 'denied'): Promise<number> {
  if (!id) {
    err(`usage: quantconnect-mcp ${decision === 'approved' ? 'approve' : 'deny'} ID   (pending approvals: quantconnect-mcp approvals)`);
    return 2;
  }
  try {
    const approval = await withState((s) => s.approvals.decide(id, decision, Date.now()));
    out(`${approval.id} ${decision}: ${approval.tool} for ${approval.identity}.`);
    if (decision === 'approved') out(`The same call may now run once, until ${new Date(approval.expires).toISOString()}.`);
    out(approval.summary);
    return 0;
  } catch (error) {
    err(`quantconnect-mcp: ${(error as Error).message}`);
    return 1;
  }
}

export async function listApprovals(): Promise<number> {
  const now = Date.now();
  const list = (await withState((s) => s.approvals.list(now))).filter((a) => a.status === 'pending' && !a.expired);
  if (list.length === 0) out('No pending approvals.');
  for (const a of list) out(`${a.id}  ${a.tool}  ${a.identity}  expires ${new Date(a.expires).toISOString()}\n  ${a.summary.split('\n').join('\n  ')}`);
  return 0;
}

export async function lockdown(action: string | undefined): Promise<number> {
  const { stateDir, stateUrl } = readEnv();
  const where = stateUrl ? 'in Redis, for every replica' : lockdownFile(stateDir);
  if (action === 'on' || action === 'off') {
    await withState((s) => s.lockdown.set(action === 'on'));
    out(`Lockdown ${action}: critical tools are ${action === 'on' ? 'refused' : 'allowed again (subject to policy)'} from the next call (${where}).`);
    return 0;
  }
  if (action === undefined || action === 'status') {
    out(`Lockdown is ${(await withState((s) => s.lockdown.isOn())) ? 'on' : 'off'} (${where}).`);
    return 0;
  }
  err('usage: quantconnect-mcp lockdown on|off|status');
  return 2;
}

export function auditCommand(sub: string | undefined, file: string | undefined): number {
  if (sub !== 'verify') {
    err('usage: quantconnect-mcp audit verify [FILE]');
    return 2;
  }
  const env = readEnv();
  const files = file ? [file] : auditFiles(env.auditLog ?? join(env.stateDir, 'audit.jsonl'));
  if (files.length === 0) {
    err('quantconnect-mcp: no audit log found (QC_MCP_AUDIT_LOG, or audit.jsonl in QC_MCP_STATE_DIR).');
    return 1;
  }
  let result;
  try {
    result = verifyAudit(files);
  } catch (error) {
    err(`quantconnect-mcp: ${(error as Error).message}`);
    return 1;
  }
  for (const d of result.damage) out(`audit verify: DAMAGE (not tampering) recorded at ${d.file} line ${d.line} (seq ${d.seq}): ${d.note}.`);
  if (result.ok) {
    out(
      `audit verify: OK, ${result.records} records, chain intact across ${files.length} file(s)${result.damage.length ? `, with ${result.damage.length} recorded break(s) above` : ''}.`,
    );
    return result.damage.length ? 3 : 0;
  }
  const b = result.broken!;
  if (b.kind === 'damage') {
    out(`audit verify: DAMAGED (not tampering) at ${b.file} line ${b.line}: ${b.reason}. ${result.records} records before it verified.`);
    return 3;
  }
  out(
    `audit verify: BROKEN at ${b.file} line ${b.line}${b.seq === undefined ? '' : ` (seq ${b.seq})`}: ${b.reason}. ${result.records} records before it verified.`,
  );
  return 1;
}
