/** generated/openapi.ts: path and schema types from the (overlaid) spec, by openapi-typescript. */
import openapiTS, { astToString } from 'openapi-typescript';
import type { GenerationIR } from '../ir.js';
import { tsHeader } from './header.js';

export async function emitTypes(spec: Record<string, unknown>, ir: GenerationIR): Promise<string> {
  const ast = await openapiTS(structuredClone(spec) as unknown as Parameters<typeof openapiTS>[0], {
    alphabetize: true,
    silent: true,
  });
  return `${tsHeader(ir)}${astToString(ast)}`;
}
