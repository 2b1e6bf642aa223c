/**
 * The MCP server: tools/list from the registry, and one tools/call path for every tool
 * (registry -> validation -> handler -> result), built on the SDK's low-level Server.
 */
import { ProtocolError, ProtocolErrorCode, Server, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import { annotationsFor } from '../config/defaults.js';
import { META_BACKEND } from '../qc/api-tools.js';
import type { QuantConnectClient } from '../qc/client.js';
import { buildInstructions } from './instructions.js';
import { packageVersion } from './package-info.js';
import type { Registry } from './registry.js';
import { errorResult, okResult, ToolError } from './results.js';
import type { RuntimeSettings, ToolContext, ToolDefinition } from './tool.js';

export interface Runtime {
  registry: Registry;
  qc: QuantConnectClient;
  settings: RuntimeSettings;
  /** Stops what the runtime started (an embedded sandbox). */
  close: () => Promise<void>;
}

export function toMcpTool(tool: ToolDefinition): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema as NonNullable<Tool['outputSchema']> } : {}),
    annotations: { title: tool.title, ...annotationsFor(tool.risk, tool.openWorld) },
  };
}

export function createMcpServer(runtime: Runtime): Server {
  const { registry, settings } = runtime;
  const server = new Server(
    { name: 'quantconnect-mcp', version: packageVersion() },
    {
      capabilities: { tools: { listChanged: true } },
      instructions: buildInstructions(registry.listed(), settings.backend),
    },
  );
  const baseMeta = { [META_BACKEND]: settings.backend };

  server.setRequestHandler('tools/list', () => ({ tools: registry.listed().map(toMcpTool) }));

  server.setRequestHandler('tools/call', async (request, ctx): Promise<CallToolResult> => {
    const { name } = request.params;
    const found = registry.lookup(name);
    if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
    if (!found.available) return errorResult(found.reason, undefined, baseMeta);
    const tool = found.tool;
    const parsed = tool.parse(request.params.arguments ?? {});
    if (!parsed.ok) return errorResult(`Invalid arguments for ${name}: ${parsed.problems.join('; ')}`, undefined, baseMeta);

    const progressToken = ctx.mcpReq._meta?.progressToken;
    const toolCtx: ToolContext = {
      signal: ctx.mcpReq.signal,
      qc: runtime.qc,
      settings,
      progress: async (progress, total, message) => {
        if (progressToken === undefined) return;
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress, ...(total === undefined ? {} : { total }), ...(message ? { message } : {}) },
        });
      },
    };
    try {
      const outcome = await tool.handler(parsed.value, toolCtx);
      const result = okResult(outcome.structured, { ...baseMeta, ...outcome.meta }, outcome.text);
      return server.projectCallToolResult(result, tool.outputSchema);
    } catch (error) {
      if (error instanceof ToolError) return errorResult(error.message, error.details, baseMeta);
      throw error;
    }
  });
  return server;
}
