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
  /** Where factor_files are read from (QC_MCP_FACTOR_DIR), else the csv:/lean: data folder. */
  factorDir?: string | undefined;
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

/** Outputs: the shape, types and the few descriptions that give a unit or meaning (no required lists, map value types or property-name schemas); lenient. */
const OUTPUT_DROPS = new Set(['required', 'propertyNames', 'additionalProperties']);
/** Inputs: length and count bounds stay in zod (an over-long argument is refused with the bound), off the listing. */
const INPUT_DROPS = new Set(['minLength', 'maxLength', 'minItems', 'maxItems']);

/** Bounds zod adds to every int(), keys' own type and a flag's default false: true of any JSON argument or omitted flag, so they say nothing. */
const isNoiseBound = (key: string, value: unknown): boolean =>
  (key === 'default' && value === false) ||
  (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) ||
  (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) ||
  (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}');

/**
 * The single-type subset strict clients enforce: a `type` list (zod's union of scalars, nullable)
 * becomes an anyOf of one-type schemas; the other keywords stay beside it.
 */
function singleTyped(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(singleTyped);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && Array.isArray(value)) out.anyOf = value.map((type) => ({ type }));
    else if (key === 'default' || key === 'enum' || key === 'const') out[key] = value;
    else out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, singleTyped(v)])) : singleTyped(value);
  }
  return out;
}

const SCALARS = new Set(['number', 'integer', 'string', 'boolean']);

/**
 * Outputs: a field nested in a top-level one (a row of pairs, a summary per symbol) whose schema is
 * only a scalar type is listed by name; its name says what it is, and tools/list stays small.
 */
function namesOnlyBelowTop(schema: unknown, depth: number): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s = schema as Record<string, unknown>;
  const keys = Object.keys(s);
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (depth > 1 && keys.length === 1 && types.every((t) => SCALARS.has(t) || t === 'null')) return {};
  const out: Record<string, unknown> = { ...s };
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties as object).map(([k, v]) => [k, namesOnlyBelowTop(v, depth + 1)]));
  if (s.items && typeof s.items === 'object' && (s.items as Record<string, unknown>).properties) out.items = namesOnlyBelowTop(s.items, depth);
  return out;
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  if (io === 'output')
    return namesOnlyBelowTop(
      compact(rest, (key) => OUTPUT_DROPS.has(key)),
      0,
    ) as JsonSchema;
  // additionalProperties: false stays on inputs (unknown arguments are refused).
  return singleTyped(compact(rest, (key, value) => INPUT_DROPS.has(key) || isNoiseBound(key, value))) as JsonSchema;
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
