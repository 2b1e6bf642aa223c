/**
 * generated/schemas.json: full request and response schemas, for request validation and
 * response normalisation at run time. Descriptions are stripped (docs carry them).
 */
import type { GenerationIR } from '../ir.js';
import type { JsonSchema } from '../transform/schema.js';
import { provenance } from './header.js';

const SCHEMA_MAPS = ['properties', '$defs'] as const;
const SCHEMA_VALUES = ['items', 'additionalProperties', 'not'] as const;
const SCHEMA_LISTS = ['anyOf', 'allOf', 'oneOf'] as const;

export function stripDescriptions(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || key === 'title') continue;
    if ((SCHEMA_MAPS as readonly string[]).includes(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripDescriptions(v as JsonSchema)]));
    } else if ((SCHEMA_VALUES as readonly string[]).includes(key) && value && typeof value === 'object') {
      out[key] = stripDescriptions(value as JsonSchema);
    } else if ((SCHEMA_LISTS as readonly string[]).includes(key) && Array.isArray(value)) {
      out[key] = value.map((v) => stripDescriptions(v as JsonSchema));
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function emitSchemas(ir: GenerationIR): string {
  const doc = {
    $comment: provenance(ir),
    $defs: Object.fromEntries(Object.entries(ir.defs).map(([k, v]) => [k, stripDescriptions(v)])),
    operations: Object.fromEntries(
      Object.entries(ir.operations).map(([op, o]) => [
        op,
        {
          contentType: o.contentType,
          request: o.request ? stripDescriptions(o.request) : null,
          response: o.response ? stripDescriptions(o.response) : null,
        },
      ]),
    ),
    tools: Object.fromEntries(
      ir.tools.map((t) => [
        t.name,
        {
          request: t.request ? stripDescriptions(t.request) : null,
          response: t.response ? stripDescriptions(t.response) : null,
        },
      ]),
    ),
  };
  return `${JSON.stringify(doc, null, 1)}\n`;
}
