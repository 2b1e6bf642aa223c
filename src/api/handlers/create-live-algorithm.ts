/**
 * create_live_algorithm: nodeId and versionId may be left out. The handler then picks a free live
 * node of the project's organization (POST /projects/nodes/read; the project's own selection first)
 * and the latest LEAN version (POST /lean/versions/read), through the upstream client whatever the
 * nodes and lean toolsets say, deploys, and names what it picked in the result.
 */
import { readAnswer } from '../../qc/answer.js';
import { ToolError } from '../../tool/results.js';
import type { ToolContext, ToolReturn } from '../../tool/tool.js';
import { withoutLiveFiles } from '../live-files.js';
import { callUpstream } from '../upstream.js';
import type { ApiHandlerInput } from './handler.js';

interface LiveNode {
  id?: unknown;
  name?: unknown;
  busy?: unknown;
  active?: unknown;
  projectId?: unknown;
  projectName?: unknown;
}

interface LeanVersion {
  id?: unknown;
  name?: unknown;
}

/** One read the deployment needs; a failure says what could not be read and how to go on without it. */
async function read(ctx: ToolContext, path: string, body: unknown, what: string, instead: string): Promise<Record<string, unknown>> {
  let answer: ReturnType<typeof readAnswer>;
  try {
    const response = await ctx.qc.postJson(path, body, { read: true, signal: ctx.signal });
    answer = readAnswer(response.status, await response.text());
  } catch (error) {
    throw new ToolError(`Could not read ${what} to pick one (${(error as Error).message}); nothing was deployed. ${instead}`);
  }
  if (answer.kind === 'ok') return answer.body as Record<string, unknown>;
  const why = answer.kind === 'refused' ? answer.errors.join('; ') || 'no reason given' : `HTTP ${answer.status}`;
  throw new ToolError(`Could not read ${what} to pick one (${why}); nothing was deployed. ${instead}`);
}

export async function pickLiveNode(ctx: ToolContext, projectId: number): Promise<{ id: string; name: string }> {
  const answer = await read(ctx, '/projects/nodes/read', { projectId }, `project ${projectId}'s live nodes`, 'Pass nodeId.');
  const nodes = (((answer.nodes as { live?: unknown } | undefined)?.live ?? []) as LiveNode[]).filter((n) => typeof n.id === 'string');
  if (nodes.length === 0) {
    throw new ToolError(
      `No live node: project ${projectId}'s organization has none, so nothing was deployed. Add a live node to the organization on quantconnect.com, then deploy again.`,
    );
  }
  const free = nodes.filter((n) => n.busy !== true);
  const node = free.find((n) => n.active === true) ?? free[0];
  if (!node) {
    const used = nodes.map((n) => `${String(n.id)}${n.projectId !== undefined ? ` (project ${String(n.projectId)})` : ''}`).join(', ');
    throw new ToolError(
      `No free live node: every live node is busy (${used}), so nothing was deployed. Stop a deployment that is no longer needed ` +
        '(stop_live_algorithm, or liquidate_live_algorithm to close its positions too) or add a live node on quantconnect.com, then deploy again.',
    );
  }
  return { id: String(node.id), name: typeof node.name === 'string' ? node.name : String(node.id) };
}

export async function latestLeanVersion(ctx: ToolContext): Promise<{ id: string; name: string }> {
  const answer = await read(ctx, '/lean/versions/read', {}, 'the LEAN versions', 'Pass versionId ("-1" is the latest master build).');
  const versions = ((answer.versions ?? []) as LeanVersion[]).filter((v) => typeof v.id === 'number');
  const latest = versions.sort((a, b) => (b.id as number) - (a.id as number))[0];
  if (!latest) throw new ToolError('QuantConnect listed no LEAN version, so nothing was deployed. Pass versionId ("-1" is the latest master build).');
  return { id: String(latest.id), name: typeof latest.name === 'string' ? latest.name : String(latest.id) };
}

export async function createLiveAlgorithm({ spec, body, ctx, schemas, check }: ApiHandlerInput): Promise<ToolReturn> {
  const picked: Record<string, string> = {};
  const filled = { ...body };
  if (filled.nodeId === undefined) {
    const node = await pickLiveNode(ctx, Number(body.projectId));
    filled.nodeId = node.id;
    Object.assign(picked, { nodeId: node.id, nodeName: node.name });
  }
  if (filled.versionId === undefined) {
    const version = await latestLeanVersion(ctx);
    filled.versionId = version.id;
    Object.assign(picked, { versionId: version.id, leanVersion: version.name });
  }
  check(filled);
  const result = withoutLiveFiles(await callUpstream(spec, filled, ctx, schemas));
  if (Object.keys(picked).length === 0) return result;
  const said = [
    picked.nodeId ? `live node ${picked.nodeId} (${picked.nodeName})` : '',
    picked.versionId ? `LEAN version ${picked.versionId} (${picked.leanVersion})` : '',
  ].filter(Boolean);
  const structured = { ...result.structured, picked };
  return { ...result, structured, text: `Deployed; picked by the server: ${said.join(', ')}.\n${JSON.stringify(structured)}` };
}
