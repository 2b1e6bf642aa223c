/**
 * The MCP server: tools/list from the registry, and one tools/call path for every tool through
 * the policy engine, built on the SDK's low-level Server. One server per connection; the identity
 * of the connection scopes limits and approvals and is recorded in the audit log.
 */
import { Server, type Tool } from '@modelcontextprotocol/server';
import { annotationsFor } from '../tool/annotations.js';
import type { ResolvedGrant } from '../policy/grants.js';
import { handleToolCall } from './call.js';
import { buildInstructions } from './instructions.js';
import { offSummary } from './off-tools.js';
import { activityOf, counted } from './status.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { packageVersion } from '../config/package-info.js';
import type { Runtime } from './runtime.js';

export type { Runtime };
import type { ToolDefinition } from '../tool/tool.js';

export interface ServerOptions {
  /** Who is calling: "local" over stdio; a grant id over HTTP. */
  identity?: string;
  /** The caller's grant, which narrows the policy (HTTP). */
  grant?: ResolvedGrant;
}

export function toMcpTool(tool: ToolDefinition): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema as NonNullable<Tool['outputSchema']> } : {}),
    annotations: annotationsFor(tool.risk, tool.openWorld), // the display title is the tool's own `title`
  };
}

export function createMcpServer(runtime: Runtime, options: ServerOptions = {}): Server {
  const { registry, settings } = runtime;
  const identity = options.identity ?? 'local';
  const server = new Server(
    { name: 'quantconnect-mcp', version: packageVersion() },
    {
      capabilities: { tools: { listChanged: true }, resources: {}, prompts: {}, logging: {} },
      instructions: buildInstructions(registry.listed(options.grant), settings.backend, offSummary(registry)),
      requestState: { verify: (state, ctx) => runtime.policy.codec.verify(state, ctx) },
    },
  );
  server.setRequestHandler('tools/list', () => ({ tools: registry.listed(options.grant).map(toMcpTool) }));
  const caller = { identity, ...(options.grant ? { grant: options.grant } : {}) };
  server.setRequestHandler('tools/call', (request, ctx) => counted(runtime, () => handleToolCall(runtime, server, caller, request, ctx)));
  const activity = activityOf(runtime);
  activity.sessions++;
  registerResources(server, runtime, caller);
  registerPrompts(server, () => registry.listed(options.grant));

  const unsubscribe = registry.onChange(() => {
    server.sendToolListChanged().catch(() => {});
  });
  const notice = (n: Parameters<Parameters<Runtime['notices']['add']>[0]>[0]): void => {
    try {
      server.sendLoggingMessage({ level: n.level, logger: n.logger, data: { message: n.message, ...n.data } }).catch(() => {});
    } catch {
      // not connected (yet, or any more)
    }
  };
  runtime.notices.add(notice);
  const previousOnClose = server.onclose;
  server.onclose = () => {
    runtime.notices.delete(notice);
    activity.sessions--;
    unsubscribe();
    previousOnClose?.();
  };
  return server;
}
