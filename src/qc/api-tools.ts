/**
 * Generated tool specs -> ToolDefinitions: validate the flat arguments, build the request body
 * (inject server-side values), validate it against the spec's full request schema, make one
 * typed POST, then turn the answer into a result: success:false and HTTP failures become
 * isError results; everything else is normalised leniently and returned with its drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { CallInit, GeneratedToolSpec, JsonSchema, UpstreamResponse } from '../runtime/generated-tool.js';
import { packageRoot } from '../runtime/package-info.js';
import { ToolError, type ExtraContent } from '../runtime/results.js';
import type { ParseResult, RuntimeSettings, ToolContext, ToolDefinition, ToolReturn } from '../runtime/tool.js';
import type { InputSource } from '../config/tools-schema.js';
import { apiHandlers } from './handlers/index.js';
import { normalizeResponse } from './normalize.js';

export interface SchemasDoc {
  $defs: Record<string, JsonSchema>;
  operations: Record<string, { contentType: string | null; request: JsonSchema | null; response: JsonSchema | null }>;
  tools: Record<string, { request: JsonSchema | null; response: JsonSchema | null }>;
}

export const META_BACKEND = 'quantconnect-mcp/backend';
export const META_DRIFT = 'quantconnect-mcp/drift';

let packagedSchemas: SchemasDoc | undefined;
export function loadPackagedSchemas(): SchemasDoc {
  packagedSchemas ??= JSON.parse(readFileSync(join(packageRoot(), 'generated', 'schemas.json'), 'utf8')) as SchemasDoc;
  return packagedSchemas;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

export function formatAjvErrors(errors: ErrorObject[] | null | undefined, root: string): string[] {
  return (errors ?? []).slice(0, 10).map((e) => {
    const where = e.instancePath === '' ? root : `${root}${e.instancePath.replace(/\//g, '.')}`;
    if (e.keyword === 'additionalProperties') return `${where}: unknown argument "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    const allowed = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')})` : '';
    return `${where}: ${e.message ?? 'is invalid'}${allowed}`;
  });
}

function sourceValue(source: InputSource, settings: RuntimeSettings): string | undefined {
  return source === 'agent_name' ? settings.agentName : settings.organizationId;
}

const SOURCE_ENV: Record<InputSource, string> = { agent_name: 'AGENT_NAME', organization_id: 'QUANTCONNECT_ORGANIZATION_ID' };

/** The request body for `args`: handler-only inputs removed, server-side values filled in. */
export function buildBody(spec: GeneratedToolSpec, args: Record<string, unknown>, settings: RuntimeSettings): Record<string, unknown> {
  const body: Record<string, unknown> = { ...args };
  for (const key of spec.extraInputs) delete body[key];
  for (const [key, source] of Object.entries(spec.inject)) {
    const value = sourceValue(source, settings);
    if (value !== undefined) body[key] = value;
  }
  for (const [key, source] of Object.entries(spec.defaults)) {
    if (body[key] !== undefined) continue;
    const value = sourceValue(source, settings);
    if (value === undefined) throw new ToolError(`${key} is required: pass it, or have the operator set ${SOURCE_ENV[source]}.`);
    body[key] = value;
  }
  return body;
}

function toFormData(body: unknown): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (key === 'objectData') form.append(key, new Blob([String(value)]), 'objectData');
    else form.append(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return form;
}

function describeFailure(error: unknown, baseUrl: string, timeoutMs: number): ToolError {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError') return new ToolError(`QuantConnect did not answer within ${timeoutMs / 1000} s (${baseUrl}). Try again later.`);
  if (name === 'AbortError') return new ToolError('The call was cancelled before QuantConnect answered.');
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return new ToolError(`Could not reach QuantConnect at ${baseUrl}${cause ? ` (${cause})` : ''}. Check the network and QUANTCONNECT_API_BASE_URL.`);
}

const SUCCESS_FALSE = new Set<unknown>([false, 'false', 'False']);
/** Reads whose answer was cut off or garbled are asked again this many times. */
const MALFORMED_READ_RETRIES = 2;

