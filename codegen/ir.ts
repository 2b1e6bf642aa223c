/** The typed middle of the pipeline: what emitters read. They never read the raw spec. */
import type { ToolMeta } from '../src/tool/meta.js';
import type { InputSource } from '../src/config/tools-schema.js';
import type { JsonSchema } from './transform/schema.js';

export interface ToolIR extends ToolMeta {
  method: string;
  path: string;
  /** JSON pointer of the operation in the spec. */
  at: string;
  contentType: 'application/json' | 'multipart/form-data' | null;
  variant: string | null;
  /** Flat, compact input schema for tools/list. */
  inputSchema: JsonSchema;
  /** Lenient output schema for tools/list. */
  outputSchema: JsonSchema;
  /** Full request body schema (refs into defs), or null when there is no body. */
  request: JsonSchema | null;
  /** Full 200 response schema (refs into defs), or null. */
  response: JsonSchema | null;
  inject: Record<string, InputSource>;
  defaults: Record<string, InputSource>;
  /** Input properties consumed by the handler and never sent upstream. */
  extraInputs: string[];
  handler: string | null;
}

export interface ToolsetIR {
  name: string;
  description: string;
  default: boolean;
}

export interface GenerationIR {
  tools: ToolIR[];
  /** Local tools (plugins) listed in tools.yaml without an operation. */
  localTools: string[];
  toolsets: ToolsetIR[];
  defs: Record<string, JsonSchema>;
  excluded: { operation: string; reason: string }[];
  /** Every spec operation's full request and response schema, keyed "POST /path" (the sandbox validates by path). */
  operations: Record<string, { request: JsonSchema | null; response: JsonSchema | null; contentType: ToolIR['contentType'] }>;
  specSha256: string;
  toolsYamlSha256: string;
}
