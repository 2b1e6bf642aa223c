/**
 * Operator configuration: the packaged tools.yaml's policy fields with the overlay (QC_MCP_TOOLS)
 * layered on top. Every field keeps where it came from (file#/json/pointer), so a decision can
 * name the rule that made it. Read at start-up and on change; no regeneration needed.
 */
import { escapeToken } from '../util/json-pointer.js';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { isPolicyLayerShape, readPolicyLayer, type PolicyLayerOverlay } from './policy-json.js';
import type { Layer, LayerFields, PolicyFields } from './policy-schema.js';
import { ConfigError, parseYamlText, readConfigText } from './load-yaml.js';
import type { GuardSection } from './guard-schema.js';
import { readToolsFile } from './tools-cache.js';
import { OverlayFileSchema, type OverlayFile, type ToolsFile } from './tools-schema.js';

export type { Layer };

/** The pointer of one field of a layer. */
export const fieldAt = (layer: Layer, key: keyof LayerFields): string => {
  const name = layer.renamed?.[key] ?? key;
  return name === '' ? layer.at : `${layer.at}/${name}`;
};

export interface OperatorConfig {
  mode: { value: 'allow' | 'deny'; at: string };
  approvalTtlS: number;
  secretsFile: string | undefined;
  defaults: Layer[];
  toolsets: Record<string, Layer[]>;
  risks: Record<string, Layer[]>;
  severities: Record<string, Layer[]>;
  classes: Record<string, Layer[]>;
  tools: Record<string, Layer[]>;
  /** Limits over every call, added to each tool's own (PolicyLayer's all_tools.limits). */
  allTools: Layer[];
  /** Things in the files that were ignored (unknown keys of a PolicyLayer file), with their pointers. */
  warnings: string[];
  /** Plugin settings from the `plugins:` sections (later files win), with where each was set. */
  plugins: { data?: { value: string; at: string }; exportDir?: { value: string; at: string } };
  /** The live guard (the last file with a `guard:` section wins, whole), and where it was written. */
  guard?: { value: GuardSection; at: string };
  /** Files the configuration came from, in merge order. */
  sources: string[];
}

/** A path in a config file is relative to that file. */
const fromFile = (file: string, path: string): string => (isAbsolute(path) ? path : resolve(dirname(file), path));

function addPluginsSection(config: OperatorConfig, plugins: ToolsFile['plugins'], file: string): void {
  const f = basename(file);
  const data = plugins?.research?.data;
  if (data) {
    const colon = data.indexOf(':');
    const kind = data.slice(0, colon);
    config.plugins.data = {
      value: kind === 'objectstore' || kind === 'sim' ? data : `${kind}:${fromFile(file, data.slice(colon + 1))}`,
      at: `${f}#/plugins/research/data`,
    };
  }
  const exportDir = plugins?.portfolio?.export_dir;
  if (exportDir) config.plugins.exportDir = { value: fromFile(file, exportDir), at: `${f}#/plugins/portfolio/export_dir` };
}

