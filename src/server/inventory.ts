/**
 * The inventory: every tool this server can serve, generated API tools and plugin tools as one list
 * of ToolDefinitions. The one place in src/ that imports generated/ and plugins/.
 */
import { generatedTools } from '../../generated/tools.js';
import { closePlugins, plugins as packagedPlugins } from '../../plugins/index.js';
import { apiTool, loadPackagedSchemas, type SchemasDoc } from '../api/api-tools.js';
import type { GeneratedToolSpec } from '../tool/generated-tool.js';
import type { Plugin, ToolDefinition } from '../tool/tool.js';

export interface InventorySources {
  /** Generated tools and their schemas (tests pass freshly generated ones). */
  generated?: { tools: readonly GeneratedToolSpec[]; schemas: SchemasDoc };
  plugins?: Plugin[];
}

export function inventory(sources: InventorySources = {}): ToolDefinition[] {
  const generated = sources.generated ?? { tools: generatedTools, schemas: loadPackagedSchemas() };
  return [...generated.tools.map((spec) => apiTool(spec, generated.schemas)), ...(sources.plugins ?? packagedPlugins).flatMap((p) => p.tools)];
}

export { closePlugins };
