/**
 * The call pipeline. Every tools/call, generated or plugin, direct or made by another tool through
 * `ctx.call`, takes the same steps before anything reaches QuantConnect:
 *   lookup -> available -> parse -> decide -> secrets -> confirm -> reserve -> invoke -> audit.
 * Each call ends in exactly one audit outcome record; decisions on the way (confirmation asked,
 * accepted or declined, approval used) are recorded under the same call id, and a call made by
 * another tool carries its parent's call id.
 */
import { randomUUID } from 'node:crypto';
import {
  ProtocolError,
  ProtocolErrorCode,
  type CallToolRequest,
  type CallToolResult,
  type InputRequiredResult,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { META_BACKEND } from '../api/api-tools.js';
import { windowMs } from '../config/policy-schema.js';
import { argsHash, atPath, MAX_ARGUMENT_DEPTH, nestingDepth } from '../policy/canonical.js';
import { LimitStateError, type LimitRequest } from '../policy/limits.js';
import type { LimitRef } from '../policy/resolve.js';
import { firstDenial } from '../policy/rules.js';
import { describeLimit, limitKey, lockdownOn, type ConfirmState } from '../policy/services.js';
import { errorResult, okResult, ToolError } from '../tool/results.js';
import type { ToolContext, ToolReturn } from '../tool/tool.js';
import { audit, outcome, refuse, type Caller, type CallState, type ParentCall } from './call-state.js';
import { askConfirmation, confirmationsNeeded } from './confirm.js';
import type { Availability } from './registry.js';
import { JOBS_URI, type JobContext, JobLimitError, jobStore } from '../tool/jobs.js';
import { publishFiles } from './exports.js';
import { holdToBudget } from './result-budget.js';
import { resultStore } from './result-store.js';
import type { Runtime } from './runtime.js';

/** Toolsets whose direct results are held to the result budget (result-budget.ts). */
const BUDGETED_TOOLSETS = new Set(['research', 'portfolio', 'universe', 'studies']);

type Stop = CallToolResult | InputRequiredResult;
type Finished = { stop: Stop } | { done: ToolReturn };

/** tools/call: the whole pipeline for a direct call, answered as MCP expects. */
export async function handleToolCall(runtime: Runtime, server: Server, caller: Caller, request: CallToolRequest, ctx: ServerContext): Promise<Stop> {
  const found = lookup(runtime, caller, request.params.name);
  if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
  const state = begin(runtime, server, caller, ctx, found, (request.params.arguments ?? {}) as Record<string, unknown>, undefined);
  const finished = await run(state);
  if ('stop' in finished) return finished.stop;
  const held = BUDGETED_TOOLSETS.has(state.tool.toolset) ? holdToBudget(state.tool.name, finished.done, resultStore, caller.identity) : finished.done;
  const done = publishFiles(held, resultStore, caller.identity);
  return server.projectCallToolResult(okResult(done.structured, { ...state.meta, ...done.meta }, done.text, done.content), state.tool.outputSchema);
}

/** A call made under another (ctx.call, or the confirm step's lookups): the same pipeline; refusals and errors throw ToolError. */
async function innerCall(
  parent: CallState,
  name: string,
  args: Record<string, unknown>,
  options: { progress?: boolean; timeoutMs?: number },
): Promise<ToolReturn> {
  const found = lookup(parent.runtime, parent.caller, name);
  if (!found) throw new ToolError(`${parent.tool.name} needs ${name}, which is not a tool of this server.`);
  const signal = parent.parent?.signal ?? parent.ctx.mcpReq.signal;
  const from: ParentCall = {
    callId: parent.callId,
    tool: parent.tool.name,
    confirmed: parent.confirmed,
    signal: options.timeoutMs ? AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]) : signal,
    progress: options.progress ? progressOf(parent) : undefined,
  };
  const finished = await run(begin(parent.runtime, parent.server, parent.caller, parent.ctx, found, args, from));
  if ('done' in finished) return finished.done;
  const stop = finished.stop as CallToolResult;
  const text = stop.content?.map((c) => (c.type === 'text' ? c.text : '')).join(' ') ?? '';
  throw new ToolError(`${parent.tool.name} stopped at ${name}: ${text}`, stop.structuredContent as Record<string, unknown> | undefined);
}

