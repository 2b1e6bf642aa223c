/**
 * transformSchema: one OpenAPI 3.0 schema object -> JSON Schema (2020-12).
 *
 * - Only local `#/components/schemas/*` references are followed; they become `#/$defs/Name`,
 *   so cycles stay finite. Any other reference is an error carrying the JSON pointer.
 * - `nullable: true` adds "null" to the type (and to an enum).
 * - `allOf` whose parts are all objects is merged into one object (properties, required).
 * - `oneOf` becomes `anyOf`: the API's variants overlap, and validation must stay lenient.
 * - Spec text (descriptions) is carried as data, never interpreted.
 */
import { unescapeToken } from '../../src/util/json-pointer.js';
import { getAt, pointer } from '../json-pointer.js';

export type { JsonSchema } from '../../src/tool/generated-tool.js';
import type { JsonSchema } from '../../src/tool/generated-tool.js';

export class SchemaError extends Error {
  constructor(
    message: string,
    readonly at: string,
  ) {
    super(`${message} at #${at}`);
    this.name = 'SchemaError';
  }
}

const DROPPED = new Set(['example', 'examples', 'xml', 'externalDocs', 'discriminator', 'readOnly', 'writeOnly', 'deprecated', 'nullable']);
const COMPONENT_REF = /^#\/components\/schemas\/([^/]+)$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function refName(ref: string, at: string): string {
  if (!ref.startsWith('#/')) throw new SchemaError(`only local $refs are supported, got ${JSON.stringify(ref)}`, at);
  const match = COMPONENT_REF.exec(ref);
  if (!match?.[1]) throw new SchemaError(`$ref ${JSON.stringify(ref)} does not point at a component schema`, at);
  return decodeURIComponent(unescapeToken(match[1]));
}

/** Converts schemas of one spec, collecting every referenced component into `defs`. */
export class SchemaTransformer {
  readonly defs = new Map<string, JsonSchema>();
  private readonly inProgress = new Set<string>();

  constructor(private readonly spec: unknown) {}

  /** The raw component schema `name`, or an error naming the reference site. */
  private component(name: string, at: string): Record<string, unknown> {
    const raw = getAt(this.spec, pointer('components', 'schemas', name));
    if (!isObject(raw)) throw new SchemaError(`$ref to missing schema #/components/schemas/${name}`, at);
    return raw;
  }

  /** Make sure component `name` is converted into `defs`; returns its `$ref`. */
  ref(name: string, at: string): JsonSchema {
    if (!this.defs.has(name) && !this.inProgress.has(name)) {
      const raw = this.component(name, at);
      this.inProgress.add(name);
      const converted = this.transform(raw, pointer('components', 'schemas', name));
      this.inProgress.delete(name);
      this.defs.set(name, converted);
    }
    return { $ref: `#/$defs/${name}` };
  }

  /** Resolve a raw schema through `$ref`s to the raw target (for allOf merging). */
  private deref(node: unknown, at: string, seen = new Set<string>()): { node: Record<string, unknown>; at: string } {
    if (!isObject(node)) throw new SchemaError('schema must be an object', at);
    if (typeof node.$ref !== 'string') return { node, at };
    const name = refName(node.$ref, at);
    if (seen.has(name)) throw new SchemaError(`allOf through a reference cycle (${[...seen, name].join(' -> ')})`, at);
    seen.add(name);
    return this.deref(this.component(name, at), pointer('components', 'schemas', name), seen);
  }

  transform(node: unknown, at: string): JsonSchema {
    if (node === true || node === false) return node ? {} : { not: {} };
    if (!isObject(node)) throw new SchemaError('schema must be an object', at);
    if (typeof node.$ref === 'string') {
      const ref = this.ref(refName(node.$ref, at), at);
      // OpenAPI 3.0 ignores siblings of $ref, but descriptions beside it are useful to keep.
      return typeof node.description === 'string' ? { ...ref, description: node.description } : ref;
    }
    if (Array.isArray(node.allOf)) return this.transformAllOf(node, at);

    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED.has(key) || value === null) continue;
      switch (key) {
        case 'properties': {
          if (!isObject(value)) throw new SchemaError('properties must be an object', `${at}/properties`);
          out.properties = Object.fromEntries(
            Object.entries(value).map(([prop, schema]) => [prop, this.transform(schema, `${at}${pointer('properties', prop)}`)]),
          );
          break;
        }
        case 'items':
          out.items = this.transform(value, `${at}/items`);
          break;
        case 'additionalProperties':
          out.additionalProperties = typeof value === 'boolean' ? value : this.transform(value, `${at}/additionalProperties`);
          break;
        case 'oneOf':
        case 'anyOf': {
          if (!Array.isArray(value)) throw new SchemaError(`${key} must be an array`, `${at}/${key}`);
          out.anyOf = value.map((v, i) => this.transform(v, `${at}/${key}/${i}`));
          break;
        }
        case 'not':
          out.not = this.transform(value, `${at}/not`);
          break;
        case 'required':
          if (Array.isArray(value) && value.length > 0) out.required = [...value];
          break;
        default:
          out[key] = structuredClone(value);
      }
    }
    if (node.nullable === true) makeNullable(out);
    return out;
  }

  private transformAllOf(node: Record<string, unknown>, at: string): JsonSchema {
    const parts = (node.allOf as unknown[]).map((part, i) => this.deref(part, `${at}/allOf/${i}`));
    const objectLike = parts.every(({ node: p }) => p.type === 'object' || isObject(p.properties) || Array.isArray(p.allOf));
    if (!objectLike) {
      const { allOf: _ignored, ...rest } = node;
      return { ...this.transform(rest, at), allOf: parts.map(({ node: p, at: pAt }) => this.transform(p, pAt)) };
    }
    const merged: JsonSchema = { type: 'object' };
    const properties: Record<string, JsonSchema> = {};
    const required = new Set<string>();
    const absorb = (schema: JsonSchema): void => {
      Object.assign(properties, (schema.properties as Record<string, JsonSchema> | undefined) ?? {});
      for (const r of (schema.required as string[] | undefined) ?? []) required.add(r);
      if (typeof schema.description === 'string') merged.description = schema.description;
      if (schema.additionalProperties !== undefined) merged.additionalProperties = schema.additionalProperties;
    };
    for (const { node: part, at: partAt } of parts) absorb(this.transform(part, partAt));
    const { allOf: _allOf, ...own } = node;
    absorb(this.transform(own, at));
    merged.properties = properties;
    if (required.size > 0) merged.required = [...required];
    if (node.nullable === true) makeNullable(merged);
    return merged;
  }
}

function makeNullable(schema: JsonSchema): void {
  if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  else if (Array.isArray(schema.type) && !schema.type.includes('null')) schema.type = [...schema.type, 'null'];
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  if (schema.type === undefined && Array.isArray(schema.anyOf)) schema.anyOf = [...schema.anyOf, { type: 'null' }];
}

/** Follow `$ref`s into `defs`. */
export function resolveRef(schema: JsonSchema, defs: ReadonlyMap<string, JsonSchema>): JsonSchema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
    const name = current.$ref.replace('#/$defs/', '');
    const target = defs.get(name);
    if (!target) return {};
    const { $ref: _ref, ...siblings } = current;
    current = { ...target, ...siblings };
  }
  return current;
}
