/**
 * The policy engine: every tools/call, generated or plugin, takes this one path before anything
 * reaches QuantConnect: availability -> arguments -> lockdown -> rules -> server-side secrets ->
 * human confirmation -> limits -> handler. Each call ends in exactly one audit outcome record;
 * decisions along the way (confirmation asked, human accepted or declined, approval used) are
 * recorded too, under the same call id.
 */
import { randomUUID } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  inputResponse,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolRequest,
  type CallToolResult,
  type InputRequiredResult,
  type RequestStateCodec,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { META_BACKEND } from '../qc/api-tools.js';
import type { ResolvedGrant } from '../http/grants.js';
import { errorResult, okResult, ToolError, type ResultMeta } from '../runtime/results.js';
import type { Runtime } from '../runtime/server.js';
import type { ToolContext } from '../runtime/tool.js';
import { matches, type ApprovalStore } from './approvals.js';
import type { AuditFields, AuditLog } from './audit.js';
import { argsHash, atPath } from './canonical.js';
import { confirmationSummary, confirmSchema } from './confirm.js';
import { LimitStateError, type LimitRequest, type LimitStore } from './limits.js';
import type { LockdownSwitch } from './lockdown.js';
import type { LimitRef } from './resolve.js';
import { firstDenial } from './rules.js';
import { WINDOWS } from './schema.js';
import { redact, type Secrets } from './secrets.js';

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
async function lockdownOn(services: PolicyServices): Promise<boolean> {
  try {
    return await services.lockdown.isOn();
  } catch {
    return true;
  }
}

/**
 * Whether the client declared form elicitation (a bare `elicitation: {}` counts, as the spec's
 * pre-mode rule says): from initialize on the 2025 era, from the request's envelope on 2026-07-28.
 */
function canElicit(server: Server, ctx: ServerContext): boolean {
  const fromEnvelope = (ctx.mcpReq.envelope as Record<string, { elicitation?: unknown } | undefined> | undefined)?.[CLIENT_CAPABILITIES_META_KEY];
  const capabilities = (fromEnvelope ?? server.getClientCapabilities()) as { elicitation?: unknown } | undefined;
  const elicitation = capabilities?.elicitation as Record<string, unknown> | undefined;
  if (!elicitation) return false;
  return Object.keys(elicitation).length === 0 || 'form' in elicitation;
}

export function limitKey(limit: LimitRef, tool: string, identity: string): string {
  const base = limit.counter ?? (limit.scope === 'global' ? limit.at : `${limit.at}@${tool}`);
  return limit.scope === 'identity' ? `${base}#${identity}` : base;
}

function describeLimit(limit: LimitRef): string {
  const unit = limit.increment_from ? `${limit.increment_from} in total` : 'calls';
  const scope = limit.scope === 'identity' ? ' for each caller' : limit.scope === 'tool' ? ' for everyone' : ' across tools';
  return `at most ${limit.max} ${unit} per ${limit.window}${scope}`;
}

/** Where an operator decides an approval: the console (the only way for bundle users) or the CLI, as written in the README's set-up. */
export function approvalHow(id: string, consoleUrl: string | undefined): string {
  const where = consoleUrl ? `in the operator console at ${consoleUrl}/approvals/${id}` : 'in the operator console (`npx quantconnect-mcp console`)';
  return `${where}, or with \`npx quantconnect-mcp approve ${id}\` (or \`npx quantconnect-mcp deny ${id}\`) in the server's folder`;
}