/**
 * A call the server makes on its own behalf (the live guard): the whole pipeline, with no client to
 * ask; a refusal or an error throws ToolError carrying the result's text and structured content.
 */
export async function callInternally(
  runtime: Runtime,
  server: Server,
  caller: Caller,
  name: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<ToolReturn> {
  const found = lookup(runtime, caller, name);
  if (!found) throw new ToolError(`${name} is not a tool of this server.`);
  const ctx = {
    mcpReq: { signal, requestState: () => undefined, inputResponses: undefined, _meta: undefined, notify: async () => {} },
  } as unknown as ServerContext;
  const finished = await run(begin(runtime, server, caller, ctx, found, args, undefined));
  if ('done' in finished) return finished.done;
  const stop = finished.stop as CallToolResult;
  const text = stop.content?.map((c) => (c.type === 'text' ? c.text : '')).join(' ') ?? '';
  throw new ToolError(text, stop.structuredContent as Record<string, unknown> | undefined);
}

function lookup(runtime: Runtime, caller: Caller, name: string): Availability | undefined {
  return runtime.registry.lookup(name, caller.grant);
}

/** Whether another tool is served to this caller now: switched on, within the grant, and not denied by the operator's policy. */
function availabilityOf(state: CallState, name: string): ReturnType<ToolContext['availability']> {
  const found = lookup(state.runtime, state.caller, name);
  if (!found) return { available: false, reason: `${name} is not a tool of this server`, rule: 'registry' };
  if (!found.available) return { available: false, reason: found.reason, rule: found.rule };
  const denied = found.policy.denied;
  return denied ? { available: false, reason: denied.value, rule: denied.at } : { available: true };
}

function begin(
  runtime: Runtime,
  server: Server,
  caller: Caller,
  ctx: ServerContext,
  found: Availability,
  rawArgs: Record<string, unknown>,
  parent: ParentCall | undefined,
): CallState {
  const hash = argsHash(rawArgs);
  const echoed = parent ? undefined : ctx.mcpReq.requestState<ConfirmState>();
  const resumed =
    typeof echoed === 'object' && echoed !== null && echoed.tool === found.tool.name && echoed.args === hash && echoed.identity === caller.identity;
  const state: CallState = {
    runtime,
    server,
    caller,
    ctx,
    found,
    tool: found.tool,
    rawArgs,
    args: {},
    filled: {},
    hash,
    parent,
    callId: resumed ? echoed.call : randomUUID(),
    resumed,
    confirmed: new Set(),
    approvalId: null,
    token: undefined,
    meta: { [META_BACKEND]: runtime.settings.backend },
    call: (name, args, options = {}) => innerCall(state, name, args, options),
  };
  return state;
}

/** The steps in order; the first that stops the call answers it, and every answer is audited. */
async function run(state: CallState): Promise<Finished> {
  const stop = available(state) ?? parse(state) ?? (await decide(state)) ?? secrets(state) ?? (await confirm(state)) ?? (await reserve(state));
  return stop ? { stop } : invoke(state);
}

function parse(state: CallState): Stop | undefined {
  if (nestingDepth(state.rawArgs, MAX_ARGUMENT_DEPTH) > MAX_ARGUMENT_DEPTH) {
    const problem = `arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels`;
    return outcome(
      state,
      'invalid',
      { error: problem },
      errorResult(`Invalid arguments for ${state.tool.name}: ${problem}. Nothing was sent.`, undefined, state.meta),
    );
  }
  const parsed = state.tool.parse(state.rawArgs);
  if (parsed.ok) {
    state.args = parsed.value;
    return undefined;
  }
  const problems = parsed.problems.join('; ');
  return outcome(state, 'invalid', { error: problems }, errorResult(`Invalid arguments for ${state.tool.name}: ${problems}`, undefined, state.meta));
}

/** Whether the tool is served to this caller at all (switched on, not hidden, within the caller's grant). */
function available(state: CallState): Stop | undefined {
  const { found } = state;
  if (!found.available && !preauthorisedFor(state)) return refuse(state, found.reason, found.rule);
  const denied = found.policy.denied;
  return denied ? refuse(state, `Refused by the server's policy: ${denied.value} Nothing was sent.`, denied.at) : undefined;
}

/** The guard section's pointer when the operator's guard pre-authorised this tool for this caller. */
function preauthorisedFor(state: CallState): string | undefined {
  const pre = state.caller.preauthorised;
  return pre?.tools.has(state.tool.name) ? pre.at : undefined;
}

/** The availability of every tool it calls, lockdown, and the operator's argument rules. */
async function decide(state: CallState): Promise<Stop | undefined> {
  const { found, tool } = state;
  for (const name of tool.calls ?? []) {
    const inner = availabilityOf(state, name);
    if (!inner.available)
      return refuse(state, `${tool.name} is refused because ${name} is not available: ${inner.reason} (${inner.rule}). Nothing was sent.`, inner.rule);
  }
  if (tool.severity === 'critical' && !preauthorisedFor(state) && (await lockdownOn(state.runtime.policy))) {
    return refuse(
      state,
      `The operator has locked this server down: ${tool.name} and every other critical tool are refused until the lockdown is lifted. Nothing was sent.`,
      'lockdown',
    );
  }
  const rule = firstDenial(found.policy.rules, state.args);
  return rule ? refuse(state, `Refused by the server's policy: ${rule.deny} Nothing was sent.`, rule.at) : undefined;
}

/** Named server-side credentials, resolved now: the filled arguments go upstream only, never into summaries, logs or the audit. */
function secrets(state: CallState): Stop | undefined {
  try {
    state.filled = state.runtime.policy.secrets.fill(state.args).args;
    return undefined;
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    return outcome(state, 'invalid', { error: error.message }, errorResult(error.message, undefined, state.meta));
  }
}

/** A human's confirmation, where the policy asks for it for this tool or any tool it calls. */
async function confirm(state: CallState): Promise<Stop | undefined> {
  const needed = confirmationsNeeded(state);
  if (needed.length === 0) return undefined;
  const guard = preauthorisedFor(state);
  if (guard) {
    audit(state, 'preauthorised', { rule: guard }, 'decision');
    return undefined;
  }
  try {
    return await askConfirmation(state, needed);
  } catch (error) {
    return refuse(
      state,
      `${state.tool.name} needs a human's confirmation, but the server cannot reach its approval state, so it is refused (failing closed). Nothing was sent.`,
      'state/approvals',
      { error: (error as Error).message },
    );
  }
}

/** Rate limits: reserved before anything is sent, released if the call fails. */
async function reserve(state: CallState): Promise<Stop | undefined> {
  const { limits } = state.found.policy;
  if (limits.length === 0) return undefined;
  const requests: LimitRequest[] = [];
  for (const limit of limits) {
    let amount = 1;
    if (limit.increment_from) {
      const value = atPath(state.args, limit.increment_from);
      amount = value === undefined || value === null ? 0 : Math.abs(Number(value));
      if (!Number.isFinite(amount)) return refuse(state, `${limit.increment_from} must be a number: the server's policy counts it.`, limit.at);
    }
    requests.push({ key: limitKey(limit, state.tool.name, state.caller.identity), amount, max: limit.max, windowMs: windowMs(limit.window) });
  }
  const { policy } = state.runtime;
  try {
    const reservation = await policy.limits.reserve(requests, policy.now());
    if (!reservation.ok) {
      const limit = limits[reservation.index] as LimitRef;
      const wait = Math.ceil(reservation.retryAfterMs / 1000);
      return refuse(state, `Rate limit reached for ${state.tool.name}: ${describeLimit(limit)}. Try again in ${wait} s. Nothing was sent.`, limit.at);
    }
    state.token = reservation.token;
    return undefined;
  } catch (error) {
    if (!(error instanceof LimitStateError)) throw error;
    return refuse(
      state,
      `The server cannot read its rate-limit state, so limited tools are refused until an operator fixes it. Nothing was sent.`,
      'state/limits',
      { error: error.message },
    );
  }
}

/** The handler itself, with the context a tool sees; its outcome is audited with latency and upstream status. */
async function invoke(state: CallState, job?: JobContext): Promise<Finished> {
  if (!job && !state.parent && state.args.background === true) return startJob(state);
  const { policy } = state.runtime;
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 100) / 100;
  try {
    const done = await state.tool.handler(state.filled, { ...toolContext(state), ...job });
    audit(state, 'ok', { upstream_status: done.upstreamStatus ?? null, latency_ms: latency() });
    return { done };
  } catch (error) {
    if (state.token) await policy.limits.release(state.token).catch(() => {});
    if (!(error instanceof ToolError)) {
      audit(state, 'error', { latency_ms: latency(), error: policy.secrets.scrub(`internal error: ${(error as Error).message}`) });
      throw error;
    }
    const message = policy.secrets.scrub(error.message);
    const result = errorResult(
      message,
      error.details,
      state.meta,
      scrubbedStructured(error.structured, (text) => policy.secrets.scrub(text)),
    );
    return { stop: outcome(state, 'error', { upstream_status: error.upstreamStatus ?? null, latency_ms: latency(), error: message }, result) };
  }
}

