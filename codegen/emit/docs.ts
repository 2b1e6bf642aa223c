/**
 * docs/tools.md, the README's toolset table and docs/operators.md's settings table, rendered with
 * handlebars from the tool inventory and the settings table (src/config/settings.ts).
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { OperatorConfig } from '../../src/config/operator-config.js';
import { resolvePolicy } from '../../src/policy/resolve.js';
import { defaultText, FLAGS, GROUP_TITLES, SETTINGS, type SettingSpec } from '../../src/config/settings.js';
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

export const README_START = '<!-- toolsets:start -->';
export const README_END = '<!-- toolsets:end -->';
export const SETTINGS_START = '<!-- settings:start -->';
export const SETTINGS_END = '<!-- settings:end -->';

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
const render = (file: string, data: unknown): string => hbs.compile(readFileSync(new URL(file, templateDir), 'utf8'), { noEscape: true, strict: true })(data);

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
  const toolsets = ir.toolsets.map((ts) => ({ ...ts, tools: all.filter((t) => t.toolset === ts.name) })).filter((ts) => ts.tools.length > 0);
  return render('tools.md.hbs', {
    header: mdHeader(ir),
    count: all.length,
    toolsetCount: toolsets.length,
    enabledCount: all.filter((t) => t.enabled).length,
    toolsets,
  });
}

/** Replace what sits between two markers in a hand-written file; the markers must be there. */
function between(text: string, file: string, start: string, end: string, content: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} ... ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${content}${text.slice(to)}`;
}

/** The README's short table: one row per toolset, its default and its tools (docs/tools.md has the rest). */
export function emitReadmeTable(ir: GenerationIR, config: OperatorConfig, tools: DocTool[], readme: string): string {
  const all = view(config, tools);
  const toolsets = ir.toolsets
    .map((ts) => {
      const own = all.filter((t) => t.toolset === ts.name);
      return { ...ts, tools: own, count: own.length, off: ts.default ? own.filter((t) => !t.enabled).length : 0 };
    })
    .filter((ts) => ts.count > 0);
  return between(readme, 'README.md', README_START, README_END, render('readme-toolsets.md.hbs', { header: mdHeader(ir), toolsets }));
}

/** docs/operators.md's configuration table, from the settings table. */
export function emitSettingsTable(ir: GenerationIR, doc: string): string {
  const specs = Object.values(SETTINGS) as SettingSpec<unknown>[];
  const groups = Object.entries(GROUP_TITLES).map(([group, title]) => ({
    title,
    settings: specs
      .filter((s) => s.group === group)
      .map((s) => ({ env: s.env, value: s.value, flag: s.flag?.name, commands: s.flag?.commands.join(', '), default: defaultText(s), help: s.help })),
  }));
  const flags = FLAGS.filter((f) => f.commands.length > 0);
  return between(doc, 'docs/operators.md', SETTINGS_START, SETTINGS_END, render('settings.md.hbs', { header: mdHeader(ir), groups, flags }));
}
