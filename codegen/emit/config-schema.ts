/** generated/tools.schema.json: JSON Schema of tools.yaml, so editors validate it. */
import { z } from 'zod';
import { ToolsFileSchema } from '../../src/config/tools-schema.js';
import type { GenerationIR } from '../ir.js';
import { provenance } from './header.js';

export function emitConfigSchema(ir: GenerationIR): string {
  const schema = z.toJSONSchema(ToolsFileSchema, { target: 'draft-7' }) as Record<string, unknown>;
  return `${JSON.stringify({ $comment: provenance(ir), ...schema, title: 'quantconnect-mcp tools.yaml' }, null, 2)}\n`;
}
