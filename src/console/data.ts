/**
 * What the operator console shows, read through the policy stores' public methods: pending
 * approvals (with the redacted arguments), the audit log and its verification, limits with their
 * current counts, lockdown, the effective policy per tool, and grants (never their tokens).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { GrantStore } from '../policy/grants.js';
import type { Approval, ApprovalStore } from '../policy/approvals.js';
import { auditFiles, verifyAudit, type AuditRecord, type VerifyResult } from '../policy/audit.js';
import { limitKey } from '../policy/services.js';
import type { LimitStore } from '../policy/limits.js';
import type { LockdownSwitch } from '../policy/lockdown.js';
import type { LimitRef } from '../policy/resolve.js';
import { windowMs } from '../config/policy-schema.js';
import type { Registry } from '../server/registry.js';

export interface ConsoleSources {
  registry: Registry;
  approvals: ApprovalStore;
  limits: LimitStore;
  lockdown: LockdownSwitch;
  grants: GrantStore;
  auditPath: string;
  /** Where policy state lives, in words (a folder, or Redis). */
  stateWhere: string;
  now: () => number;
  /** Re-read tools.yaml and the overlay before each page (the standalone console). */
  refresh?: () => void;
}

export interface AuditFilter {
  tool?: string;
  identity?: string;
  outcome?: string;
}

const AUDIT_ROWS = 200;

export interface ApprovalView extends Approval {
  expiresIso: string;
  createdIso: string;
  argsJson: string;
  summaryLines: string[];
}

export interface LimitView {
  tool: string;
  rule: string;
  at: string;
  counts: { who: string; used: number; max: number; full: boolean }[];
}

export interface ToolPolicyView {
  name: string;
  toolset: string;
  risk: string;
  severity: string;
  available: boolean;
  why: string;
  confirm: boolean;
  limits: string[];
  rules: string[];
}

export interface AuditView {
  verify: VerifyResult | { ok: false; records: number; files: string[]; error: string };
  rows: (AuditRecord & { outcomeClass: string })[];
  matched: number;
  tools: string[];
  identities: string[];
  decisions: string[];
}

export const describeLimit = (limit: LimitRef): string =>
  `${limit.max} ${limit.increment_from ? `× ${limit.increment_from}` : 'calls'} per ${limit.window}, per ${limit.scope}${limit.counter ? ` (counter ${limit.counter})` : ''}`;

function approvalView(a: Approval): ApprovalView {
  return {
    ...a,
    expiresIso: new Date(a.expires).toISOString(),
    createdIso: new Date(a.created).toISOString(),
    argsJson: a.args === undefined ? '(not recorded: created by an older version)' : JSON.stringify(a.args, null, 2),
    summaryLines: a.summary.split('\n'),
  };
}

export async function pendingApprovals(sources: ConsoleSources): Promise<ApprovalView[]> {
  const now = sources.now();
  return (await sources.approvals.list(now))
    .filter((a) => a.status === 'pending' && !a.expired)
    .sort((a, b) => a.created - b.created)
    .map(approvalView);
}

export async function recentDecisions(sources: ConsoleSources): Promise<ApprovalView[]> {
  const now = sources.now();
  return (await sources.approvals.list(now))
    .filter((a) => a.status !== 'pending')
    .sort((a, b) => (b.decided ?? b.created) - (a.decided ?? a.created))
    .slice(0, 20)
    .map(approvalView);
}

export function toolPolicies(sources: ConsoleSources): ToolPolicyView[] {
  const { registry } = sources;
  return registry
    .all()
    .map((tool) => {
      const availability = registry.availability(tool);
      const policy = availability.policy;
      return {
        name: tool.name,
        toolset: tool.toolset,
        risk: tool.risk,
        severity: tool.severity,
        available: availability.available,
        why: availability.available ? policy.enabled.at : `${availability.rule}`,
        confirm: policy.confirm.value,
        limits: policy.limits.map(describeLimit),
        rules: policy.rules.map((r) => `${r.arg}: ${r.deny}`),
      };
    })
    .sort((a, b) => a.toolset.localeCompare(b.toolset) || a.name.localeCompare(b.name));
}

/** Every limit of every available tool with its current count: per caller (local and each grant) for identity-scoped limits. */
export async function limitCounts(sources: ConsoleSources): Promise<LimitView[]> {
  const now = sources.now();
  const identities = ['local', ...sources.grants.all().map((g) => g.id)];
  const seen = new Set<string>();
  const views: LimitView[] = [];
  for (const tool of sources.registry.all()) {
    const availability = sources.registry.availability(tool);
    if (!availability.available) continue;
    for (const limit of availability.policy.limits) {
      const who = limit.scope === 'identity' ? identities : [limit.scope === 'global' ? 'everyone, all tools' : 'everyone'];
      const counts = [];
      for (const identity of who) {
        const key = limitKey(limit, tool.name, identity);
        if (seen.has(key)) continue;
        seen.add(key);
        const used = sources.limits.used ? await sources.limits.used(key, windowMs(limit.window), now) : NaN;
        counts.push({ who: identity, used, max: limit.max, full: used >= limit.max });
      }
      if (counts.length > 0) views.push({ tool: tool.name, rule: describeLimit(limit), at: limit.at, counts });
    }
  }
  return views;
}

export function auditView(sources: ConsoleSources, filter: AuditFilter): AuditView {
  const files = auditFiles(sources.auditPath);
  let verify: AuditView['verify'];
  try {
    verify = verifyAudit(files);
  } catch (error) {
    verify = { ok: false, records: 0, files, error: (error as Error).message };
  }
  const records: AuditRecord[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as AuditRecord);
      } catch {
        // an unreadable line is what verification reports
      }
    }
  }
  const distinct = (pick: (r: AuditRecord) => string): string[] => [...new Set(records.map(pick))].sort();
  const matching = records.filter(
    (r) =>
      (!filter.tool || r.tool === filter.tool) && (!filter.identity || r.identity === filter.identity) && (!filter.outcome || r.decision === filter.outcome),
  );
  const rows = matching
    .slice(-AUDIT_ROWS)
    .reverse()
    .map((r) => ({ ...r, outcomeClass: r.event === 'outcome' ? (r.decision === 'ok' ? 'ok' : 'bad') : 'decision' }));
  return {
    verify,
    rows,
    matched: matching.length,
    tools: distinct((r) => r.tool),
    identities: distinct((r) => r.identity),
    decisions: distinct((r) => r.decision),
  };
}

export function grantList(sources: ConsoleSources): { id: string; readOnly: boolean; toolsets: string; tools: string }[] {
  return sources.grants.all().map((g) => ({
    id: g.id,
    readOnly: g.read_only === true,
    toolsets: g.toolsets ? g.toolsets.join(', ') : 'all',
    tools: g.tools ? Object.keys(g.tools).join(', ') : '',
  }));
}
