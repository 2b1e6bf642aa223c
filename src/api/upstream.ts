/**
 * One upstream call of a generated tool: the packaged request/response schemas, the request body
 * (server-side values injected), the typed POST, and the answer turned into a result or a ToolError
 * the model can act on (through the one answer reader, src/qc/answer.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ajv2020, ErrorObject } from 'ajv/dist/2020.js';
import { packageRoot } from '../config/package-info.js';
import type { InputSource } from '../config/tools-schema.js';
import { readAnswer } from '../qc/answer.js';
import type { CallInit, GeneratedToolSpec, JsonSchema, UpstreamResponse } from '../tool/generated-tool.js';
import { ToolError } from '../tool/results.js';
import type { RuntimeSettings, ToolContext, ToolReturn } from '../tool/tool.js';
import { lazyRequire } from '../util/lazy-require.js';
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

const ajvModule = lazyRequire<typeof import('ajv/dist/2020.js')>('ajv/dist/2020.js');
let validator: Ajv2020 | undefined;
/** The one JSON-schema validator of generated tools, created on the first validation. */
export function ajv(): Ajv2020 {
  validator ??= new (ajvModule().Ajv2020)({ strict: false, allErrors: true, validateFormats: false });
  return validator;
}

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
  const answer = readAnswer(response.status, text);
  switch (answer.kind) {
    case 'auth':
      throw new ToolError(
        `QuantConnect rejected the credentials (HTTP ${response.status}). The operator should check QUANTCONNECT_USER_ID and ` +
          "QUANTCONNECT_API_TOKEN, and that this machine's clock is correct (requests are signed with the time).",
      );
    case 'http':
      if (answer.status === 429) throw new ToolError(`QuantConnect is rate limiting requests (HTTP 429). Wait a minute, then try again.${writeNote}`);
      if (answer.status >= 500) throw new ToolError(`QuantConnect failed with HTTP ${answer.status}. Try again later.${writeNote}`);
      throw new ToolError(`QuantConnect answered HTTP ${answer.status}: ${text.slice(0, 300)}`);
    case 'not-json':
      throw new NotJsonError(`QuantConnect answered with something that is not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
    case 'refused':
      throw new ToolError(`QuantConnect refused ${spec.name}: ${answer.errors.length > 0 ? answer.errors.join('; ') : 'no reason given'}`, {
        errors: answer.errors,
      }).withStructured({
        success: false,
        errors: answer.errors,
      });
  }
  const normalized = normalizeResponse(answer.body, schemas.tools[spec.name]?.response ?? null, schemas.$defs);
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
