/**
 * The tool inventory with operator switches applied. Read-only mode and `hidden` are filters
 * on the inventory, decided here once, not checks scattered through handlers.
 */
import { enabledByDefault } from '../config/defaults.js';
import type { OperatorConfig } from '../config/operator-config.js';
import type { ToolDefinition } from './tool.js';

export interface RegistryOptions {
  readOnly: boolean;
}

export type Availability = { tool: ToolDefinition; available: true } | { tool: ToolDefinition; available: false; reason: string };

export class Registry {
  private readonly byName = new Map<string, ToolDefinition>();

  constructor(
    tools: readonly ToolDefinition[],
    private readonly config: OperatorConfig,
    private readonly options: RegistryOptions,
  ) {
    for (const tool of tools) {
      if (this.byName.has(tool.name)) throw new Error(`two tools are named '${tool.name}'`);
      if (!(tool.toolset in config.toolsetDefaults)) {
        throw new Error(`tool '${tool.name}' is in toolset '${tool.toolset}', which tools.yaml does not declare`);
      }
      this.byName.set(tool.name, tool);
    }
    const unknown = Object.keys(config.tools).filter((name) => !this.byName.has(name));
    if (unknown.length > 0) {
      throw new Error(`tools.yaml names tool(s) that neither generated code nor a plugin provides: ${unknown.join(', ')} (run \`npm run generate\`?)`);
    }
  }

  all(): ToolDefinition[] {
    return [...this.byName.values()];
  }

  get readOnly(): boolean {
    return this.options.readOnly;
  }

  enabled(tool: ToolDefinition): boolean {
    const switches = this.config.tools[tool.name] ?? {};
    return switches.enabled ?? enabledByDefault(tool.risk, tool.severity, this.config.toolsetDefaults[tool.toolset] ?? false);
  }

  availability(tool: ToolDefinition): Availability {
    if (this.config.tools[tool.name]?.hidden) return { tool, available: false, reason: `The tool ${tool.name} is not available on this server.` };
    if (this.options.readOnly && tool.risk !== 'read') {
      return { tool, available: false, reason: `The server is in read-only mode, so ${tool.name} (risk: ${tool.risk}) cannot run. Use a read tool, or ask the operator.` };
    }
    if (!this.enabled(tool)) {
      return {
        tool,
        available: false,
        reason: `The tool ${tool.name} is disabled on this server. An operator can enable it in tools.yaml or the QC_MCP_TOOLS overlay.`,
      };
    }
    return { tool, available: true };
  }

  /** The tools a client sees in tools/list. */
  listed(): ToolDefinition[] {
    return this.all().filter((tool) => this.availability(tool).available);
  }

  lookup(name: string): Availability | undefined {
    const tool = this.byName.get(name);
    return tool ? this.availability(tool) : undefined;
  }
}