const POLICY_KEYS = ['enabled', 'hidden', 'confirm', 'limits', 'rules'] as const;
const pick = (o: Record<string, unknown>): PolicyFields =>
  Object.fromEntries(POLICY_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as PolicyFields;

function push(map: Record<string, Layer[]>, key: string, fields: LayerFields, at: string, renamed?: Layer['renamed']): void {
  if (Object.keys(fields).length === 0) return;
  (map[key] ??= []).push({ fields, at, ...(renamed ? { renamed } : {}) });
}

/** A toolset's layer: its policy fields, with `default` standing for `enabled`. */
function pushToolset(config: OperatorConfig, name: string, toolset: { default?: boolean | undefined }, file: string): void {
  const fields = { ...pick(toolset as Record<string, unknown>), ...(toolset.default === undefined ? {} : { enabled: toolset.default }) };
  push(config.toolsets, name, fields, `${file}#/toolsets/${escapeToken(name)}`, { enabled: 'default' });
}

function addPolicySection(config: OperatorConfig, policy: ToolsFile['policy'], file: string): void {
  if (!policy) return;
  const f = basename(file);
  if (policy.default) config.mode = { value: policy.default, at: `${f}#/policy/default` };
  if (policy.approval_ttl_s) config.approvalTtlS = policy.approval_ttl_s;
  if (policy.secrets_file) config.secretsFile = policy.secrets_file;
  if (policy.defaults && Object.keys(pick(policy.defaults)).length > 0) config.defaults.push({ fields: pick(policy.defaults), at: `${f}#/policy/defaults` });
  for (const [risk, fields] of Object.entries(policy.risks ?? {})) push(config.risks, risk, pick(fields), `${f}#/policy/risks/${risk}`);
  for (const [sev, fields] of Object.entries(policy.severities ?? {})) push(config.severities, sev, pick(fields), `${f}#/policy/severities/${sev}`);
  for (const [cls, fields] of Object.entries(policy.classes ?? {})) push(config.classes, cls, pick(fields), `${f}#/policy/classes/${escapeToken(cls)}`);
}

export function operatorConfigFrom(packaged: ToolsFile, source: string): OperatorConfig {
  const f = basename(source);
  const config: OperatorConfig = {
    mode: { value: 'allow', at: '(built in)' },
    approvalTtlS: 600,
    secretsFile: undefined,
    defaults: [],
    toolsets: {},
    risks: {},
    severities: {},
    classes: {},
    tools: {},
    allTools: [],
    warnings: [],
    plugins: {},
    sources: [source],
  };
  addPolicySection(config, packaged.policy, source);
  addPluginsSection(config, packaged.plugins, source);
  if (packaged.guard) config.guard = { value: packaged.guard, at: `${f}#/guard` };
  for (const [name, toolset] of Object.entries(packaged.toolsets)) {
    config.toolsets[name] = [];
    pushToolset(config, name, toolset, f);
  }
  for (const [name, entry] of Object.entries(packaged.tools)) {
    config.tools[name] = [];
    push(config.tools, name, pick(entry), `${f}#/tools/${escapeToken(name)}`);
  }
  return config;
}

/** Layer an overlay over `base`; names it does not know are errors (a typo must not fail open). */
export function mergeOverlay(base: OperatorConfig, overlay: OverlayFile, file: string): OperatorConfig {
  const f = basename(file);
  const problems: string[] = [];
  const config: OperatorConfig = structuredClone(base);
  config.sources = [...base.sources, file];
  addPolicySection(config, overlay.policy, file);
  addPluginsSection(config, overlay.plugins, file);
  if (overlay.guard) config.guard = { value: overlay.guard, at: `${f}#/guard` };
  for (const [name, toolset] of Object.entries(overlay.toolsets ?? {})) {
    if (!(name in config.toolsets)) {
      problems.push(`toolsets.${name}: no such toolset (known: ${Object.keys(config.toolsets).join(', ')})`);
      continue;
    }
    pushToolset(config, name, toolset, f);
  }
  for (const [name, fields] of Object.entries(overlay.tools ?? {})) {
    if (!(name in config.tools)) problems.push(`tools.${name}: no such tool`);
    else push(config.tools, name, pick(fields), `${f}#/tools/${escapeToken(name)}`);
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}

/** Layer a PolicyLayer policy file over `base`: the tools it names are enabled, `hide` hides, `all_tools` limits every call. */
export function mergePolicyLayer(base: OperatorConfig, doc: PolicyLayerOverlay, file: string): OperatorConfig {
  const f = basename(file);
  const problems: string[] = [];
  const config: OperatorConfig = structuredClone(base);
  config.sources = [...base.sources, file];
  config.warnings = [...base.warnings, ...doc.warnings];
  config.mode = { value: doc.default, at: `${f}#/default` };
  for (const [name, entry] of Object.entries(doc.tools)) {
    if (!(name in config.tools)) problems.push(`${f}#/tools/${escapeToken(name)}: no such tool`);
    else (config.tools[name] ??= []).push({ fields: entry.fields, at: `${f}#/tools/${escapeToken(name)}`, renamed: entry.renamed, itemAt: entry.itemAt });
  }
  for (const [i, name] of doc.hide.entries()) {
    const at = `${f}#/hide/${i}`;
    if (name === '*') for (const tool of Object.keys(config.tools)) push(config.tools, tool, { hidden: true }, at, { hidden: '' });
    else if (!(name in config.tools)) problems.push(`${at}: no such tool: ${name}`);
    else push(config.tools, name, { hidden: true }, at, { hidden: '' });
  }
  if (doc.allToolsLimits.length > 0) config.allTools.push({ fields: { limits: doc.allToolsLimits }, at: `${f}#/all_tools` });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}

/** Read an overlay file: its shape says whether it is a PolicyLayer policy or an overlay in tools.yaml's fields. */
export function loadOverlay(base: OperatorConfig, overlayPath: string): OperatorConfig {
  const text = readConfigText(overlayPath);
  const policyLayer = isPolicyLayerShape(text);
  if (policyLayer) return mergePolicyLayer(base, readPolicyLayer(policyLayer, overlayPath), overlayPath);
  return mergeOverlay(base, parseYamlText(text, overlayPath, OverlayFileSchema), overlayPath);
}

export function loadOperatorConfig(toolsYamlPath: string, overlayPath: string | undefined): OperatorConfig {
  const packaged = readToolsFile(toolsYamlPath);
  const base = operatorConfigFrom(packaged, toolsYamlPath);
  return overlayPath ? loadOverlay(base, overlayPath) : base;
}
