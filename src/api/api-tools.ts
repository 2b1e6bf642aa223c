/**
 * Generated tool specs -> ToolDefinitions: validate the flat arguments, build the request body
 * (inject server-side values), validate it against the spec's full request schema, make one
 * typed POST (src/api/upstream.ts), then shape the result: no echoed file contents, pages for lists.
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { GeneratedToolSpec } from '../tool/generated-tool.js';
import { ToolError, type ExtraContent } from '../tool/results.js';
import type { ParseResult, ToolDefinition, ToolReturn } from '../tool/tool.js';
import { apiHandlers } from './handlers/index.js';
import { withoutLiveFiles } from './live-files.js';
import { ajv, buildBody, callUpstream, formatAjvErrors, type SchemasDoc } from './upstream.js';

export { META_BACKEND, META_DRIFT, loadPackagedSchemas, formatAjvErrors, type SchemasDoc } from './upstream.js';

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
      links.push({
        type: 'resource_link',
        uri: `quantconnect://projects/${projectId}/files/${f.name.split('/').map(encodeURIComponent).join('/')}`,
        name: f.name,
        mimeType: 'text/plain',
      });
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

/**
 * The input schema tools/list shows: without the injected properties a tool still accepts (as the
 * official server's clients send codeSourceId). They are ignored, so the model need not see them;
 * arguments are still checked against the full schema, where they are allowed.
 */
function unlistAccepted(spec: GeneratedToolSpec): GeneratedToolSpec['inputSchema'] {
  const properties = (spec.inputSchema.properties ?? {}) as Record<string, unknown>;
  const accepted = Object.keys(spec.inject).filter((p) => p in properties);
  if (accepted.length === 0) return spec.inputSchema;
  return { ...spec.inputSchema, properties: Object.fromEntries(Object.entries(properties).filter(([p]) => !accepted.includes(p))) };
}

export function apiTool(spec: GeneratedToolSpec, schemas: SchemasDoc): ToolDefinition {
  let validateArgs: ValidateFunction | undefined;
  let validateBody: ValidateFunction | null | undefined;
  const requestSchema = schemas.tools[spec.name]?.request ?? null;
  const handler = spec.handler === null ? undefined : apiHandlers[spec.handler];
  const pageable = 'offset' in ((spec.inputSchema.properties ?? {}) as object);
  const listed = unlistAccepted(spec);
  if (spec.handler !== null && !handler) throw new Error(`tool '${spec.name}' names handler '${spec.handler}', which src/api/handlers does not export`);
  // Properties the spec requires that the tool lets the model leave out (inputs.optional): its handler fills them.
  const requestRequired = ((requestSchema?.$ref ? schemas.$defs[String(requestSchema.$ref).split('/').pop()!] : requestSchema)?.required ?? []) as string[];
  const inputRequired = new Set((spec.inputSchema.required ?? []) as string[]);
  const filledByHandler = handler
    ? requestRequired.filter((p) => p in ((spec.inputSchema.properties ?? {}) as object) && !inputRequired.has(p) && !(p in spec.defaults))
    : [];
  const live = spec.path.startsWith('/live/');

  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    toolset: spec.toolset,
    risk: spec.risk,
    severity: spec.severity,
    endpoint: `${spec.method} ${spec.path}`,
    openWorld: true,
    inputSchema: listed,
    // No outputSchema in tools/list: the generated ones are widened to property names that accept any value
    // (the API drifts from its spec), so they told a client nothing it can check and cost ~2k tokens.
    parse: (args): ParseResult => {
      // Unknown arguments are refused: nothing the model adds (say, confirm: true) rides along.
      validateArgs ??= ajv().compile({ ...spec.inputSchema, additionalProperties: false });
      const value = (args ?? {}) as Record<string, unknown>;
      return validateArgs(value) ? { ok: true, value } : { ok: false, problems: formatAjvErrors(validateArgs.errors, 'arguments') };
    },
    handler: async (args, ctx) => {
      const body = buildBody(spec, args, ctx.settings);
      const check = (checked: Record<string, unknown>): void => {
        if (!requestSchema) return;
        validateBody ??= ajv().compile({ ...requestSchema, $defs: schemas.$defs });
        if (!validateBody(checked)) {
          throw new ToolError(`The request does not match QuantConnect's API: ${formatAjvErrors(validateBody.errors, 'body').join('; ')}`);
        }
      };
      if (!filledByHandler.some((p) => body[p] === undefined)) check(body);
      if (handler) return handler({ spec, body, args, ctx, schemas, check });
      const answer = await callUpstream(spec, body, ctx, schemas);
      const result = live ? withoutLiveFiles(answer) : answer;
      if (spec.risk !== 'read') return withoutEcho(result, body);
      return pageable ? paginate(result, args) : result;
    },
  };
}
