/**
 * The confirm step of the call pipeline: which confirmations a call needs (its own and those of
 * the tools it calls), asking the human (elicitation, or an out-of-band approval for clients that
 * cannot ask), and what the human sees: a plain summary of exactly what will happen (tool, project
 * id and name, brokerage, node, parameters, worst case). Secrets are redacted.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  inputResponse,
  type CallToolResult,
  type InputRequiredResult,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { matches } from '../policy/approvals.js';
import { approvalHow } from '../policy/services.js';
import { redact } from '../policy/secrets.js';
import type { ToolDefinition } from '../tool/tool.js';
import { audit, refuse, type CallState } from './call-state.js';

const WORST_CASE: Record<string, string> = {
  create_live_algorithm: 'starts an algorithm that places orders with the brokerage until someone stops it',
  liquidate_live_algorithm: 'sells or covers every holding of the live algorithm at market prices and stops it',
  create_live_command: 'sends a command to a running live algorithm; an order command trades immediately',
  broadcast_live_command: 'sends the command to every running live algorithm of the organization at once',
  stop_live_algorithm: 'stops a live algorithm; open positions stay open and unmanaged',
  delete_project: 'permanently deletes the project, its files, backtests and history',
  delete_file: 'permanently deletes the file',
  delete_backtest: 'permanently deletes the backtest and its results',
  delete_optimization: 'permanently deletes the optimization and its results',
  delete_object: 'permanently deletes the Object Store file',
  delete_project_collaborator: "removes the collaborator's access to the project",
};

const RISK_WORST_CASE: Record<string, string> = {
  financial: 'moves real money',
  destructive: 'deletes data permanently',
  execute: 'starts work that may cost QuantConnect credits',
  write: 'changes your QuantConnect account',
  read: 'reads data only',
};

export function worstCase(tool: ToolDefinition): string {
  return WORST_CASE[tool.name] ?? RISK_WORST_CASE[tool.risk] ?? 'unknown';
}

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Looks up a project's name for the summary; undefined when it cannot be told within a second. */
export type ProjectNamer = (projectId: number) => Promise<string | undefined>;

const PAPER = new Set(['QuantConnectBrokerage', 'PaperBrokerage']);

/** Where the call's orders would go, said plainly: the sandbox, paper trading, or a brokerage with real money. */
export function environmentLine(backend: 'quantconnect' | 'sandbox', brokerageId: unknown): string {
  if (backend === 'sandbox') return 'Environment: the sandbox (simulated; nothing reaches QuantConnect or a brokerage, no money moves).';
  if (typeof brokerageId === 'string') {
    return PAPER.has(brokerageId)
      ? `Environment: QuantConnect paper trading (${brokerageId}: simulated fills, no real money).`
      : `Environment: REAL MONEY at ${brokerageId}, through QuantConnect.`;
  }
  return "Environment: QuantConnect, with the deployment's own brokerage (real money unless it is paper trading).";
}

export async function confirmationSummary(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  projectName?: ProjectNamer,
  backend?: 'quantconnect' | 'sandbox',
): Promise<string> {
  const safe = redact(args) as Record<string, unknown>;
  const lines = [`Run ${tool.name} (${tool.title})? Risk: ${tool.risk}, severity: ${tool.severity}.`];
  if (safe.projectId !== undefined) {
    const name = projectName && tool.openWorld && typeof safe.projectId === 'number' ? await projectName(safe.projectId) : undefined;
    lines.push(`Project: ${show(safe.projectId)}${name ? ` "${name}"` : ''}`);
  }
  const brokerage = safe.brokerage as Record<string, unknown> | undefined;
  if (brokerage) {
    lines.push(`Brokerage: ${show(brokerage.id ?? '?')}${brokerage.credentials ? ` (server-side credentials "${show(brokerage.credentials)}")` : ''}`);
  }
  if (safe.nodeId !== undefined) lines.push(`Node: ${show(safe.nodeId)}`);
  else if (tool.name === 'create_live_algorithm') lines.push('Node: a free live node and the latest LEAN version, picked when the call runs');
  if (backend && (tool.risk === 'financial' || tool.toolset === 'live')) lines.push(environmentLine(backend, brokerage?.id));
  const rest = Object.entries(safe).filter(([k]) => !['projectId', 'brokerage', 'nodeId'].includes(k));
  if (rest.length > 0)
    lines.push(
      `Parameters: ${rest
        .map(([k, v]) => `${k}=${show(v)}`)
        .join(', ')
        .slice(0, 600)}`,
    );
  lines.push(`Worst case: ${worstCase(tool)}.`);
  return lines.join('\n');
}

/** The elicitation form: one boolean the human must set to run the call. */
export function confirmSchema() {
  return {
    type: 'object' as const,
    properties: {
      confirm: { type: 'boolean' as const, title: 'Run it', description: 'Tick to run exactly this call. Leave unticked, decline or cancel to refuse.' },
    },
    required: ['confirm'],
  };
}

