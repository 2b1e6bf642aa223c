/**
 * Projections of full JSON Schemas into what `tools/list` carries:
 * - compactSchema: a property's input schema, inlined and trimmed to a size budget;
 *   the full schema still validates the request body at run time.
 * - lenientOutput: top-level properties with types widened for the API's known drift
 *   (booleans as strings, [] for dicts, numbers as strings, nulls), extra fields allowed.
 */
import { resolveRef, type JsonSchema } from './schema.js';

/** First sentence of spec prose, whitespace collapsed, markdown emphasis dropped, capped. */
export function trimDescription(text: unknown, max = 160): string | undefined {
  if (typeof text !== 'string') return undefined;
  const flat = text
    .replace(/<[^>]+>/g, ' ')
    .replace(/[*`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat === '') return undefined;
  const sentence = /^(.+?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  return sentence.length <= max ? sentence : `${sentence.slice(0, max - 1).trimEnd()}…`;
}

/** A property's one-line description as tools/list shows it: no leading "The", no final period. */
export function propertyText(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const bare = text.replace(/^The (\w)/, (_m, c: string) => c.toUpperCase()).replace(/(?<!\.)\.$/, '');
  return bare === '' ? undefined : bare;
}

const MAX_PROPERTY_CHARS = 700;
const MAX_ENUM = 16;

/** Component names of the variants of a oneOf/anyOf, for a one-line description. */
function variantNames(schema: JsonSchema): string[] {
  const variants = (schema.anyOf as JsonSchema[] | undefined) ?? [];
  return variants.map((v) => (typeof v.$ref === 'string' ? v.$ref.replace('#/$defs/', '') : '')).filter((n) => n !== '');
}

function typeOf(schema: JsonSchema): unknown {
  if (schema.type !== undefined) return schema.type;
  if (schema.properties !== undefined) return 'object';
  return undefined;
}

function inline(schema: JsonSchema, defs: ReadonlyMap<string, JsonSchema>, depth: number, seen: Set<string>): JsonSchema {
  const name = typeof schema.$ref === 'string' ? schema.$ref.replace('#/$defs/', '') : undefined;
  if (name !== undefined && (seen.has(name) || depth > 3)) {
    // A cycle or a deep structure: describe it, the body is validated in full at run time.
    const target = resolveRef(schema, defs);
    return { type: typeOf(target) ?? 'object', ...(schema.description ? { description: schema.description } : {}) };
  }
  const resolved = resolveRef(schema, defs);
  const nextSeen = name === undefined ? seen : new Set([...seen, name]);
  const out: JsonSchema = {};
  const type = typeOf(resolved);
  if (type !== undefined) out.type = type;
  const description = propertyText(trimDescription(resolved.description, 120));
  if (description) out.description = description;
  if (Array.isArray(resolved.enum) && resolved.enum.length <= MAX_ENUM) out.enum = resolved.enum;
  if (resolved.default !== undefined) out.default = resolved.default;
  for (const key of ['minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern'] as const) {
    if (resolved[key] !== undefined) out[key] = resolved[key];
  }
  if (resolved.items !== undefined) out.items = inline(resolved.items as JsonSchema, defs, depth + 1, nextSeen);
  if (resolved.properties !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(resolved.properties as Record<string, JsonSchema>).map(([k, v]) => [k, inline(v, defs, depth + 1, nextSeen)]),
    );
    if (Array.isArray(resolved.required) && resolved.required.length > 0) out.required = resolved.required;
  }
  if (Array.isArray(resolved.anyOf)) {
    const names = variantNames(resolved);
    if (names.length > 0) {
      out.description = `${out.description ? `${out.description} ` : ''}One of: ${names.join(', ')}.`;
      if (out.type === undefined) out.type = 'object';
    } else {
      out.anyOf = (resolved.anyOf as JsonSchema[]).map((v) => inline(v, defs, depth + 1, nextSeen));
    }
  }
  return out;
}

/** A property's input schema for tools/list, within the size budget. */
export function compactSchema(schema: JsonSchema, defs: ReadonlyMap<string, JsonSchema>): JsonSchema {
  const full = inline(schema, defs, 0, new Set());
  if (JSON.stringify(full).length <= MAX_PROPERTY_CHARS) return full;
  // Too large for the context budget: keep the type and description, drop nested detail.
  const { properties: _p, items, anyOf: _a, required: _r, ...shallow } = full;
  if (items && typeof items === 'object') shallow.items = { type: (items as JsonSchema).type ?? 'object' };
  return shallow;
}

const WIDEN: Record<string, string[]> = {
  string: ['string', 'number', 'boolean'],
  boolean: ['boolean', 'string'],
  integer: ['number', 'string'],
  number: ['number', 'string'],
  object: ['object', 'array'],
  array: ['array', 'object'],
};

function widenedType(schema: JsonSchema): string[] | undefined {
  const declared = typeOf(schema);
  const list = Array.isArray(declared) ? (declared as string[]) : typeof declared === 'string' ? [declared] : undefined;
  if (!list) return undefined;
  const widened = new Set<string>(['null']);
  for (const t of list) for (const w of WIDEN[t] ?? [t]) widened.add(w);
  return [...widened].sort();
}

/** The output schema advertised for a tool: lenient, so that API drift never fails validation. */
export function lenientOutput(response: JsonSchema | undefined, defs: ReadonlyMap<string, JsonSchema>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const collect = (schema: JsonSchema, depth: number): void => {
    const resolved = resolveRef(schema, defs);
    if (Array.isArray(resolved.anyOf) && depth < 4) {
      for (const variant of resolved.anyOf as JsonSchema[]) collect(variant, depth + 1);
    }
    for (const [name, prop] of Object.entries((resolved.properties as Record<string, JsonSchema> | undefined) ?? {})) {
      // A widened scalar (string, number or boolean) is listed by name only: its type list would cost
      // tokens in tools/list and say almost nothing. Containers keep their (widened) type.
      const type = widenedType(resolveRef(prop, defs));
      properties[name] = type && !type.includes('string') ? { type } : {};
    }
  };
  if (response) collect(response, 0);
  return { type: 'object', properties }; // open by default: extra fields are fine
}
