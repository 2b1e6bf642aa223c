/**
 * One call on its way through the pipeline (src/server/call.ts), and the audit records and
 * refusals every step writes the same way.
 */
import type { CallToolResult, Server, ServerContext } from '@modelcontextprotocol/server';
import type { AuditFields } from '../policy/audit.js';
import type { ResolvedGrant } from '../policy/grants.js';
import { errorResult, type ResultMeta } from '../tool/results.js';
import type { ToolContext, ToolDefinition, ToolReturn } from '../tool/tool.js';
import type { Availability } from './registry.js';
import type { Runtime } from './runtime.js';

export interface Caller {
  identity: string;
  grant?: ResolvedGrant;
  /**
   * Set only in code, by the live guard (src/server/guard.ts), never from a request: the operator's
   * `guard:` section (at) pre-authorises these tools, so they run without a human's confirmation and
   * whether or not their toolset is switched on for agents.
   */
  preauthorised?: { at: string; tools: ReadonlySet<string> };
}

/** What a call made by another tool inherits from it. */
export interface ParentCall {
  callId: string;
  tool: string;
  /** The tools whose confirmation the parent's human confirmation covered. */
  confirmed: ReadonlySet<string>;
  signal: AbortSignal;
  progress: ToolContext['progress'] | undefined;
}

/** One call on its way through the pipeline. */
export interface CallState {
  runtime: Runtime;
  server: Server;
  caller: Caller;
  /** The MCP request context: elicitation, request state, progress and cancellation of the direct call. */
  ctx: ServerContext;
  found: Availability;
  tool: ToolDefinition;
  rawArgs: Record<string, unknown>;
  args: Record<string, unknown>;
  filled: Record<string, unknown>;
  hash: string;
  callId: string;
  /** Set when this call answers a confirmation this server asked for. */
  resumed: boolean;
  parent: ParentCall | undefined;
  confirmed: Set<string>;
  approvalId: string | null;
  token: string | undefined;
  meta: ResultMeta;
  /** Runs another tool through the pipeline under this call (refusals and errors throw ToolError). */
  call: (name: string, args: Record<string, unknown>, options?: { timeoutMs?: number }) => Promise<ToolReturn>;
}

/** One audit record for this call (decisions and the outcome share its call id). */
export function audit(state: CallState, decision: string, extra: Partial<AuditFields> = {}, event: AuditFields['event'] = 'outcome'): void {
  const { tool } = state;
  state.runtime.policy.audit.append({
    call_id: state.callId,
    identity: state.caller.identity,
    tool: tool.name,
    risk: tool.risk,
    severity: tool.severity,
    args_sha256: state.hash,
    arg_keys: Object.keys(state.rawArgs).sort(),
    ...(state.parent ? { parent_call_id: state.parent.callId } : {}),
    event,
    decision,
    ...(event === 'outcome' ? { approval_id: state.approvalId } : {}),
    ...extra,
  });
}

export function outcome(state: CallState, decision: string, extra: Partial<AuditFields>, result: CallToolResult): CallToolResult {
  audit(state, decision, extra);
  return result;
}

/** A refusal by policy: an isError result the agent can act on, and its audit record. */
export function refuse(state: CallState, message: string, rule: string | null, extra: Partial<AuditFields> = {}): CallToolResult {
  return outcome(state, 'denied', { rule, ...extra }, errorResult(message, undefined, state.meta));
}
