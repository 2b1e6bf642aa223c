/**
 * Operator configuration: the packaged tools.yaml's operator fields, with the overlay
 * (QC_MCP_TOOLS) merged on top. Read at start-up; no regeneration needed.
 */
import { ConfigError, parseYamlFile } from './load-yaml.js';
import { OverlayFileSchema, ToolsFileSchema, type OverlayFile, type ToolsFile } from './tools-schema.js';

export interface ToolSwitches {
  enabled?: boolean;
  hidden?: boolean;
}

export interface OperatorConfig {
  toolsetDefaults: Record<string, boolean>;
  tools: Record<string, ToolSwitches>;
  /** Files the configuration came from, in merge order. */
  sources: string[];
}

export function operatorConfigFrom(packaged: ToolsFile, source: string): OperatorConfig {
  const tools: Record<string, ToolSwitches> = {};
  for (const [name, entry] of Object.entries(packaged.tools)) {
    const switches: ToolSwitches = {};
    if (entry.enabled !== undefined) switches.enabled = entry.enabled;
    if (entry.hidden !== undefined) switches.hidden = entry.hidden;
    tools[name] = switches;
  }
  return {
    toolsetDefaults: Object.fromEntries(Object.entries(packaged.toolsets).map(([name, t]) => [name, t.default])),
    tools,
    sources: [source],
  };
}

/** Merge an overlay over `base`; names it does not know are errors (a typo must not fail open). */
export function mergeOverlay(base: OperatorConfig, overlay: OverlayFile, file: string): OperatorConfig {
  const problems: string[] = [];
  const toolsetDefaults = { ...base.toolsetDefaults };
  for (const [name, value] of Object.entries(overlay.toolsets ?? {})) {
    if (!(name in toolsetDefaults)) problems.push(`toolsets.${name}: no such toolset (known: ${Object.keys(toolsetDefaults).join(', ')})`);
    else toolsetDefaults[name] = value.default;
  }
  const tools = { ...base.tools };
  for (const [name, value] of Object.entries(overlay.tools ?? {})) {
    if (!(name in tools)) problems.push(`tools.${name}: no such tool`);
    else tools[name] = { ...tools[name], ...value };
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { toolsetDefaults, tools, sources: [...base.sources, file] };
}

export function loadOperatorConfig(toolsYamlPath: string, overlayPath: string | undefined): OperatorConfig {
  const packaged = parseYamlFile(toolsYamlPath, ToolsFileSchema);
  const base = operatorConfigFrom(packaged, toolsYamlPath);
  return overlayPath ? mergeOverlay(base, parseYamlFile(overlayPath, OverlayFileSchema), overlayPath) : base;
}
