/**
 * MCP resources for what tool results link to: a backtest's full result, its charts, orders and
 * report, and project files. Reading one runs the matching read tool through the same policy path
 * (enablement, grants, limits, audit), so a resource never reaches what its tool may not.
 */
import {
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  type CallToolResult,
  type ResourceTemplateType,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { ResolvedGrant } from '../policy/grants.js';
import { JOBS_URI, jobStore } from '../tool/jobs.js';
import { handleToolCall } from './call.js';
import { RESULTS_URI, resultStore } from './result-store.js';
import type { Runtime } from './runtime.js';
import { STATUS_RESOURCE, STATUS_URI, statusOf } from './status.js';

const JSON_TYPE = 'application/json';
/** The far end of a chart window (seconds since 1970): later than any backtest. */
const CHART_END = 4_102_444_800;

export const RESOURCE_TEMPLATES: ResourceTemplateType[] = [
  { uriTemplate: 'quantconnect://projects/{projectId}/backtests/{backtestId}', name: 'backtest', title: 'Backtest result (full)', mimeType: JSON_TYPE },
  {
    uriTemplate: 'quantconnect://projects/{projectId}/backtests/{backtestId}/charts/{name}',
    name: 'backtest-chart',
    title: 'Backtest chart',
    mimeType: JSON_TYPE,
  },
  {
    uriTemplate: 'quantconnect://projects/{projectId}/backtests/{backtestId}/orders{?start}',
    name: 'backtest-orders',
    title: 'Backtest orders, 99 from start',
    mimeType: JSON_TYPE,
  },
  { uriTemplate: 'quantconnect://projects/{projectId}/backtests/{backtestId}/report', name: 'backtest-report', title: 'Backtest report', mimeType: JSON_TYPE },
  { uriTemplate: 'quantconnect://projects/{projectId}/files/{name}', name: 'project-file', title: 'Project file', mimeType: 'text/plain' },
  { uriTemplate: `${JOBS_URI}{id}`, name: 'job', title: 'Background job: status, progress, result', mimeType: JSON_TYPE },
  {
    uriTemplate: 'quantconnect://results/{id}/{file}',
    name: 'result-part',
    title: 'Part of a large tool result (.json, or .csv for tables), or a file a tool exported (.csv, .pdf)',
    mimeType: JSON_TYPE,
  },
];

interface Target {
  tool: string;
  args: Record<string, unknown>;
  /** The resource text from the tool's structured result. */
  text: (structured: Record<string, unknown>) => { text: string; mimeType: string };
}

const asJson = (structured: Record<string, unknown>) => ({ text: JSON.stringify(structured), mimeType: JSON_TYPE });

/** Which read tool answers a resource URI, with what arguments; undefined when the URI is not ours. */
export function targetOf(uri: string): Target | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'quantconnect:' || url.hostname !== 'projects') return undefined;
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const projectId = Number(parts[0]);
  if (!Number.isInteger(projectId) || projectId <= 0) return undefined;
  if (parts[1] === 'files' && parts.length >= 3) {
    const name = parts.slice(2).join('/');
    return {
      tool: 'read_file',
      args: { projectId, name },
      text: (s) => {
        const file = ((s.files ?? []) as { name?: string; content?: string }[]).find((f) => f.name === name);
        return { text: file?.content ?? '', mimeType: 'text/plain' };
      },
    };
  }
  if (parts[1] !== 'backtests' || !parts[2]) return undefined;
  const backtestId = parts[2];
  if (parts.length === 3) return { tool: 'read_backtest', args: { projectId, backtestId, include: ['full'] }, text: asJson };
  if (parts[3] === 'charts' && parts[4])
    return { tool: 'read_backtest_chart', args: { projectId, backtestId, name: parts.slice(4).join('/'), count: 500, start: 0, end: CHART_END }, text: asJson };
  if (parts[3] === 'orders' && parts.length === 4) {
    const start = Math.max(0, Number(url.searchParams.get('start') ?? 0) || 0);
    return { tool: 'read_backtest_orders', args: { projectId, backtestId, start, end: start + 99 }, text: asJson };
  }
  if (parts[3] === 'report' && parts.length === 4) return { tool: 'read_backtest_report', args: { projectId, backtestId }, text: asJson };
  return undefined;
}

export function registerResources(server: Server, runtime: Runtime, caller: { identity: string; grant?: ResolvedGrant }): void {
  server.setRequestHandler('resources/templates/list', () => ({ resourceTemplates: RESOURCE_TEMPLATES }));
  server.setRequestHandler('resources/list', () => ({ resources: [STATUS_RESOURCE] }));
  server.setRequestHandler('resources/read', async (request, ctx) => {
    const { uri } = request.params;
    if (uri.startsWith(RESULTS_URI)) {
      const stored = resultStore.read(uri, caller.identity);
      if (!stored) throw new ResourceNotFoundError(uri, resultStore.whyNot(uri, caller.identity));
      return { contents: [{ uri, ...stored }] };
    }
    if (uri.startsWith(JOBS_URI)) {
      const job = jobStore.get(decodeURIComponent(uri.slice(JOBS_URI.length)), caller.identity);
      if (!job) throw new ResourceNotFoundError(uri, `No job at ${uri}: jobs are kept an hour after they end, for the identity that started them.`);
      return { contents: [{ uri, mimeType: JSON_TYPE, text: JSON.stringify(job) }] };
    }
    if (uri === STATUS_URI) return { contents: [{ uri, mimeType: JSON_TYPE, text: JSON.stringify(statusOf(runtime)) }] };
    const target = targetOf(uri);
    if (!target) throw new ResourceNotFoundError(uri, `No resource at ${uri}: see resources/templates/list.`);
    const result = (await handleToolCall(
      runtime,
      server,
      caller,
      { method: 'tools/call', params: { name: target.tool, arguments: target.args } },
      ctx as unknown as ServerContext,
    )) as CallToolResult;
    if (result.isError || !result.structuredContent) {
      const text = (result.content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join(' ');
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Reading ${uri} failed: ${text || 'no content'}`);
    }
    return { contents: [{ uri, ...target.text(result.structuredContent as Record<string, unknown>) }] };
  });
}
