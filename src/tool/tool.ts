/**
 * One ToolDefinition for generated and plugin tools alike, and the plugin API
 * (definePlugin / defineTool). The registry, policy, docs and tests treat every tool the same.
 */
import type { ToolMeta } from './meta.js';
import { z } from 'zod';
import type { QuantConnectClient } from '../qc/client.js';
import type { JsonSchema } from './generated-tool.js';
import type { ExtraContent, ResultMeta } from './results.js';

export interface RuntimeSettings {
  agentName: string;
  organizationId: string | undefined;
  backend: 'quantconnect' | 'sandbox';
  /** The npm executable read_latest_mcp_server_version asks (QC_MCP_NPM, default "npm"). */
  npm: string;
  /** Where research price data comes from (csv:DIR | lean:DIR | objectstore:PREFIX | sim:...), as src/config/data-source.ts chose it. */
  data: string | undefined;
  /** Why that data source (src/config/data-source.ts): the setting or file that chose it. */
  dataOrigin: string;
  /** For get_auth_status: the user id masked, and where the credentials came from. Never the token. */
  auth: { userIdMasked: string | null; source: 'environment' | 'login file' | 'sandbox' | 'none' };
  /** Where `export: true` writes CSV (QC_MCP_EXPORT_DIR, else plugins.portfolio.export_dir, else QC_MCP_STATE_DIR/exports). */
  exportDir: string;
}

export interface ToolContext {
  signal: AbortSignal;
  /** Who is calling ("local" over stdio, a grant id over HTTP): scopes per-caller state such as research sessions. */
  identity: string;
  /** Report progress to the client (a no-op when it did not ask for progress). */
  progress: (progress: number, total?: number, message?: string) => Promise<void>;
  qc: QuantConnectClient;
  settings: RuntimeSettings;
  /** State a plugin keeps for the life of this runtime (keyed by plugin name). */
  state: Map<string, unknown>;
  /**
   * Whether another tool is available to this caller now, and if not, why (the policy's reason
   * and rule). A tool that does what other tools do (compile_and_backtest) honours their switches.
   */
  availability: (name: string) => { available: true } | { available: false; reason: string; rule: string };
  /**
   * Call another tool through the same pipeline as a direct call (its availability, rules, limits and
   * audit; its confirmation is covered by this call's). Only tools listed in the definition's `calls`.
   * A refusal or an error throws ToolError with the inner tool's message.
   */
  call: (name: string, args: Record<string, unknown>, options?: CallOptions) => Promise<ToolReturn>;
}

export interface CallOptions {
  /** Forward the inner call's progress notifications as this call's. */
  progress?: boolean;
}

export interface ToolReturn {
  structured: Record<string, unknown>;
  meta?: ResultMeta;
  text?: string;
  /** Content after the text (resource links to exported files, images). */
  content?: ExtraContent[];
  /** Files the tool wrote (CSV, PDF): a direct call serves each as a resource of the caller and links it after the text. */
  files?: ExportedFile[];
  /** The upstream HTTP status, for the audit log. */
  upstreamStatus?: number;
}

export interface ExportedFile {
  /** File name, unique within one result (e.g. "weights.csv"). */
  name: string;
  mimeType: string;
  /** Text (CSV) or bytes (PDF). */
  data: string | Uint8Array;
  /** Where it was written on disk. */
  path: string;
  description: string;
}

export type ParseResult = { ok: true; value: Record<string, unknown> } | { ok: false; problems: string[] };

export interface ToolDefinition extends ToolMeta {
  /** Where the tool acts: "POST /path" for API tools, "local" for plugins. */
  endpoint: string;
  /** Whether the tool reaches beyond this machine (drives openWorldHint). */
  openWorld: boolean;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  /** The tools this one calls through ctx.call: it is available only while they are, and their confirmation is asked for it. */
  calls?: readonly string[];
  parse: (args: unknown) => ParseResult;
  handler: (args: Record<string, unknown>, ctx: ToolContext) => Promise<ToolReturn>;
}

export interface Plugin {
  name: string;
  tools: ToolDefinition[];
}

export interface DefineToolOptions<I extends z.ZodObject, O extends z.ZodObject | undefined> extends ToolMeta {
  openWorld?: boolean;
  calls?: readonly string[];
  input: I;
  output?: O;
  handler: (args: z.output<I>, ctx: ToolContext) => Promise<ToolReturn>;
}

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(arguments)'}: ${issue.message}`);
}

/**
 * A schema as tools/list carries it, without the keywords that cost tokens and that a client need not
 * check (`drop` decides per keyword). The handler's zod schema still checks or types everything.
 */
function compact(schema: unknown, drop: (key: string, value: unknown) => boolean): unknown {
  if (Array.isArray(schema)) return schema.map((item) => compact(item, drop));
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (drop(key, value)) continue;
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, compact(v, drop)])) : compact(value, drop);
  }
  return out;
}

/** Outputs: the shape and types only (no descriptions, required lists, map value types or property-name schemas); lenient. */
const OUTPUT_DROPS = new Set(['description', 'required', 'propertyNames', 'additionalProperties']);
/** Inputs: length and count bounds stay in zod (an over-long argument is refused with the bound), off the listing. */
const INPUT_DROPS = new Set(['minLength', 'maxLength', 'minItems', 'maxItems']);

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  if (io === 'output') return compact(rest, (key) => OUTPUT_DROPS.has(key)) as JsonSchema;
  // additionalProperties: false stays on inputs (unknown arguments are refused).
  return compact(rest, (key) => INPUT_DROPS.has(key)) as JsonSchema;
}

/** A plugin tool, declared with zod schemas; converted once to JSON Schema for tools/list. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject | undefined = undefined>(options: DefineToolOptions<I, O>): ToolDefinition {
  return {
    name: options.name,
    title: options.title,
    description: options.description,
    toolset: options.toolset,
    risk: options.risk,
    severity: options.severity,
    endpoint: 'local',
    openWorld: options.openWorld ?? false,
    ...(options.calls ? { calls: options.calls } : {}),
    inputSchema: jsonSchemaOf(options.input, 'input'),
    ...(options.output ? { outputSchema: jsonSchemaOf(options.output, 'output') } : {}),
    parse: (args) => {
      // strict(): unknown arguments are refused rather than dropped silently.
      const parsed = options.input.strict().safeParse(args ?? {});
      return parsed.success ? { ok: true, value: parsed.data as Record<string, unknown> } : { ok: false, problems: zodProblems(parsed.error) };
    },
    handler: (args, ctx) => options.handler(args as z.output<I>, ctx),
  };
}

export function definePlugin(plugin: Plugin): Plugin {
  const names = new Set<string>();
  for (const tool of plugin.tools) {
    if (names.has(tool.name)) throw new Error(`plugin '${plugin.name}' defines tool '${tool.name}' twice`);
    names.add(tool.name);
  }
  return plugin;
}
