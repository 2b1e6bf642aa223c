/**
 * Validators for request bodies built straight from QuantConnect's spec (overlays applied),
 * independent of generated/schemas.json. Falls back to the generated schemas only when no copy
 * of the spec is on this machine (a fresh clone without `npm run spec:pull`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { getAt, pointer } from '../../codegen/json-pointer.js';
import { loadSpec } from '../../codegen/spec-source.js';
import { SchemaTransformer } from '../../codegen/transform/schema.js';
import { loadPackagedSchemas } from '../../src/api/api-tools.js';

export const SPEC_CANDIDATES = [process.env.QC_SPEC, 'spec/QuantConnect-Platform-2.0.0.yaml', '../shared/spec/QuantConnect-Platform-2.0.0.yaml']
  .filter((p): p is string => p !== undefined)
  .map((p) => resolve(p));

export const specPath = SPEC_CANDIDATES.find((p) => existsSync(p));
export const HISTORY_SPEC = resolve('../shared/spec/history/QuantConnect-Platform-2.0.0.707c0eb.yaml');

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

export function requestValidators(): { source: string; validatorFor: (operation: string) => ValidateFunction | null } {
  if (!specPath) {
    const schemas = loadPackagedSchemas();
    return {
      source: 'generated/schemas.json (no spec on this machine)',
      validatorFor: (op) => {
        const schema = schemas.operations[op]?.request;
        return schema ? ajv.compile({ ...schema, $defs: schemas.$defs }) : null;
      },
    };
  }
  const spec = loadSpec(specPath, resolve('spec/overlays'));
  const transformer = new SchemaTransformer(spec.doc);
  return {
    source: specPath,
    validatorFor: (op) => {
      const [method = '', path = ''] = op.split(' ');
      const at = pointer('paths', path, method.toLowerCase(), 'requestBody', 'content');
      const content = getAt(spec.doc, at) as Record<string, { schema: unknown }> | undefined;
      const media = content?.['application/json'] ?? content?.['multipart/form-data'];
      if (!media) return null;
      const schema = transformer.transform(media.schema, `${at}/schema`);
      return ajv.compile({ ...schema, $defs: Object.fromEntries(transformer.defs) });
    },
  };
}
