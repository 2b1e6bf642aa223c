/** docs/tools.md and the README's tool table, rendered with handlebars from the tool inventory. */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { OperatorConfig } from '../../src/config/operator-config.js';
import { resolvePolicy } from '../../src/policy/resolve.js';
import type { Risk, Severity } from '../../src/config/tools-schema.js';
import type { GenerationIR } from '../ir.js';
import { mdHeader } from './header.js';

/** What the docs need of any tool, generated or plugin. */
export interface DocTool {
  name: string;
  description: string;
  toolset: string;
  risk: Risk;
  severity: Severity;
  endpoint: string;
  inputSchema: { properties?: Record<string, { type?: unknown; description?: unknown }>; required?: string[] };
}

export const README_START = '<!-- tools:start -->';
export const README_END = '<!-- tools:end -->';

const templateDir = new URL('../templates/', import.meta.url);
const hbs = Handlebars.create();
/** Markdown table cells: one line, pipes escaped. Spec text is data, never markup we trust. */
hbs.registerHelper('cell', (value: unknown) =>
  String(value ?? '')
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .trim(),
);
const render = (file: string, data: unknown): string =>
  hbs.compile(readFileSync(new URL(file, templateDir), 'utf8'), { noEscape: true, strict: true })(data);

function view(config: OperatorConfig, tools: DocTool[]) {
  return tools.map((t) => {
    const policy = resolvePolicy(config, t);
    return {
    ...t,
    enabled: policy.enabled.value,
    confirm: policy.confirm.value,
    limits: policy.limits.map((l) => `${l.max}/${l.window}${l.increment_from ? ` of ${l.increment_from}` : ''} per ${l.scope}`).join(', '),
    inputs: Object.entries(t.inputSchema.properties ?? {}).map(([name, p]) => ({
      name,
      type: Array.isArray(p.type) ? p.type.join(' or ') : String(p.type ?? 'any'),
      required: (t.inputSchema.required ?? []).includes(name),
      description: typeof p.description === 'string' ? p.description : '',
    })),
    };
  });
}

export function emitToolsDoc(ir: GenerationIR, config: OperatorConfig, tools: DocTool[]): string {
  const all = view(config, tools);
  const toolsets = ir.toolsets
    .map((ts) => ({ ...ts, tools: all.filter((t) => t.toolset === ts.name) }))
    .filter((ts) => ts.tools.length > 0);
  return render('tools.md.hbs', {
    header: mdHeader(ir),
    count: all.length,
    toolsetCount: toolsets.length,
    enabledCount: all.filter((t) => t.enabled).length,
    toolsets,
  });
}

export function emitReadmeTable(ir: GenerationIR, config: OperatorConfig, tools: DocTool[], readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} ... ${README_END} markers for the tool table`);
  const table = render('readme-table.md.hbs', { header: mdHeader(ir), tools: view(config, tools) });
  return `${readme.slice(0, start + README_START.length)}\n${table}${readme.slice(end)}`;
}