/**
 * `background: true` (tools that declare it): the call runs as a job of the caller's identity under its
 * own signal, its progress kept by the job; the answer is the job id (src/tool/jobs.ts, wait_for_job).
 */
function startJob(state: CallState): Finished {
  try {
    const job = jobStore.start(state.caller.identity, state.tool.name, async (ctx) => {
      const finished = await invoke(state, ctx);
      if ('stop' in finished) throw new Error((finished.stop as CallToolResult).content?.map((c) => (c.type === 'text' ? c.text : '')).join(' ') || 'failed');
      return BUDGETED_TOOLSETS.has(state.tool.toolset) ? holdToBudget(state.tool.name, finished.done, resultStore, state.caller.identity) : finished.done;
    });
    audit(state, 'background', { job_id: job.id }, 'decision');
    return {
      done: {
        structured: { job_id: job.id, status: job.status },
        text: `Started job ${job.id}: wait_for_job with this job_id gives progress and the result (resource ${JOBS_URI}${job.id}).`,
      },
    };
  } catch (error) {
    if (!(error instanceof JobLimitError)) throw error;
    if (state.token) void state.runtime.policy.limits.release(state.token).catch(() => {});
    return { stop: outcome(state, 'error', { error: error.message }, errorResult(error.message, undefined, state.meta)) };
  }
}