class NotJsonError extends ToolError {}

/** Turn an upstream answer into a ToolReturn, or throw a ToolError the model can act on. */
export function interpret(spec: GeneratedToolSpec, upstream: UpstreamResponse, schemas: SchemasDoc, settings: RuntimeSettings): ToolReturn {
  try {
    return { ...interpretBody(spec, upstream, schemas, settings), upstreamStatus: upstream.response.status };
  } catch (error) {
    if (error instanceof ToolError) error.withStatus(upstream.response.status);
    throw error;
  }
}

function interpretBody(spec: GeneratedToolSpec, upstream: UpstreamResponse, schemas: SchemasDoc, settings: RuntimeSettings): ToolReturn {
  const { response } = upstream;
  const text = typeof (upstream.data ?? upstream.error) === 'string' ? ((upstream.data ?? upstream.error) as string) : '';
  const writeNote = spec.risk === 'read' ? '' : ' The request may or may not have been applied: check before retrying.';
  if (response.status === 401 || response.status === 403) {
    throw new ToolError(
      `QuantConnect rejected the credentials (HTTP ${response.status}). The operator should check QUANTCONNECT_USER_ID and ` +
        'QUANTCONNECT_API_TOKEN, and that this machine\'s clock is correct (requests are signed with the time).',
    );
  }
  if (response.status === 429) throw new ToolError(`QuantConnect is rate limiting requests (HTTP 429). Wait a minute, then try again.${writeNote}`);
  if (response.status >= 500) throw new ToolError(`QuantConnect failed with HTTP ${response.status}. Try again later.${writeNote}`);
  if (response.status >= 400) throw new ToolError(`QuantConnect answered HTTP ${response.status}: ${text.slice(0, 300)}`);

  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new NotJsonError(`QuantConnect answered with something that is not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
  }
  if (typeof body === 'object' && body !== null && 'success' in body && SUCCESS_FALSE.has((body as { success: unknown }).success)) {
    const errors = (body as { errors?: unknown }).errors;
    const list = Array.isArray(errors) ? errors.map(String) : errors === undefined ? [] : [String(errors)];
    throw new ToolError(`QuantConnect refused ${spec.name}: ${list.length > 0 ? list.join('; ') : 'no reason given'}`, { errors: list }).withStructured({
      success: false,
      errors: list,
    });
  }
  const normalized = normalizeResponse(body, schemas.tools[spec.name]?.response ?? null, schemas.$defs);
  const value = normalized.value;
  const structured = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { result: value };
  const meta: Record<string, unknown> = { [META_BACKEND]: settings.backend };
  if (normalized.driftCount > 0) meta[META_DRIFT] = { count: normalized.driftCount, items: normalized.drift };
  return { structured, meta };
}

/** Perform the tool's one POST with `body` and interpret the answer. */
export async function callUpstream(
  spec: GeneratedToolSpec,
  body: Record<string, unknown>,
  ctx: ToolContext,
  schemas: SchemasDoc,
  extra: Partial<CallInit> = {},
): Promise<ToolReturn> {
  const init: CallInit = {
    parseAs: 'text',
    signal: ctx.qc.signalFor(ctx.signal),
    fetch: ctx.qc.fetchFor(spec.risk === 'read'),
    ...(spec.contentType === 'multipart/form-data' ? { bodySerializer: toFormData } : {}),
    ...extra,
  };
  for (let attempt = 0; ; attempt++) {
    let upstream: UpstreamResponse;
    try {
      upstream = await spec.call(ctx.qc.api, body, init);
    } catch (error) {
      throw describeFailure(error, ctx.qc.baseUrl, ctx.qc.timeoutMs);
    }
    try {
      return interpret(spec, upstream, schemas, ctx.settings);
    } catch (error) {
      // A garbled answer to a read is transient; a write is never sent twice.
      if (!(error instanceof NotJsonError) || spec.risk !== 'read' || attempt >= MALFORMED_READ_RETRIES) throw error;
    }
  }
}

/**
 * A write never echoes whole files back: each file's content becomes its length and a resource
 * link (quantconnect://projects/{projectId}/files/{name}) the agent can read when it needs to.
 */
export function withoutEcho(result: ToolReturn, body: Record<string, unknown>): ToolReturn {
  const files = result.structured.files;
  if (!Array.isArray(files) || !files.some((f) => typeof (f as { content?: unknown })?.content === 'string')) return result;
  const projectId = Number(body.projectId);
  const links: ExtraContent[] = [];
  const trimmed = files.map((f: Record<string, unknown>) => {
    if (typeof f.content !== 'string') return f;
    const { content, ...rest } = f;
    if (Number.isInteger(projectId) && typeof f.name === 'string') {
      links.push({ type: 'resource_link', uri: `quantconnect://projects/${projectId}/files/${f.name.split('/').map(encodeURIComponent).join('/')}`, name: f.name, mimeType: 'text/plain' });
    }
    return { ...rest, content_chars: (content as string).length };
  });
  return { ...result, structured: { ...result.structured, files: trimmed }, content: [...(result.content ?? []), ...links] };
}

