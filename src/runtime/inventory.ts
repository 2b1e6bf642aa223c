/** Every tool this package serves: the generated API tools, then the plugins' tools. */
import { generatedTools } from '../../generated/tools.js';
import { plugins as packagedPlugins } from '../../plugins/index.js';
import { apiTool, loadPackagedSchemas, type SchemasDoc } from '../qc/api-tools.js';
import type { GeneratedToolSpec } from './generated-tool.js';
import type { Plugin, ToolDefinition } from './tool.js';

export function inventoryTools(generated?: { tools: readonly GeneratedToolSpec[]; schemas: SchemasDoc }, plugins: Plugin[] = packagedPlugins): ToolDefinition[] {
  const { tools, schemas } = generated ?? { tools: generatedTools, schemas: loadPackagedSchemas() };
  return [...tools.map((spec) => apiTool(spec, schemas)), ...plugins.flatMap((p) => p.tools)];
}
