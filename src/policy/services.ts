/**
 * The policy's stores and clock, as the call pipeline receives them, and the pure decisions it asks
 * of them: whether lockdown holds, and how a limit is keyed and described.
 */
import type { RequestStateCodec } from '@modelcontextprotocol/server';
import type { ApprovalStore } from './approvals.js';
import type { AuditLog } from './audit.js';
import type { LimitStore } from './limits.js';
import type { LockdownSwitch } from './lockdown.js';
import type { LimitRef } from './resolve.js';
import type { Secrets } from './secrets.js';

/** Where limits, approvals and lockdown live: the state directory (files) or Redis (replicas). */
export interface PolicyState {
  kind: 'files' | 'redis';
  limits: LimitStore;
  approvals: ApprovalStore;
  lockdown: LockdownSwitch;
  close: () => Promise<void>;
}

/** What a confirmation request carries back (HMAC'd by the codec): the exact call it is for. */
export interface ConfirmState {
  tool: string;
  args: string;
  call: string;
  identity: string;
}

export interface PolicyServices {
  audit: AuditLog;
  limits: LimitStore;
  approvals: ApprovalStore;
  lockdown: LockdownSwitch;
  secrets: Secrets;
  stateDir: string;
  now: () => number;
  codec: RequestStateCodec<ConfirmState>;
  /** The operator console's address when this process serves one (serve --console): refusals link to the approval there. */
  consoleUrl?: string;
}

/** Lockdown fails closed: if the switch cannot be read, critical tools are treated as locked down. */
export async function lockdownOn(services: PolicyServices): Promise<boolean> {
  try {
    return await services.lockdown.isOn();
  } catch {
    return true;
  }
}

/** The counter a limit uses: shared by name, per tool, or per caller. */
export function limitKey(limit: LimitRef, tool: string, identity: string): string {
  const base = limit.counter ?? (limit.scope === 'global' ? limit.at : `${limit.at}@${tool}`);
  return limit.scope === 'identity' ? `${base}#${identity}` : base;
}

/** Where an operator decides an approval: the console (the only way for bundle users) or the CLI, as written in the README's set-up. */
export function approvalHow(id: string, consoleUrl: string | undefined): string {
  const where = consoleUrl ? `in the operator console at ${consoleUrl}/approvals/${id}` : 'in the operator console (`npx quantconnect-mcp console`)';
  return `${where}, or with \`npx quantconnect-mcp approve ${id}\` (or \`npx quantconnect-mcp deny ${id}\`) in the server's folder`;
}

export function describeLimit(limit: LimitRef): string {
  const unit = limit.increment_from ? `${limit.increment_from} in total` : 'calls';
  const scope = limit.scope === 'identity' ? ' for each caller' : limit.scope === 'tool' ? ' for everyone' : ' across tools';
  return `at most ${limit.max} ${unit} per ${typeof limit.window === 'number' ? `${limit.window} s` : limit.window}${scope}`;
}
