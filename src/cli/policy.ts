/**
 * `quantconnect-mcp policy check FILE`: load FILE as the operator's policy (a PolicyLayer file or an overlay) over
 * the packaged tools.yaml and print, per tool, whether it is served, its confirmation, limits and reason.
 * `quantconnect-mcp policy explain TOOL`: the policy in force (tools.yaml and QC_MCP_TOOLS) for one tool, with the
 * file and pointer that set each value.
 */
import { join } from 'node:path';
import { readEnv } from '../config/env.js';
import { loadOperatorConfig } from '../config/operator-config.js';
import type { LimitRef, RuleRef } from '../policy/resolve.js';
import { packageRoot } from '../config/package-info.js';
import { Registry } from '../server/registry.js';
import { inventory } from '../server/inventory.js';

function registryFor(overlay: string | undefined): Registry {
  const config = loadOperatorConfig(join(packageRoot(), 'tools.yaml'), overlay);
  return new Registry(inventory(), config, { readOnly: readEnv().readOnly });
}

const windowText = (w: LimitRef['window']): string => (typeof w === 'number' ? `${w} s` : w);
const limitText = (l: LimitRef): string =>
  `${l.max}${l.increment_from ? ` ${l.increment_from}` : ''}/${windowText(l.window)} ${l.scope === 'identity' ? 'per caller' : l.scope === 'tool' ? 'per tool' : 'shared'}${l.counter ? ` (${l.counter})` : ''}`;
const PREDICATES = ['eq', 'neq', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'regex', 'exists'] as const;
const ruleText = (r: RuleRef): string =>
  `${r.unless ? 'unless' : 'if'} ${r.arg} ${PREDICATES.filter((p) => p in r)
    .map((p) => `${p} ${JSON.stringify(r[p])}`)
    .join(' and ')}: "${r.deny}"`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Exit 0 when FILE loads (warnings are printed), 2 with the problems when it does not. */
export function policyCheck(file: string | undefined): number {
  if (!file) {
    process.stderr.write('Usage: quantconnect-mcp policy check FILE\n');
    return 2;
  }
  const registry = registryFor(file); // a ConfigError reaches main, which prints it and exits 2
  const config = registry.operatorConfig;
  const out: string[] = [`${file}: loads (default: ${config.mode.value}, set at ${config.mode.at})`];
  for (const warning of config.warnings) out.push(`warning: ${warning}`);
  const rows = [['tool', 'served', 'confirm', 'limits', 'reason']];
  for (const tool of registry.all()) {
    const found = registry.availability(tool);
    const policy = found.policy;
    const served = !found.available ? (policy.hidden.value ? 'hidden' : 'no') : policy.denied ? 'denied' : 'yes';
    const reason = !found.available ? found.reason : (policy.denied?.value ?? '-');
    rows.push([
      tool.name,
      served,
      found.available && !policy.denied ? (policy.confirm.value ? 'yes' : 'no') : '-',
      policy.limits.map(limitText).join('; ') || '-',
      reason,
    ]);
  }
  out.push(table(rows));
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** Every value of one tool's policy, each with the file#/pointer that set it. */
export function policyExplain(name: string | undefined): number {
  if (!name) {
    process.stderr.write('Usage: quantconnect-mcp policy explain TOOL\n');
    return 2;
  }
  const overlay = readEnv().toolsOverlay;
  const registry = registryFor(overlay);
  const found = registry.lookup(name);
  if (!found) {
    process.stderr.write(`quantconnect-mcp: no tool named ${name} (\`npx quantconnect-mcp tools\` lists them)\n`);
    return 2;
  }
  const { tool, policy } = found;
  const config = registry.operatorConfig;
  const out = [
    `${tool.name} (toolset ${tool.toolset}, ${tool.risk}/${tool.severity}); policy from ${config.sources.join(' < ')}`,
    `  served:  ${found.available ? (policy.denied ? 'listed, every call refused' : 'yes') : `no (${found.reason})`}`,
    `  default: ${config.mode.value}  <- ${config.mode.at}`,
    `  enabled: ${policy.enabled.value ? 'yes' : 'no'}  <- ${policy.enabled.at}`,
    `  hidden:  ${policy.hidden.value ? 'yes' : 'no'}  <- ${policy.hidden.at}`,
    ...(policy.denied ? [`  denied:  "${policy.denied.value}"  <- ${policy.denied.at}`] : []),
    `  confirm: ${policy.confirm.value ? 'yes' : 'no'}  <- ${policy.confirm.at}`,
    `  limits:  ${policy.limits.length === 0 ? 'none' : ''}`,
    ...policy.limits.map((l) => `    ${limitText(l)}  <- ${l.at}`),
    `  rules:   ${policy.rules.length === 0 ? 'none' : ''}`,
    ...policy.rules.map((r) => `    ${ruleText(r)}  <- ${r.at}`),
  ];
  for (const warning of config.warnings) out.push(`warning: ${warning}`);
  process.stdout.write(`${out.map((l) => l.trimEnd()).join('\n')}\n`);
  return 0;
}