export const DEFAULT_PAGE = 100;

/**
 * A list longer than a page comes back one page at a time (offset, limit; default 100), with a
 * `page` object saying how many there are and where the next page starts.
 */
export function paginate(result: ToolReturn, args: Record<string, unknown>): ToolReturn {
  const offset = typeof args.offset === 'number' ? args.offset : 0;
  const limit = typeof args.limit === 'number' ? args.limit : DEFAULT_PAGE;
  const lists = Object.entries(result.structured).filter(([, v]) => Array.isArray(v)) as [string, unknown[]][];
  const longest = lists.sort((a, b) => b[1].length - a[1].length)[0];
  if (!longest || (longest[1].length <= limit && offset === 0)) return result;
  const [field, items] = longest;
  const page = items.slice(offset, offset + limit);
  const next = offset + page.length < items.length ? offset + page.length : null;
  return {
    ...result,
    structured: {
      ...result.structured,
      [field]: page,
      page: { field, total: items.length, offset, returned: page.length, more_available: next !== null, ...(next !== null ? { next_offset: next } : {}) },
    },
  };
}

export function apiTool(spec: GeneratedToolSpec, schemas: SchemasDoc): ToolDefinition {
  let validateArgs: ValidateFunction | undefined;
  let validateBody: ValidateFunction | null | undefined;
  const requestSchema = schemas.tools[spec.name]?.request ?? null;
  const handler = spec.handler === null ? undefined : apiHandlers[spec.handler];
  const pageable = 'offset' in ((spec.inputSchema.properties ?? {}) as object);
  if (spec.handler !== null && !handler) throw new Error(`tool '${spec.name}' names handler '${spec.handler}', which src/qc/handlers does not export`);

  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    toolset: spec.toolset,
    risk: spec.risk,
    severity: spec.severity,
    endpoint: `${spec.method} ${spec.path}`,
    openWorld: true,
    inputSchema: spec.inputSchema,
    outputSchema: spec.outputSchema,
    parse: (args): ParseResult => {
      // Unknown arguments are refused: nothing the model adds (say, confirm: true) rides along.
      validateArgs ??= ajv.compile({ ...spec.inputSchema, additionalProperties: false });
      const value = (args ?? {}) as Record<string, unknown>;
      return validateArgs(value) ? { ok: true, value } : { ok: false, problems: formatAjvErrors(validateArgs.errors, 'arguments') };
    },
    handler: async (args, ctx) => {
      const body = buildBody(spec, args, ctx.settings);
      if (requestSchema) {
        validateBody ??= ajv.compile({ ...requestSchema, $defs: schemas.$defs });
        if (!validateBody(body)) {
          throw new ToolError(`The request does not match QuantConnect's API: ${formatAjvErrors(validateBody.errors, 'body').join('; ')}`);
        }
      }
      if (handler) return handler({ spec, body, args, ctx, schemas });
      const result = await callUpstream(spec, body, ctx, schemas);
      if (spec.risk !== 'read') return withoutEcho(result, body);
      return pageable ? paginate(result, args) : result;
    },
  };
}
