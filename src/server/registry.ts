/**
 * The tool inventory with the operator's policy resolved per tool. Read-only mode, `hidden` and
 * `enabled` are filters on the inventory, decided here once. The configuration can be swapped at
 * run time (live reload); listeners hear about it so servers can send tools/list_changed.
 */
import type { OperatorConfig } from '../config/operator-config.js';
import type { ResolvedGrant } from '../policy/grants.js';
import { resolvePolicy, type EffectivePolicy } from '../policy/resolve.js';
import { offReason } from './off-tools.js';
import type { ToolDefinition } from '../tool/tool.js';

export interface RegistryOptions {
  readOnly: boolean;
}

export type Availability =
  | { tool: ToolDefinition; available: true; policy: EffectivePolicy }
  | { tool: ToolDefinition; available: false; reason: string; rule: string; policy: EffectivePolicy };

export class Registry {
  private readonly byName = new Map<string, ToolDefinition>();
  private policies = new Map<string, EffectivePolicy>();
  private config!: OperatorConfig;
  private readonly listeners = new Set<() => void>();

  constructor(
    tools: readonly ToolDefinition[],
    config: OperatorConfig,
    private readonly options: RegistryOptions,
  ) {
    for (const tool of tools) {
      if (this.byName.has(tool.name)) throw new Error(`two tools are named '${tool.name}'`);
      this.byName.set(tool.name, tool);
    }
    this.setConfig(config);
  }

  /** Validate `config` against the inventory, then make it the one in force. Throws (and keeps the old one) when invalid. */
  setConfig(config: OperatorConfig): void {
    for (const tool of this.byName.values()) {
      if (!(tool.toolset in config.toolsets)) throw new Error(`tool '${tool.name}' is in toolset '${tool.toolset}', which tools.yaml does not declare`);
    }
    const unknown = Object.keys(config.tools).filter((name) => !this.byName.has(name));
    if (unknown.length > 0) {
      throw new Error(`tools.yaml names tool(s) that neither generated code nor a plugin provides: ${unknown.join(', ')} (run \`npm run generate\`?)`);
    }
    const policies = new Map([...this.byName.values()].map((tool) => [tool.name, resolvePolicy(config, tool)]));
    const changed = this.config !== undefined;
    this.config = config;
    this.policies = policies;
    if (changed) for (const listener of this.listeners) listener();
  }

  get operatorConfig(): OperatorConfig {
    return this.config;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  all(): ToolDefinition[] {
    return [...this.byName.values()];
  }

  policy(tool: ToolDefinition): EffectivePolicy {
    return this.policies.get(tool.name) as EffectivePolicy;
  }

  /** A grant narrows the global policy: it may hide tools, add confirmation, limits and rules, never widen. */
  private narrowed(tool: ToolDefinition, grant: ResolvedGrant): { policy: EffectivePolicy; denial?: { reason: string; rule: string } } {
    const base = this.policy(tool);
    const fields = grant.tools?.[tool.name];
    const at = `${grant.at}/tools/${tool.name}`;
    const policy: EffectivePolicy = {
      ...base,
      confirm: fields?.confirm === true ? { value: true, at: `${at}/confirm` } : base.confirm,
      limits: [...base.limits, ...(fields?.limits ?? []).map((l, i) => ({ ...l, at: `${at}/limits/${i}` }))],
      rules: [...base.rules, ...(fields?.rules ?? []).map((r, i) => ({ ...r, at: `${at}/rules/${i}` }))],
    };
    const notForYou = `The tool ${tool.name} is not available to you on this server.`;
    if (grant.read_only && tool.risk !== 'read')
      return { policy, denial: { reason: `Your access is read-only, so ${tool.name} (risk: ${tool.risk}) cannot run.`, rule: `${grant.at}/read_only` } };
    if (grant.toolsets && !grant.toolsets.includes(tool.toolset)) return { policy, denial: { reason: notForYou, rule: `${grant.at}/toolsets` } };
    if (fields?.enabled === false) return { policy, denial: { reason: notForYou, rule: `${at}/enabled` } };
    if (fields?.hidden === true) return { policy, denial: { reason: notForYou, rule: `${at}/hidden` } };
    return { policy };
  }

  availability(tool: ToolDefinition, grant?: ResolvedGrant): Availability {
    const global = this.globalAvailability(tool);
    if (!grant || !global.available) return global;
    const { policy, denial } = this.narrowed(tool, grant);
    return denial ? { tool, available: false, ...denial, policy } : { tool, available: true, policy };
  }

  private globalAvailability(tool: ToolDefinition): Availability {
    const policy = this.policy(tool);
    if (policy.hidden.value)
      return { tool, available: false, reason: `The tool ${tool.name} is not available on this server.`, rule: policy.hidden.at, policy };
    if (this.options.readOnly && tool.risk !== 'read') {
      return {
        tool,
        available: false,
        reason: `The server is in read-only mode, so ${tool.name} (risk: ${tool.risk}) cannot run. Use a read tool, or ask the operator.`,
        rule: 'QC_MCP_READ_ONLY',
        policy,
      };
    }
    if (!policy.enabled.value) {
      const byDefault = this.config.mode.value === 'deny' && policy.enabled.at === this.config.mode.at;
      return {
        tool,
        available: false,
        reason: byDefault
          ? `The tool ${tool.name} is not served: the operator's policy file (${policy.enabled.at.split('#')[0]}) serves only the tools it names (default: deny). Nothing was sent.`
          : offReason(tool, policy),
        rule: policy.enabled.at,
        policy,
      };
    }
    return { tool, available: true, policy };
  }

  /** The tools a client sees in tools/list. */
  listed(grant?: ResolvedGrant): ToolDefinition[] {
    return this.all().filter((tool) => this.availability(tool, grant).available);
  }

  lookup(name: string, grant?: ResolvedGrant): Availability | undefined {
    const tool = this.byName.get(name);
    return tool ? this.availability(tool, grant) : undefined;
  }
}
