/**
 * Out-of-band approvals: when a client cannot ask its human, the call is refused with a pending
 * approval that an operator grants with `quantconnect-mcp approve ID` (or refuses with `deny ID`).
 * The same call (same tool, same arguments, same identity) may then proceed exactly once, before
 * the approval expires. The file is re-read on every check, so another process can decide, and
 * every change is made under the file's lock, so processes sharing the directory never lose one.
 */
import { writeFileAtomic } from '../util/files.js';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { withFileLock } from './file-lock.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'used';

export interface Approval {
  id: string;
  tool: string;
  args_sha256: string;
  identity: string;
  summary: string;
  /** The call's arguments with secrets redacted, for the operator console. */
  args?: Record<string, unknown>;
  created: number;
  expires: number;
  status: ApprovalStatus;
  decided?: number;
}

/** Where approvals live: the state directory (processes on one machine) or Redis (several replicas). */
export interface ApprovalStore {
  list(now: number): Promise<(Approval & { expired: boolean })[]>;
  consume(tool: string, hash: string, identity: string, now: number): Promise<Approval | undefined>;
  pending(tool: string, hash: string, identity: string, now: number): Promise<Approval | undefined>;
  create(fields: Pick<Approval, 'tool' | 'args_sha256' | 'identity' | 'summary' | 'args'>, ttlMs: number, now: number): Promise<Approval>;
  decide(id: string, decision: 'approved' | 'denied', now: number): Promise<Approval>;
}

export const newApprovalId = (): string => `ap_${randomBytes(5).toString('hex')}`;

/** Decide `approval` in place, or throw the reason the CLI prints. */
export function applyDecision(approval: Approval | undefined, id: string, decision: 'approved' | 'denied', now: number): Approval {
  if (!approval) throw new Error(`no approval ${id} (see \`npx quantconnect-mcp approvals\`)`);
  if (approval.expires <= now) throw new Error(`approval ${id} expired at ${new Date(approval.expires).toISOString()}; the agent must ask again`);
  if (approval.status !== 'pending') throw new Error(`approval ${id} is already ${approval.status}`);
  approval.status = decision;
  approval.decided = now;
  return approval;
}

export const matches = (a: Approval, tool: string, hash: string, identity: string): boolean =>
  a.tool === tool && a.args_sha256 === hash && a.identity === identity;

export class FileApprovalStore implements ApprovalStore {
  constructor(private readonly path: string) {}

  private read(): Approval[] {
    if (!existsSync(this.path)) return [];
    const data = JSON.parse(readFileSync(this.path, 'utf8')) as { version: number; approvals: Approval[] };
    if (data.version !== 1 || !Array.isArray(data.approvals)) throw new Error(`${this.path}: unknown approvals format`);
    return data.approvals;
  }

  private write(approvals: Approval[], now: number): void {
    const kept = approvals.filter((a) => a.expires > now - 86_400_000); // keep a day of history
    writeFileAtomic(this.path, JSON.stringify({ version: 1, approvals: kept }, null, 1));
  }

  async list(now: number): Promise<(Approval & { expired: boolean })[]> {
    return this.read().map((a) => ({ ...a, expired: a.expires <= now }));
  }

  /** An approved, unexpired approval for exactly this call, marked used; undefined when there is none. */
  async consume(tool: string, hash: string, identity: string, now: number): Promise<Approval | undefined> {
    return withFileLock(this.path, () => {
      const approvals = this.read();
      const match = approvals.find((a) => a.status === 'approved' && matches(a, tool, hash, identity) && a.expires > now);
      if (!match) return undefined;
      match.status = 'used';
      this.write(approvals, now);
      return match;
    });
  }

  /** The pending (unexpired) approval for this call, if one exists. */
  async pending(tool: string, hash: string, identity: string, now: number): Promise<Approval | undefined> {
    return this.read().find((a) => a.status === 'pending' && matches(a, tool, hash, identity) && a.expires > now);
  }

  async create(fields: Pick<Approval, 'tool' | 'args_sha256' | 'identity' | 'summary' | 'args'>, ttlMs: number, now: number): Promise<Approval> {
    return withFileLock(this.path, () => {
      const approvals = this.read();
      const approval: Approval = { ...fields, id: newApprovalId(), created: now, expires: now + ttlMs, status: 'pending' };
      approvals.push(approval);
      this.write(approvals, now);
      return approval;
    });
  }

  /** The operator's decision. Throws with a reason the CLI prints when the id cannot be decided. */
  async decide(id: string, decision: 'approved' | 'denied', now: number): Promise<Approval> {
    return withFileLock(this.path, () => {
      const approvals = this.read();
      const approval = applyDecision(
        approvals.find((a) => a.id === id),
        id,
        decision,
        now,
      );
      this.write(approvals, now);
      return approval;
    });
  }
}
