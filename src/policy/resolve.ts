/**
 * A tool's effective policy: its levels (defaults < toolset < risk < severity < class < tool, each
 * packaged then overlay) folded together. Every value carries the pointer of the field that set it.
 */
import { fieldAt, type Layer, type OperatorConfig } from '../config/operator-config.js';
import type { Risk, Severity } from '../config/tools-schema.js';
import type { LimitSpec, RuleSpec } from '../config/policy-schema.js';

export interface Decided<T> {
  value: T;
  /** file#/json/pointer of the deciding field, or "(built in)". */
  at: string;
}
export type LimitRef = LimitSpec & { at: string };
export type RuleRef = RuleSpec & { at: string };

export interface EffectivePolicy {
  enabled: Decided<boolean>;
  hidden: Decided<boolean>;
  /** Listed, but every call is refused with this reason (PolicyLayer `"action": "deny"`). */
  denied?: Decided<string>;
  confirm: Decided<boolean>;
  limits: LimitRef[];
  rules: RuleRef[];
}

export interface PolicySubject {
  name: string;
  toolset: string;
  risk: Risk;
  severity: Severity;
}

const BUILT_IN = '(built in)';

function lastDefined<K extends 'enabled' | 'hidden' | 'confirm'>(layers: Layer[], key: K): Decided<boolean> | undefined {
  let found: Decided<boolean> | undefined;
  for (const layer of layers) {
    const value = layer.fields[key];
    if (value !== undefined) found = { value, at: fieldAt(layer, key) };
  }
  return found;
}

export function resolvePolicy(config: OperatorConfig, tool: PolicySubject): EffectivePolicy {
  const toolLayers = config.tools[tool.name] ?? [];
  const layers = [
    ...config.defaults,
    ...(config.toolsets[tool.toolset] ?? []),
    ...(config.risks[tool.risk] ?? []),
    ...(config.severities[tool.severity] ?? []),
    ...(config.classes[`${tool.risk}/${tool.severity}`] ?? []),
    ...toolLayers,
  ];
  const enabled =
    config.mode.value === 'deny'
      ? (lastDefined(toolLayers, 'enabled') ?? { value: false, at: config.mode.at })
      : (lastDefined(layers, 'enabled') ?? { value: false, at: BUILT_IN });
  let limits: LimitRef[] = [];
  for (const layer of layers) {
    if (layer.fields.limits) limits = layer.fields.limits.map((l, i) => ({ ...l, at: layer.itemAt?.limits?.[i] ?? `${fieldAt(layer, 'limits')}/${i}` }));
  }
  // Limits over every call (PolicyLayer's all_tools.limits) add to whatever the levels decided.
  for (const layer of config.allTools ?? [])
    limits = [...limits, ...(layer.fields.limits ?? []).map((l, i) => ({ ...l, at: `${fieldAt(layer, 'limits')}/${i}` }))];
  const rules = layers.flatMap((layer) =>
    (layer.fields.rules ?? []).map((r, i) => ({ ...r, at: layer.itemAt?.rules?.[i] ?? `${fieldAt(layer, 'rules')}/${i}` })),
  );
  let denied: Decided<string> | undefined;
  for (const layer of layers) if (layer.fields.deny !== undefined) denied = { value: layer.fields.deny, at: fieldAt(layer, 'deny') };
  return {
    enabled,
    hidden: lastDefined(layers, 'hidden') ?? { value: false, at: BUILT_IN },
    ...(denied ? { denied } : {}),
    confirm: lastDefined(layers, 'confirm') ?? { value: false, at: BUILT_IN },
    limits,
    rules,
  };
}
