// Copies codegen's handlebars templates next to the compiled codegen (tsc copies only code).
import { cpSync, mkdirSync } from 'node:fs';
mkdirSync('dist/codegen/templates', { recursive: true });
cpSync('codegen/templates', 'dist/codegen/templates', { recursive: true });
