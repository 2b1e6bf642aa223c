/**
 * Lenient response normalisation. The real API drifts from its spec: booleans where the spec
 * says "true"/"false", booleans sent as strings, non-RFC-3339 dates, [] for dicts ({} for lists), unknown enum
 * values ("Runtime Error"), nulls and extra fields. Normalise what can be normalised, pass the
 * rest through unchanged, and record every drift. Never throws, never drops data.
 */
import { escapeToken } from '../util/json-pointer.js';
import type { JsonSchema } from '../tool/generated-tool.js';

export type DriftKind = 'type' | 'enum' | 'date' | 'null' | 'extra' | 'empty-array-for-object' | 'empty-object-for-array';

export interface Drift {
  /** JSON pointer into the response. */
  path: string;
  kind: DriftKind;
  detail: string;
}

export interface Normalized {
  value: unknown;
  drift: Drift[];
  /** How many drifts there were in all (`drift` is capped). */
  driftCount: number;
}

const MAX_DRIFT = 50;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SPACE_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AP]M))?)?$/i;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function iso(year: number, month: number, day: number, h = 0, m = 0, s = 0, frac = ''): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day, h, m, s));
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== day) return undefined;
  const base = date.toISOString().slice(0, 19);
  return `${base}${frac}Z`;
}

/** A date the API sent in a non-RFC-3339 form, as RFC 3339 (UTC), or undefined when unparseable. */
export function toRfc3339(value: string | number): string | undefined {
  if (typeof value === 'number') {
    const ms = value > 1e12 ? value : value * 1000;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace('.000Z', 'Z');
  }
  const trimmed = value.trim();
  const a = SPACE_DATE.exec(trimmed);
  if (a) return iso(+a[1]!, +a[2]!, +a[3]!, +(a[4] ?? 0), +(a[5] ?? 0), +(a[6] ?? 0), a[7] ?? '');
  const b = US_DATE.exec(trimmed);
  if (b) {
    let hour = +(b[4] ?? 0);
    const meridiem = b[7]?.toUpperCase();
    if (meridiem === 'PM' && hour < 12) hour += 12;
    if (meridiem === 'AM' && hour === 12) hour = 0;
    return iso(+b[3]!, +b[1]!, +b[2]!, hour, +(b[5] ?? 0), +(b[6] ?? 0));
  }
  return undefined;
}

class Walker {
  drift: Drift[] = [];
  count = 0;

  constructor(private readonly defs: Readonly<Record<string, JsonSchema>>) {}

  note(path: string, kind: DriftKind, detail: string): void {
    this.count++;
    if (this.drift.length < MAX_DRIFT) this.drift.push({ path: path || '/', kind, detail });
  }

  resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
      current = this.defs[current.$ref.replace('#/$defs/', '')] ?? {};
    }
    return current;
  }

  types(schema: JsonSchema): string[] {
    if (typeof schema.type === 'string') return [schema.type];
    if (Array.isArray(schema.type)) return schema.type as string[];
    if (isPlainObject(schema.properties)) return ['object'];
    return [];
  }

  /** The anyOf branch that fits the value best (most matching keys for objects). */
  pick(variants: JsonSchema[], value: unknown): JsonSchema {
    let best: JsonSchema = variants[0] ?? {};
    let bestScore = -Infinity;
    for (const variant of variants) {
      const resolved = this.resolve(variant);
      let score = 0;
      if (isPlainObject(value)) {
        const props = Object.keys((resolved.properties as Record<string, unknown> | undefined) ?? {});
        score = props.filter((p) => p in value).length - Object.keys(value).filter((k) => !props.includes(k)).length * 0.5;
      } else if (this.types(resolved).includes(Array.isArray(value) ? 'array' : typeof value)) {
        score = 1;
      }
      if (score > bestScore) [best, bestScore] = [resolved, score];
    }
    return best;
  }

  walk(value: unknown, rawSchema: JsonSchema, path: string): unknown {
    let schema = this.resolve(rawSchema);
    if (Array.isArray(schema.anyOf) && schema.properties === undefined) schema = this.pick(schema.anyOf as JsonSchema[], value);
    const types = this.types(schema);
    if (types.length === 0 && !isPlainObject(schema.properties)) return value; // unconstrained

    if (value === null) {
      if (!types.includes('null')) this.note(path, 'null', `null where the spec says ${types.join('|') || 'a value'}`);
      return value;
    }
    if (types.includes('object')) return this.walkObject(value, schema, path);
    if (types.includes('array')) {
      if (!Array.isArray(value)) {
        if (isPlainObject(value) && Object.keys(value).length === 0) {
          this.note(path, 'empty-object-for-array', '{} where the spec says an array; normalised to []');
          return [];
        }
        this.note(path, 'type', `${value === null ? 'null' : typeof value} where the spec says array`);
        return value;
      }
      const items = (schema.items as JsonSchema | undefined) ?? {};
      return value.map((item, i) => this.walk(item, items, `${path}/${i}`));
    }
    if (types.includes('boolean')) return this.walkBoolean(value, path);
    if (types.includes('integer') || types.includes('number')) return this.walkNumber(value, types, path);
    if (types.includes('string')) return this.walkString(value, schema, path);
    return value;
  }

  walkObject(value: unknown, schema: JsonSchema, path: string): unknown {
    if (Array.isArray(value)) {
      if (value.length === 0) {
        this.note(path, 'empty-array-for-object', '[] where the spec says an object; normalised to {}');
        return {};
      }
      this.note(path, 'type', 'array where the spec says object');
      return value;
    }
    if (!isPlainObject(value)) {
      this.note(path, 'type', `${typeof value} where the spec says object`);
      return value;
    }
    const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
    const additional = schema.additionalProperties;
    const out: Record<string, unknown> = {};
    const extras: string[] = [];
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}/${escapeToken(key)}`;
      const propSchema = properties[key];
      if (propSchema) out[key] = this.walk(child, propSchema, childPath);
      else if (isPlainObject(additional)) out[key] = this.walk(child, additional, childPath);
      else {
        if (schema.properties !== undefined && additional === undefined) extras.push(key);
        out[key] = child;
      }
    }
    if (extras.length > 0) this.note(path, 'extra', `field(s) not in the spec: ${extras.slice(0, 10).join(', ')}${extras.length > 10 ? ', …' : ''}`);
    return out;
  }

  walkBoolean(value: unknown, path: string): unknown {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false' || value === 'True' || value === 'False') {
      this.note(path, 'type', `string "${value}" where the spec says boolean; normalised to a boolean`);
      return value.toLowerCase() === 'true';
    }
    this.note(path, 'type', `${typeof value} where the spec says boolean`);
    return value;
  }

  walkNumber(value: unknown, types: string[], path: string): unknown {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
      this.note(path, 'type', `numeric string where the spec says ${types.join('|')}; normalised to a number`);
      return Number(value);
    }
    if (types.includes('string')) return value;
    this.note(path, 'type', `${typeof value} where the spec says ${types.join('|')}`);
    return value;
  }

  walkString(value: unknown, schema: JsonSchema, path: string): unknown {
    const enumValues = Array.isArray(schema.enum) ? (schema.enum as unknown[]) : undefined;
    if (typeof value === 'boolean') {
      // The spec says "true"/"false" strings; the API sends booleans. Keep the boolean.
      if (!enumValues?.includes(String(value))) this.note(path, 'type', 'boolean where the spec says string');
      else this.note(path, 'type', `boolean where the spec says the string "${String(value)}"`);
      return value;
    }
    if (schema.format === 'date-time' && (typeof value === 'string' || typeof value === 'number')) {
      if (typeof value === 'string' && RFC3339.test(value)) return value;
      const converted = toRfc3339(value);
      this.note(path, 'date', converted ? `"${value}" is not RFC 3339; normalised to ${converted}` : `unparseable date "${value}" passed through`);
      return converted ?? value;
    }
    if (typeof value !== 'string') {
      this.note(path, 'type', `${typeof value} where the spec says string`);
      return value;
    }
    if (enumValues && !enumValues.includes(value)) this.note(path, 'enum', `"${value}" is not one of the spec's values`);
    return value;
  }
}

export function normalizeResponse(value: unknown, schema: JsonSchema | null, defs: Readonly<Record<string, JsonSchema>>): Normalized {
  if (!schema) return { value, drift: [], driftCount: 0 };
  const walker = new Walker(defs);
  const out = walker.walk(value, schema, '');
  return { value: out, drift: walker.drift, driftCount: walker.count };
}