/** QuantConnect's {success: false, errors} for the isError result's structured content, secrets scrubbed. */
function scrubbedStructured(structured: Record<string, unknown> | undefined, scrub: (text: string) => string): Record<string, unknown> | undefined {
  if (!structured) return undefined;
  const errors = Array.isArray(structured.errors) ? structured.errors.map((e) => scrub(String(e))) : structured.errors;
  return { ...structured, errors };
}

function toolContext(state: CallState): ToolContext {
  const { runtime } = state;
  return {
    signal: state.parent?.signal ?? state.ctx.mcpReq.signal,
    identity: state.caller.identity,
    qc: runtime.qc,
    settings: runtime.settings,
    state: runtime.pluginState,
    availability: (other) => availabilityOf(state, other),
    progress: state.parent ? (state.parent.progress ?? (async () => {})) : progressOf(state),
    call: async (name, args, options = {}) => {
      if (!state.tool.calls?.includes(name)) throw new Error(`${state.tool.name} calls ${name}, which its declaration does not list in \`calls\``);
      return innerCall(state, name, args, options);
    },
  };
}

/** Progress notifications to the client, when it asked for them (scrubbed of secrets). */
function progressOf(state: CallState): ToolContext['progress'] {
  if (state.parent) return state.parent.progress ?? (async () => {});
  const token = state.ctx.mcpReq._meta?.progressToken;
  return async (progress, total, message) => {
    if (token === undefined) return;
    const text = message ? { message: state.runtime.policy.secrets.scrub(message) } : {};
    await state.ctx.mcpReq.notify({
      method: 'notifications/progress',
      params: { progressToken: token, progress, ...(total === undefined ? {} : { total }), ...text },
    });
  };
}
