/**
 * transformOperation: one tools.yaml entry + its spec operation -> ToolIR.
 * buildIR: every entry, plus the coverage check (every operation mapped or excluded).
 * Problems are collected, not thrown one at a time, so a maintainer sees all of them at once.
 */
import type { InputSource, ToolEntry, ToolsFile } from '../../src/config/tools-schema.js';
import type { GenerationIR, ToolIR } from '../ir.js';
import { getAt, pointer } from '../json-pointer.js';
import { compactSchema, lenientOutput, trimDescription } from './project.js';
import { resolveRef, SchemaError, SchemaTransformer, type JsonSchema } from './schema.js';

export class GenerationError extends Error {
  constructor(readonly problems: string[]) {
    super(`generation failed with ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'GenerationError';
  }
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const JSON_TYPE = 'application/json';
const MULTIPART = 'multipart/form-data';
const SOURCE_HINT: Record<InputSource, string> = {
  organization_id: "Default: the server's",
  agent_name: "Default: the server's",
};

/** Description of an injected property the model may pass anyway (as the official server's clients do). */
const ACCEPTED_HINT: Record<InputSource, string> = {
  organization_id: 'Ignored: QUANTCONNECT_ORGANIZATION_ID is sent.',
  agent_name: 'Ignored: AGENT_NAME is sent.',
};

/** Shared descriptions for the properties nested in a shown input (such as an optimization's parameters). */
function describeNested(schema: JsonSchema, shared: Readonly<Record<string, string>>): void {
  for (const [prop, child] of Object.entries((schema.properties as Record<string, JsonSchema> | undefined) ?? {})) {
    if (shared[prop] !== undefined) child.description = shared[prop];
    describeNested(child, shared);
  }
  if (schema.items && typeof schema.items === 'object') describeNested(schema.items as JsonSchema, shared);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function splitOperation(op: string): { method: string; path: string } {
  const [method = '', path = ''] = op.split(' ');
  return { method: method.toLowerCase(), path };
}

/** Every operation in the spec, as "POST /path". */
export function specOperations(spec: unknown): string[] {
  const paths = getAt(spec, '/paths');
  if (!isObject(paths)) return [];
  return Object.entries(paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => isObject(item) && isObject(item[m])).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

function requestBodySchema(operation: Record<string, unknown>, at: string): { schema: unknown; contentType: ToolIR['contentType']; schemaAt: string } | null {
  const body = operation.requestBody;
  if (body === undefined) return null;
  if (!isObject(body) || !isObject(body.content)) throw new SchemaError('requestBody has no content', `${at}/requestBody`);
  const types = Object.keys(body.content);
  const unknown = types.filter((t) => t !== JSON_TYPE && t !== MULTIPART);
  if (unknown.length > 0) {
    throw new SchemaError(`requestBody lists unsupported content type(s) ${unknown.map((t) => JSON.stringify(t)).join(', ')}`, `${at}/requestBody/content`);
  }
  const contentType = types.includes(JSON_TYPE) ? JSON_TYPE : MULTIPART;
  const media = body.content[contentType];
  const schemaAt = `${at}/requestBody/content${pointer(contentType)}/schema`;
  if (!isObject(media) || media.schema === undefined) throw new SchemaError('media type has no schema', schemaAt);
  return { schema: media.schema, contentType, schemaAt };
}

function responseSchema(operation: Record<string, unknown>, at: string): { schema: unknown; at: string } | null {
  const responses = operation.responses;
  if (!isObject(responses)) return null;
  const ok = responses['200'];
  const media = isObject(ok) && isObject(ok.content) ? ok.content[JSON_TYPE] : undefined;
  if (!isObject(media) || media.schema === undefined) return null;
  return { schema: media.schema, at: `${at}/responses/200/content${pointer(JSON_TYPE)}/schema` };
}

/** Pick the variant (by component name) out of a oneOf body. */
function pickVariant(body: JsonSchema, defs: ReadonlyMap<string, JsonSchema>, variant: string | undefined, name: string, at: string): JsonSchema {
  const resolved = resolveRef(body, defs);
  const variants = (resolved.anyOf as JsonSchema[] | undefined)?.map((v) => (typeof v.$ref === 'string' ? v.$ref.replace('#/$defs/', '') : '?'));
  if (variants === undefined) {
    if (variant !== undefined) throw new SchemaError(`tool '${name}' sets variant '${variant}', but the request body is not a oneOf`, at);
    return body;
  }
  if (variant === undefined) {
    throw new SchemaError(`request body is a oneOf; tool '${name}' must set 'variant:' to one of ${variants.join(', ')}`, at);
  }
  const index = variants.indexOf(variant);
  if (index < 0) throw new SchemaError(`tool '${name}' sets variant '${variant}', which is not one of ${variants.join(', ')}`, at);
  return (resolved.anyOf as JsonSchema[])[index] as JsonSchema;
}

function flatInput(
  name: string,
  entry: ToolEntry,
  body: JsonSchema | null,
  transformer: SchemaTransformer,
  at: string,
  shared: Readonly<Record<string, string>> = {},
): { inputSchema: JsonSchema; inject: Record<string, InputSource>; defaults: Record<string, InputSource>; extra: string[] } {
  const resolved = body ? resolveRef(body, transformer.defs) : { properties: {} };
  const props = (resolved.properties as Record<string, JsonSchema> | undefined) ?? {};
  if (body && resolved.properties === undefined) {
    throw new SchemaError(`tool '${name}': request body is not an object with properties, so it cannot be flattened`, at);
  }
  const inputs = entry.inputs ?? {};
  const inject = inputs.inject ?? {};
  const defaults = inputs.default_from ?? {};
  const accepted = new Set(inputs.accept ?? []);
  const notInjected = [...accepted].filter((p) => !(p in inject));
  if (notInjected.length > 0) throw new SchemaError(`tool '${name}': accept names ${notInjected.join(', ')}, which it does not inject`, at);
  const named = [...(inputs.omit ?? []), ...Object.keys(inject), ...Object.keys(defaults), ...(inputs.require ?? []), ...(inputs.optional ?? [])];
  const overrides = inputs.override ?? {};
  const unknown = named.filter((p) => !(p in props));
  if (unknown.length > 0) {
    throw new SchemaError(`tool '${name}' names input(s) ${unknown.join(', ')} that the request body does not have`, at);
  }
  const hidden = new Set([...(inputs.omit ?? []), ...Object.keys(inject).filter((p) => !accepted.has(p))]);
  const properties: Record<string, JsonSchema> = {};
  for (const [prop, schema] of Object.entries(props)) {
    if (hidden.has(prop)) continue;
    const compact = compactSchema(schema, transformer.defs);
    describeNested(compact, shared);
    if (shared[prop] !== undefined) compact.description = shared[prop];
    const source = defaults[prop];
    const own = typeof compact.description === 'string' ? compact.description.replace(/\.?$/, '. ') : '';
    if (source) compact.description = `${own}${SOURCE_HINT[source]}`;
    const injected = inject[prop];
    if (accepted.has(prop) && injected) compact.description = ACCEPTED_HINT[injected];
    properties[prop] = compact;
  }
  for (const [prop, schema] of Object.entries(inputs.extra ?? {})) {
    if (prop in properties) throw new SchemaError(`tool '${name}': extra input '${prop}' collides with a body property`, at);
    properties[prop] = schema.description === undefined && shared[prop] !== undefined ? { ...schema, description: shared[prop] } : schema;
  }
  for (const [prop, keywords] of Object.entries(overrides)) {
    if (!(prop in properties)) throw new SchemaError(`tool '${name}' overrides input '${prop}', which it does not show`, at);
    properties[prop] = { ...properties[prop], ...keywords };
  }
  const required = new Set([...((resolved.required as string[] | undefined) ?? []), ...(inputs.require ?? [])]);
  if (inputs.optional && !entry.handler) throw new SchemaError(`tool '${name}': optional inputs need a handler that fills them`, at);
  for (const prop of [...hidden, ...Object.keys(defaults), ...accepted, ...(inputs.optional ?? [])]) required.delete(prop);
  const inputSchema: JsonSchema = { type: 'object', properties };
  if (required.size > 0) inputSchema.required = [...required].filter((r) => r in properties);
  return { inputSchema, inject, defaults, extra: Object.keys(inputs.extra ?? {}) };
}

export function transformOperation(
  name: string,
  entry: ToolEntry,
  spec: unknown,
  transformer: SchemaTransformer,
  shared: Readonly<Record<string, string>> = {},
): ToolIR {
  const { method, path } = splitOperation(entry.operation ?? '');
  const at = pointer('paths', path, method);
  const operation = getAt(spec, at);
  if (!isObject(operation)) {
    throw new SchemaError(
      `tool '${name}' maps ${entry.operation}, which is not in the spec (removed or renamed upstream?): ` +
        `point its 'operation' at the new path, or delete the tool from tools.yaml`,
      at,
    );
  }
  const missing = (['toolset', 'risk', 'severity'] as const).filter((k) => entry[k] === undefined);
  if (missing.length > 0) throw new SchemaError(`tool '${name}' needs ${missing.join(', ')} in tools.yaml`, at);

  const bodyInfo = requestBodySchema(operation, at);
  let request: JsonSchema | null = null;
  if (bodyInfo) request = pickVariant(transformer.transform(bodyInfo.schema, bodyInfo.schemaAt), transformer.defs, entry.variant, name, bodyInfo.schemaAt);
  else if (entry.variant !== undefined) throw new SchemaError(`tool '${name}' sets variant, but the operation has no request body`, at);

  const responseInfo = responseSchema(operation, at);
  const response = responseInfo ? transformer.transform(responseInfo.schema, responseInfo.at) : null;
  const { inputSchema, inject, defaults, extra } = flatInput(name, entry, request, transformer, bodyInfo?.schemaAt ?? at, shared);
  const specText = trimDescription(operation.summary, 200) ?? trimDescription(operation.description, 200);

  return {
    name,
    title: entry.title ?? name.replace(/_/g, ' '),
    description: entry.description ?? specText ?? name.replace(/_/g, ' '),
    toolset: entry.toolset as string,
    risk: entry.risk!,
    severity: entry.severity!,
    method: method.toUpperCase(),
    path,
    at,
    contentType: bodyInfo?.contentType ?? null,
    variant: entry.variant ?? null,
    inputSchema,
    outputSchema: lenientOutput(response ?? undefined, transformer.defs),
    request,
    response,
    inject,
    defaults,
    extraInputs: extra,
    handler: entry.handler ?? null,
  };
}

export function buildIR(spec: unknown, tools: ToolsFile, hashes: { spec: string; toolsYaml: string }): GenerationIR {
  const problems: string[] = [];
  const transformer = new SchemaTransformer(spec);
  const irs: ToolIR[] = [];
  const localTools: string[] = [];
  const mapped = new Set<string>();

  for (const [name, entry] of Object.entries(tools.tools)) {
    if (entry.operation === undefined) {
      const mappingOnly = (['variant', 'inputs', 'handler'] as const).filter((k) => entry[k] !== undefined);
      if (mappingOnly.length > 0) problems.push(`tool '${name}' sets ${mappingOnly.join(', ')} but has no operation`);
      localTools.push(name);
      continue;
    }
    if (entry.toolset !== undefined && !(entry.toolset in tools.toolsets)) {
      problems.push(`tool '${name}' uses toolset '${entry.toolset}', which is not declared under toolsets`);
    }
    mapped.add(entry.operation);
    try {
      irs.push(transformOperation(name, entry, spec, transformer, tools.input_descriptions));
    } catch (error) {
      if (error instanceof SchemaError) problems.push(error.message);
      else throw error;
    }
  }

  const excluded = tools.excluded ?? {};
  const operations = specOperations(spec);
  for (const op of operations) {
    if (mapped.has(op) || op in excluded) continue;
    const { method, path } = splitOperation(op);
    problems.push(
      `unmapped operation ${op} (#${pointer('paths', path, method)}): new upstream? Map it with a tool ` +
        `(\`operation: ${op}\`) in tools.yaml, or list it under \`excluded:\` with a reason`,
    );
  }
  for (const op of Object.keys(excluded)) {
    if (!operations.includes(op)) problems.push(`excluded operation ${op} is not in the spec: delete it from \`excluded:\``);
    if (mapped.has(op)) problems.push(`operation ${op} is both mapped and excluded`);
  }
  const operationSchemas: GenerationIR['operations'] = {};
  for (const op of operations) {
    const { method, path } = splitOperation(op);
    const at = pointer('paths', path, method);
    try {
      const operation = getAt(spec, at) as Record<string, unknown>;
      const bodyInfo = requestBodySchema(operation, at);
      const responseInfo = responseSchema(operation, at);
      operationSchemas[op] = {
        request: bodyInfo ? transformer.transform(bodyInfo.schema, bodyInfo.schemaAt) : null,
        response: responseInfo ? transformer.transform(responseInfo.schema, responseInfo.at) : null,
        contentType: bodyInfo?.contentType ?? null,
      };
    } catch (error) {
      if (error instanceof SchemaError) problems.push(error.message);
      else throw error;
    }
  }
  if (problems.length > 0) throw new GenerationError([...new Set(problems)]);

  return {
    operations: operationSchemas,
    tools: irs,
    localTools,
    toolsets: Object.entries(tools.toolsets).map(([name, t]) => ({ name, description: t.description, default: t.default })),
    defs: Object.fromEntries([...transformer.defs.entries()].sort(([a], [b]) => a.localeCompare(b))),
    excluded: Object.entries(excluded).map(([operation, reason]) => ({ operation, reason })),
    specSha256: hashes.spec,
    toolsYamlSha256: hashes.toolsYaml,
  };
}
