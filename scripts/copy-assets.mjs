// Copies codegen's handlebars templates next to the compiled codegen (tsc copies only code).
import { cpSync, mkdirSync } from 'node:fs';
mkdirSync('dist/codegen/templates', { recursive: true });
cpSync('codegen/templates', 'dist/codegen/templates', { recursive: true });

// tools.yaml validated once, so that start-up does not load the YAML parser (src/config/tools-cache.ts).
const { writeToolsCache } = await import('../dist/src/config/tools-cache.js');
writeToolsCache('tools.yaml');
