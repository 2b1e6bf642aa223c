/** Small fixture specs and tools files for codegen tests, run through one helper. */
import { buildIR } from '../../codegen/transform/operation.js';
import { ToolsFileSchema, type ToolsFile } from '../../src/config/tools-schema.js';

export type Spec = { openapi: string; paths: Record<string, unknown>; components?: { schemas?: Record<string, unknown> } };

export function post(schemaOrRef: unknown, response: unknown = { $ref: '#/components/schemas/Rest' }) {
  return {
    post: {
      summary: 'Fixture operation.',
      ...(schemaOrRef === undefined ? {} : { requestBody: { content: { 'application/json': { schema: schemaOrRef } } } }),
      responses: { '200': { description: 'ok', content: { 'application/json': { schema: response } } } },
    },
  };
}

export const REST = { type: 'object', properties: { success: { type: 'boolean' }, errors: { type: 'array', items: { type: 'string' } } } };

export function spec(paths: Record<string, unknown>, schemas: Record<string, unknown> = {}): Spec {
  return { openapi: '3.0.0', paths, components: { schemas: { Rest: REST, ...schemas } } };
}

export function tools(entries: Record<string, Partial<ToolsFile['tools'][string]>>, excluded?: Record<string, string>): ToolsFile {
  return ToolsFileSchema.parse({
    toolsets: { things: { description: 'Things', default: true } },
    tools: Object.fromEntries(Object.entries(entries).map(([name, e]) => [name, { toolset: 'things', risk: 'read', severity: 'low', ...e }])),
    ...(excluded ? { excluded } : {}),
  });
}

export function ir(specDoc: Spec, toolsFile: ToolsFile) {
  return buildIR(specDoc, toolsFile, { spec: 'spec-sha', toolsYaml: 'tools-sha' });
}