export async function handleToolCall(
  runtime: Runtime,
  server: Server,
  caller: { identity: string; grant?: ResolvedGrant },
  request: CallToolRequest,
  ctx: ServerContext,
): Promise<CallToolResult | InputRequiredResult> {
  const { identity } = caller;
  const { registry, policy: services, settings } = runtime;
  const { name } = request.params;
  const found = registry.lookup(name, caller.grant);
  if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
  const tool = found.tool;
  const rawArgs = (request.params.arguments ?? {}) as Record<string, unknown>;
  const hash = argsHash(rawArgs);
  const echoed = ctx.mcpReq.requestState<ConfirmState>();
  const resumed = typeof echoed === 'object' && echoed !== null && echoed.tool === name && echoed.args === hash && echoed.identity === identity ? echoed : undefined;
  const callId = resumed?.call ?? randomUUID();
  const meta: ResultMeta = { [META_BACKEND]: settings.backend };
  const base: Omit<AuditFields, 'event' | 'decision'> = {
    call_id: callId, identity, tool: name, risk: tool.risk, severity: tool.severity, args_sha256: hash, arg_keys: Object.keys(rawArgs).sort(),
  };
  const scrub = (text: string): string => services.secrets.scrub(text);
  const decision = (what: string, extra: Partial<AuditFields> = {}) => services.audit.append({ ...base, event: 'decision', decision: what, ...extra });
  const outcome = (what: string, extra: Partial<AuditFields>, result: CallToolResult): CallToolResult => {
    services.audit.append({ ...base, event: 'outcome', decision: what, ...extra });
    return result;
  };
  const refuse = (message: string, rule: string | null, extra: Partial<AuditFields> = {}) =>
    outcome('denied', { rule, ...extra }, errorResult(message, undefined, meta));

  if (!found.available) return refuse(found.reason, found.rule);
  const parsed = tool.parse(rawArgs);
  if (!parsed.ok) return outcome('invalid', { error: parsed.problems.join('; ') }, errorResult(`Invalid arguments for ${name}: ${parsed.problems.join('; ')}`, undefined, meta));
  const args = parsed.value;
  const policy = found.policy;

  if (tool.severity === 'critical' && (await lockdownOn(services))) {
    return refuse(`The operator has locked this server down: ${name} and every other critical tool are refused until the lockdown is lifted. Nothing was sent.`, 'lockdown');
  }
  const rule = firstDenial(policy.rules, args);
  if (rule) return refuse(`Refused by the server's policy: ${rule.deny} Nothing was sent.`, rule.at);

  // Named server-side credentials are resolved now (a bad name fails before anyone is asked);
  // the filled arguments go upstream only, never into summaries, logs or the audit.
  let filled: Record<string, unknown>;
  try {
    filled = services.secrets.fill(args).args;
  } catch (error) {
    if (error instanceof ToolError) return outcome('invalid', { error: error.message }, errorResult(error.message, undefined, meta));
    throw error;
  }

  let approvalId: string | null = null;
  try {
    const early = await confirmation();
    if (early) return early;
  } catch (error) {
    return refuse(
      `${name} needs a human's confirmation, but the server cannot reach its approval state, so it is refused (failing closed). Nothing was sent.`,
      'state/approvals',
      { error: (error as Error).message },
    );
  }

  /** Asks, checks or records the human's decision; returns a result when the call must stop here. */
  async function confirmation(): Promise<CallToolResult | InputRequiredResult | undefined> {
    if (policy.confirm.value) {
      const now = services.now();
      if (resumed) {
        const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
        const accepted = answer.kind === 'elicit' && answer.action === 'accept' && answer.content?.confirm === true;
        if (!accepted) {
          const how = answer.kind === 'elicit' ? (answer.action === 'cancel' ? 'cancelled' : 'declined') : 'did not answer';
          decision('human_declined', { rule: policy.confirm.at });
          return refuse(`The human ${how} ${name}. Nothing was sent to QuantConnect. Ask the user before trying again.`, policy.confirm.at);
        }
        decision('human_accepted', { rule: policy.confirm.at });
      } else {
        const approved = await services.approvals.consume(name, hash, identity, now);
        if (approved) {
          approvalId = approved.id;
          decision('approval_used', { rule: policy.confirm.at, approval_id: approved.id });
        } else if (canElicit(server, ctx)) {
          const summary = await confirmationSummary(tool, args, runtime.qc);
          decision('confirmation_requested', { rule: policy.confirm.at });
          return inputRequired({
            inputRequests: { confirm: inputRequired.elicit({ message: summary, requestedSchema: confirmSchema() }) },
            requestState: await services.codec.mint({ tool: name, args: hash, call: callId, identity }),
          });
        } else {
          const denied = (await services.approvals.list(now)).find((a) => a.status === 'denied' && !a.expired && matches(a, name, hash, identity));
          if (denied) return refuse(`The operator denied this exact ${name} call (approval ${denied.id}). Do not retry it; ask the user what to do instead.`, policy.confirm.at, { approval_id: denied.id });
          const pending =
            (await services.approvals.pending(name, hash, identity, now)) ??
            (await services.approvals.create(
              { tool: name, args_sha256: hash, identity, summary: await confirmationSummary(tool, args, runtime.qc), args: redact(args) as Record<string, unknown> },
              runtime.registry.operatorConfig.approvalTtlS * 1000,
              now,
            ));
          decision('approval_pending', { rule: policy.confirm.at, approval_id: pending.id });
          return refuse(
            `${name} needs a human's confirmation, and this client cannot ask for it. Nothing was sent. ` +
              `Ask the operator to approve or deny ${pending.id}: ${approvalHow(pending.id, services.consoleUrl)}, ` +
              `then call ${name} again with exactly the same arguments. The approval works once and expires at ${new Date(pending.expires).toISOString()}.`,
            policy.confirm.at,
            { approval_id: pending.id },
          );
        }
      }
    }
    return undefined;
  }

  let token: string | undefined;
  if (policy.limits.length > 0) {
    const requests: LimitRequest[] = [];
    for (const limit of policy.limits) {
      let amount = 1;
      if (limit.increment_from) {
        const value = atPath(args, limit.increment_from);
        amount = value === undefined || value === null ? 0 : Math.abs(Number(value));
        if (!Number.isFinite(amount)) return refuse(`${limit.increment_from} must be a number: the server's policy counts it.`, limit.at, { approval_id: approvalId });
      }
      requests.push({ key: limitKey(limit, name, identity), amount, max: limit.max, windowMs: WINDOWS[limit.window] });
    }
    try {
      const reservation = await services.limits.reserve(requests, services.now());
      if (!reservation.ok) {
        const limit = policy.limits[reservation.index] as LimitRef;
        return refuse(
          `Rate limit reached for ${name}: ${describeLimit(limit)}. Try again in ${Math.ceil(reservation.retryAfterMs / 1000)} s. Nothing was sent.`,
          limit.at,
          { approval_id: approvalId },
        );
      }
      token = reservation.token;
    } catch (error) {
      if (!(error instanceof LimitStateError)) throw error;
      return refuse(
        `The server cannot read its rate-limit state, so limited tools are refused until an operator fixes it. Nothing was sent.`,
        'state/limits',
        { error: error.message, approval_id: approvalId },
      );
    }
  }

  const progressToken = ctx.mcpReq._meta?.progressToken;
  const toolCtx: ToolContext = {
    signal: ctx.mcpReq.signal,
    identity,
    qc: runtime.qc,
    settings,
    state: runtime.pluginState,
    availability: (other) => {
      const found = registry.lookup(other, caller.grant);
      if (!found) return { available: false, reason: `${other} is not a tool of this server`, rule: 'registry' };
      return found.available ? { available: true } : { available: false, reason: found.reason, rule: found.rule };
    },
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message ? { message: scrub(message) } : {}) },
      });
    },
  };
  const started = performance.now();
  try {
    const result = await tool.handler(filled, toolCtx);
    const latency = Math.round((performance.now() - started) * 100) / 100;
    const ok = okResult(result.structured, { ...meta, ...result.meta }, result.text, result.content);
    return outcome('ok', { approval_id: approvalId, upstream_status: result.upstreamStatus ?? null, latency_ms: latency }, server.projectCallToolResult(ok, tool.outputSchema));
  } catch (error) {
    if (token) await services.limits.release(token).catch(() => {});
    const latency = Math.round((performance.now() - started) * 100) / 100;
    if (error instanceof ToolError) {
      const message = scrub(error.message);
      return outcome('error', { approval_id: approvalId, upstream_status: error.upstreamStatus ?? null, latency_ms: latency, error: message }, errorResult(message, error.details, meta));
    }
    services.audit.append({ ...base, event: 'outcome', decision: 'error', approval_id: approvalId, latency_ms: latency, error: scrub(`internal error: ${(error as Error).message}`) });
    throw error;
  }
}
