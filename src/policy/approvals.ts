/**
 * Out-of-band approvals: when a client cannot ask its human, the call is refused with a pending
 * approval that an operator grants with `quantconnect-mcp approve ID` (or refuses with `deny ID`).
 * The same call (same tool, same arguments, same identity) may then proceed exactly once, before
 * the approval expires. The file is re-read on every check, so another process can decide.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'used';

export interface Approval {
  id: string;
  tool: string;
  args_sha256: string;
  identity: string;
  summary: string;
  created: number;
  expires: number;
  status: ApprovalStatus;
  decided?: number;
}

export class ApprovalStore {
  constructor(private readonly path: string) {}

  private read(): Approval[] {
    if (!existsSync(this.path)) return [];
    const data = JSON.parse(readFileSync(this.path, 'utf8')) as { version: number; approvals: Approval[] };
    if (data.version !== 1 || !Array.isArray(data.approvals)) throw new Error(`${this.path}: unknown approvals format`);
    return data.approvals;
  }

  private write(approvals: Approval[], now: number): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const kept = approvals.filter((a) => a.expires > now - 86_400_000); // keep a day of history
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ version: 1, approvals: kept }, null, 1));
    renameSync(temp, this.path);
  }

  list(now: number): (Approval & { expired: boolean })[] {
    return this.read().map((a) => ({ ...a, expired: a.expires <= now }));
  }

  /** An approved, unexpired approval for exactly this call, marked used; undefined when there is none. */
  consume(tool: string, hash: string, identity: string, now: number): Approval | undefined {
    const approvals = this.read();
    const match = approvals.find((a) => a.status === 'approved' && a.tool === tool && a.args_sha256 === hash && a.identity === identity && a.expires > now);
    if (!match) return undefined;
    match.status = 'used';
    this.write(approvals, now);
    return match;
  }

  /** The pending (unexpired) approval for this call, if one exists. */
  pending(tool: string, hash: string, identity: string, now: number): Approval | undefined {
    return this.read().find((a) => a.status === 'pending' && a.tool === tool && a.args_sha256 === hash && a.identity === identity && a.expires > now);
  }

  create(fields: Pick<Approval, 'tool' | 'args_sha256' | 'identity' | 'summary'>, ttlMs: number, now: number): Approval {
    const approvals = this.read();
    const approval: Approval = { ...fields, id: `ap_${randomBytes(5).toString('hex')}`, created: now, expires: now + ttlMs, status: 'pending' };
    approvals.push(approval);
    this.write(approvals, now);
    return approval;
  }

  /** The operator's decision. Throws with a reason the CLI prints when the id cannot be decided. */
  decide(id: string, decision: 'approved' | 'denied', now: number): Approval {
    const approvals = this.read();
    const approval = approvals.find((a) => a.id === id);
    if (!approval) throw new Error(`no approval ${id} (see quantconnect-mcp approvals)`);
    if (approval.expires <= now) throw new Error(`approval ${id} expired at ${new Date(approval.expires).toISOString()}; the agent must ask again`);
    if (approval.status !== 'pending') throw new Error(`approval ${id} is already ${approval.status}`);
    approval.status = decision;
    approval.decided = now;
    this.write(approvals, now);
    return approval;
  }
}
