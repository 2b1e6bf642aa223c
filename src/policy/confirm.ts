/**
 * What a human sees before confirming a call: a plain summary of exactly what will happen
 * (tool, project id and name, brokerage, node, parameters, worst case). Secrets are redacted.
 */
import type { QuantConnectClient } from '../qc/client.js';
import type { ToolDefinition } from '../runtime/tool.js';
import { redact } from './secrets.js';

const WORST_CASE: Record<string, string> = {
  create_live_algorithm: 'starts an algorithm that places real orders with the brokerage until someone stops it',
  liquidate_live_algorithm: 'sells or covers every holding of the live algorithm at market prices and stops it',
  create_live_command: 'sends a command to a running live algorithm; an order command trades immediately',
  broadcast_live_command: 'sends the command to every running live algorithm of the organization at once',
  stop_live_algorithm: 'stops a live algorithm; open positions stay open and unmanaged',
  delete_project: 'permanently deletes the project, its files, backtests and history',
  delete_file: 'permanently deletes the file',
  delete_backtest: 'permanently deletes the backtest and its results',
  delete_optimization: 'permanently deletes the optimization and its results',
  delete_object: 'permanently deletes the Object Store file',
  delete_project_collaborator: 'removes the collaborator\'s access to the project',
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

/** The project's name, when the API can tell within a second; undefined otherwise. */
async function projectName(qc: QuantConnectClient, projectId: unknown): Promise<string | undefined> {
  if (typeof projectId !== 'number') return undefined;
  try {
    const answer = await qc.api.POST('/projects/read', { body: { projectId }, parseAs: 'text', signal: AbortSignal.timeout(1000), fetch: qc.fetchFor(false) });
    const parsed = JSON.parse(String((answer as { data?: unknown }).data ?? '{}')) as { projects?: { name?: string }[] };
    return parsed.projects?.[0]?.name;
  } catch {
    return undefined;
  }
}

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export async function confirmationSummary(tool: ToolDefinition, args: Record<string, unknown>, qc: QuantConnectClient | undefined): Promise<string> {
  const safe = redact(args) as Record<string, unknown>;
  const lines = [`Run ${tool.name} (${tool.title})? Risk: ${tool.risk}, severity: ${tool.severity}.`];
  if (safe.projectId !== undefined) {
    const name = qc && tool.openWorld ? await projectName(qc, safe.projectId) : undefined;
    lines.push(`Project: ${show(safe.projectId)}${name ? ` "${name}"` : ''}`);
  }
  const brokerage = safe.brokerage as Record<string, unknown> | undefined;
  if (brokerage) {
    lines.push(`Brokerage: ${show(brokerage.id ?? '?')}${brokerage.credentials ? ` (server-side credentials "${show(brokerage.credentials)}")` : ''}`);
  }
  if (safe.nodeId !== undefined) lines.push(`Node: ${show(safe.nodeId)}`);
  const rest = Object.entries(safe).filter(([k]) => !['projectId', 'brokerage', 'nodeId'].includes(k));
  if (rest.length > 0) lines.push(`Parameters: ${rest.map(([k, v]) => `${k}=${show(v)}`).join(', ').slice(0, 600)}`);
  lines.push(`Worst case: ${worstCase(tool)}.`);
  return lines.join('\n');
}

/** The elicitation form: one boolean the human must set to run the call. */
export function confirmSchema() {
  return {
    type: 'object' as const,
    properties: { confirm: { type: 'boolean' as const, title: 'Run it', description: 'Tick to run exactly this call. Leave unticked, decline or cancel to refuse.' } },
    required: ['confirm'],
  };
}
