/**
 * generate: spec + tools.yaml -> IR -> every emitted file, in memory. Writing and checking
 * share this one code path: `--check` compares the same in-memory files with the disk,
 * reporting changed, new and stale files.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseYamlText } from '../src/config/load-yaml.js';
import { ToolsFileSchema } from '../src/config/tools-schema.js';
import { operatorConfigFrom } from '../src/config/operator-config.js';
import type { ToolDefinition } from '../src/tool/tool.js';
import { emitConfigSchema } from './emit/config-schema.js';
import { emitReadmeTable, emitSettingsTable, emitToolsDoc, type DocTool } from './emit/docs.js';
import { emitSchemas } from './emit/schemas.js';
import { emitTools } from './emit/tools.js';
import { emitTypes } from './emit/types.js';
import type { GenerationIR } from './ir.js';
import type { OverlayNote } from './overlay.js';
import { loadSpec, sha256 } from './spec-source.js';
import { buildIR } from './transform/operation.js';

export interface GenerateOptions {
  root: string;
  specPath: string;
  overlayDir?: string;
  toolsYamlPath?: string;
  /** Plugin tools, for the docs (the inventory is generated + plugins). */
  pluginTools?: readonly ToolDefinition[];
  /** Emit docs/, the README's toolset table and docs/operators.md's settings table too (off for fixture runs). */
  docs?: boolean;
}

export interface GenerateResult {
  ir: GenerationIR;
  /** Path relative to root -> content. */
  files: Map<string, string>;
  overlayNotes: OverlayNote[];
}

/** The files this generator owns under generated/ (anything else there is stale). */
export const GENERATED_DIR = 'generated';

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const toolsYamlPath = options.toolsYamlPath ?? join(options.root, 'tools.yaml');
  const toolsText = readFileSync(toolsYamlPath, 'utf8');
  const toolsFile = parseYamlText(toolsText, toolsYamlPath, ToolsFileSchema);
  const spec = loadSpec(options.specPath, options.overlayDir);
  const ir = buildIR(spec.doc, toolsFile, { spec: spec.sha256, toolsYaml: sha256(toolsText) });

  const files = new Map<string, string>();
  files.set(`${GENERATED_DIR}/openapi.ts`, await emitTypes(spec.doc, ir));
  files.set(`${GENERATED_DIR}/tools.ts`, emitTools(ir));
  files.set(`${GENERATED_DIR}/schemas.json`, emitSchemas(ir));
  files.set(`${GENERATED_DIR}/tools.schema.json`, emitConfigSchema(ir));

  if (options.docs !== false) {
    const known = new Set(ir.localTools);
    const plugin = (options.pluginTools ?? []).filter((t) => known.has(t.name));
    const docTools: DocTool[] = [
      ...ir.tools.map((t) => ({ ...t, endpoint: `\`${t.method} ${t.path}\`` })),
      ...plugin.map((t) => ({ ...t, endpoint: 'local (no API call)' })),
    ];
    const config = operatorConfigFrom(toolsFile, toolsYamlPath);
    files.set('docs/tools.md', emitToolsDoc(ir, config, docTools));
    const readmePath = join(options.root, 'README.md');
    files.set('README.md', emitReadmeTable(ir, config, docTools, readFileSync(readmePath, 'utf8')));
    const operatorsPath = join(options.root, 'docs', 'operators.md');
    files.set('docs/operators.md', emitSettingsTable(ir, readFileSync(operatorsPath, 'utf8')));
  }
  return { ir, files, overlayNotes: spec.overlayNotes };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
}

export interface CheckReport {
  changed: string[];
  added: string[];
  stale: string[];
}

export function compareWithDisk(root: string, files: Map<string, string>): CheckReport {
  const report: CheckReport = { changed: [], added: [], stale: [] };
  for (const [path, content] of files) {
    const full = join(root, path);
    if (!existsSync(full)) report.added.push(path);
    else if (readFileSync(full, 'utf8') !== content) report.changed.push(path);
  }
  for (const file of listFiles(join(root, GENERATED_DIR))) {
    const path = relative(root, file).split('\\').join('/');
    if (!files.has(path)) report.stale.push(path);
  }
  return report;
}

export function writeFiles(root: string, files: Map<string, string>): CheckReport {
  const report = compareWithDisk(root, files);
  for (const [path, content] of files) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    if (!existsSync(full) || readFileSync(full, 'utf8') !== content) writeFileSync(full, content);
  }
  return report;
}