/** A tool whose confirmation this call needs, and the rule that asks for it. */
export interface Needed {
  tool: string;
  at: string;
}

/** The call's own confirmation and that of every tool it calls (a workflow is confirmed once, for all of its steps). */
export function confirmationsNeeded(state: CallState): Needed[] {
  const needed: Needed[] = [];
  const own = state.found.policy.confirm;
  if (own.value) needed.push({ tool: state.tool.name, at: own.at });
  for (const name of state.tool.calls ?? []) {
    const inner = state.runtime.registry.lookup(name, state.caller.grant)?.policy.confirm;
    if (inner?.value) needed.push({ tool: name, at: inner.at });
  }
  return needed;
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

/** The summary a human decides on: this call, and the confirmed steps it will take. */
async function summaryOf(state: CallState, needed: Needed[]): Promise<string> {
  // The project's name comes from read_project, through the pipeline like any call (so its policy and audit apply).
  const namer: ProjectNamer = async (projectId) => {
    try {
      const read = await state.call('read_project', { projectId }, { timeoutMs: 1000 });
      return ((read.structured.projects ?? []) as { name?: string }[])[0]?.name;
    } catch {
      return undefined;
    }
  };
  const summary = await confirmationSummary(state.tool, state.args, namer, state.runtime.settings.backend);
  const steps = needed.filter((n) => n.tool !== state.tool.name).map((n) => n.tool);
  return steps.length === 0 ? summary : `${summary}\nThis one confirmation also covers the steps it takes: ${steps.join(', ')}.`;
}

/** Asks, checks or records the human's decision; returns a result when the call must stop here. */
export async function askConfirmation(state: CallState, needed: Needed[]): Promise<CallToolResult | InputRequiredResult | undefined> {
  const { runtime, tool, ctx, caller } = state;
  const name = tool.name;
  const at = (needed[0] as Needed).at;
  const decision = (what: string, extra: Record<string, unknown> = {}) => audit(state, what, { rule: at, ...extra }, 'decision');
  const cover = () => needed.forEach((n) => state.confirmed.add(n.tool));
  if (state.parent) {
    if (needed.every((n) => state.parent?.confirmed.has(n.tool))) return undefined;
    return refuse(state, `${name} needs a human's confirmation, which ${state.parent.tool} did not ask for. Nothing was sent.`, at);
  }
  const services = runtime.policy;
  const now = services.now();
  if (state.resumed) {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
    const accepted = answer.kind === 'elicit' && answer.action === 'accept' && answer.content?.confirm === true;
    if (!accepted) {
      const how = answer.kind === 'elicit' ? (answer.action === 'cancel' ? 'cancelled' : 'declined') : 'did not answer';
      decision('human_declined');
      return refuse(state, `The human ${how} ${name}. Nothing was sent to QuantConnect. Ask the user before trying again.`, at);
    }
    decision('human_accepted');
    cover();
    return undefined;
  }
  const approved = await services.approvals.consume(name, state.hash, caller.identity, now);
  if (approved) {
    state.approvalId = approved.id;
    decision('approval_used', { approval_id: approved.id });
    cover();
    return undefined;
  }
  if (canElicit(state.server, ctx)) {
    const summary = await summaryOf(state, needed);
    decision('confirmation_requested');
    return inputRequired({
      inputRequests: { confirm: inputRequired.elicit({ message: summary, requestedSchema: confirmSchema() }) },
      requestState: await services.codec.mint({ tool: name, args: state.hash, call: state.callId, identity: caller.identity }),
    });
  }
  const denied = (await services.approvals.list(now)).find((a) => a.status === 'denied' && !a.expired && matches(a, name, state.hash, caller.identity));
  if (denied)
    return refuse(state, `The operator denied this exact ${name} call (approval ${denied.id}). Do not retry it; ask the user what to do instead.`, at, {
      approval_id: denied.id,
    });
  const pending =
    (await services.approvals.pending(name, state.hash, caller.identity, now)) ??
    (await services.approvals.create(
      {
        tool: name,
        args_sha256: state.hash,
        identity: caller.identity,
        summary: await summaryOf(state, needed),
        args: redact(state.args) as Record<string, unknown>,
      },
      runtime.registry.operatorConfig.approvalTtlS * 1000,
      now,
    ));
  decision('approval_pending', { approval_id: pending.id });
  return refuse(
    state,
    `${name} needs a human's confirmation, and this client cannot ask for it. Nothing was sent. ` +
      `Ask the operator to approve or deny ${pending.id}: ${approvalHow(pending.id, services.consoleUrl)}, ` +
      `then call ${name} again with exactly the same arguments. The approval works once and expires at ${new Date(pending.expires).toISOString()}.`,
    at,
    { approval_id: pending.id },
  );
}
