/**
 * Tools that exist but are off: which setting turns each off, and what the operator would write
 * to turn it on. Agents are told, in the instructions and in a refusal, so nothing is invisible;
 * they are also told that only the operator can change it.
 */
import type { EffectivePolicy } from '../policy/resolve.js';
import type { ToolDefinition } from '../tool/tool.js';

/** Off because its toolset is off (the deciding field is a toolset's `default`), or by a setting of its own. */
const offByToolset = (policy: EffectivePolicy): boolean => /#\/toolsets\/[^/]+\/default$/.test(policy.enabled.at);

export const toolsetSwitch = (toolset: string): string => `toolsets: { ${toolset}: { default: true } }`;
export const toolSwitch = (name: string): string => `tools: { ${name}: { enabled: true } }`;

/** The refusal for a call to a tool that exists but is off. */
export function offReason(tool: ToolDefinition, policy: EffectivePolicy): string {
  const how = offByToolset(policy)
    ? `it is in the \`${tool.toolset}\` toolset, which is off (${policy.enabled.at}). Only the operator can turn it on, with \`${toolsetSwitch(tool.toolset)}\``
    : `it is in the \`${tool.toolset}\` toolset, and ${policy.enabled.at} turns it off. Only the operator can turn it on, with \`${toolSwitch(tool.name)}\``;
  return (
    `The tool ${tool.name} is disabled on this server: ${how} in the QC_MCP_TOOLS overlay (or tools.yaml), then a restart or reload. ` +
    'You cannot change this setting; tell the user if the task needs it.'
  );
}

export interface OffSummary {
  /** Toolsets none of whose tools are on. */
  toolsets: string[];
  /** Tools off by a setting of their own, in toolsets that are otherwise on. */
  tools: string[];
}

/** What is off by policy (hidden tools and read-only mode are not advertised). */
/** What offSummary reads of the registry (registry.ts imports this file, so the type is structural here). */
interface ToolsWithAvailability {
  all(): readonly ToolDefinition[];
  availability(tool: ToolDefinition): { available: true; policy: EffectivePolicy } | { available: false; rule: string; policy: EffectivePolicy };
}

export function offSummary(registry: ToolsWithAvailability): OffSummary {
  const off = new Map<string, { on: number; offByTool: string[]; offByToolset: number }>();
  for (const tool of registry.all()) {
    const availability = registry.availability(tool);
    const entry = off.get(tool.toolset) ?? { on: 0, offByTool: [], offByToolset: 0 };
    off.set(tool.toolset, entry);
    if (availability.available) entry.on++;
    else if (availability.rule === availability.policy.enabled.at && !availability.policy.hidden.value) {
      if (offByToolset(availability.policy)) entry.offByToolset++;
      else entry.offByTool.push(tool.name);
    }
  }
  const toolsets = [...off].filter(([, e]) => e.on === 0 && e.offByToolset + e.offByTool.length > 0).map(([name]) => name);
  const tools = [...off].filter(([, e]) => e.on > 0 || e.offByToolset === 0).flatMap(([, e]) => e.offByTool);
  return { toolsets: toolsets.sort(), tools: tools.sort() };
}
