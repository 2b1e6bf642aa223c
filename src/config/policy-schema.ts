/**
 * Policy fields, the same at every level of tools.yaml and an overlay: `policy.defaults`, a toolset,
 * `policy.risks.<risk>`, `policy.severities.<severity>`, `policy.classes."<risk>/<severity>"`, a tool.
 * A more specific level wins: defaults < toolset < risk < severity < class < tool.
 */
import { z } from 'zod';

export const WINDOWS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type WindowName = keyof typeof WINDOWS;
/** A limit window: a name, or a whole number of seconds (as PolicyLayer's rate_limit writes it). */
export const windowMs = (window: WindowName | number): number => (typeof window === 'number' ? window * 1000 : WINDOWS[window]);

export const LimitSchema = z
  .object({
    window: z.union([z.enum(['second', 'minute', 'hour', 'day']), z.number().int().positive()]).describe('second, minute, hour, day, or a number of seconds'),
    max: z.number().positive(),
    scope: z
      .enum(['identity', 'tool', 'global'])
      .default('identity')
      .describe('identity: per caller; tool: per tool for everyone; global: one counter for every tool that inherits this limit'),
    counter: z.string().min(1).optional().describe('Name a counter to share it between tools (PolicyLayer "counter").'),
    increment_from: z.string().min(1).optional().describe('Count this argument (dot path, e.g. command.quantity) instead of calls.'),
  })
  .strict();

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const RuleSchema = z
  .object({
    arg: z.string().min(1).describe('Argument path, e.g. brokerage.id'),
    eq: scalar.optional(),
    neq: scalar.optional(),
    in: z.array(scalar).optional(),
    not_in: z.array(scalar).optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    regex: z.string().optional(),
    exists: z.boolean().optional(),
    deny: z.string().min(1).describe('The message an agent gets when every predicate of this rule holds.'),
  })
  .strict()
  .refine(
    (r) => ['eq', 'neq', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'regex', 'exists'].some((k) => k in r),
    'a rule needs at least one predicate (eq, neq, in, not_in, lt, lte, gt, gte, regex, exists)',
  )
  .refine((r) => {
    if (r.regex === undefined) return true;
    try {
      new RegExp(r.regex);
      return true;
    } catch {
      return false;
    }
  }, 'regex is not a valid regular expression');

export const PolicyFieldsShape = {
  enabled: z.boolean().optional().describe('Serve the tool. Financial and critical tools need it set per tool.'),
  hidden: z.boolean().optional().describe('Remove from tools/list and refuse calls, whatever else is set.'),
  confirm: z.boolean().optional().describe('A human must confirm each call (elicitation, or an operator approval).'),
  limits: z.array(LimitSchema).optional().describe('Rate limits; a list replaces the list of a less specific level.'),
  rules: z.array(RuleSchema).optional().describe("Argument rules; every level's rules apply."),
};
export const PolicyFieldsSchema = z.object(PolicyFieldsShape).strict();
export type PolicyFields = z.infer<typeof PolicyFieldsSchema>;
export type LimitSpec = z.infer<typeof LimitSchema>;
/** A rule; `unless` (set only from a PolicyLayer `require`) denies when its predicates do NOT all hold. */
export type RuleSpec = z.infer<typeof RuleSchema> & { unless?: true };
/** A level's fields; `deny` (only a PolicyLayer `"action": "deny"` sets it) keeps the tool listed and refuses every call with that reason. */
export type LayerFields = Omit<PolicyFields, 'rules'> & { rules?: RuleSpec[]; deny?: string };

const riskLevels = z
  .object({
    read: PolicyFieldsSchema,
    write: PolicyFieldsSchema,
    execute: PolicyFieldsSchema,
    destructive: PolicyFieldsSchema,
    financial: PolicyFieldsSchema,
  })
  .partial()
  .strict();
const severityLevels = z
  .object({ low: PolicyFieldsSchema, medium: PolicyFieldsSchema, high: PolicyFieldsSchema, critical: PolicyFieldsSchema })
  .partial()
  .strict();

export const PolicySectionSchema = z
  .object({
    default: z.enum(['allow', 'deny']).optional().describe('deny: only tools with enabled: true at tool level are served.'),
    approval_ttl_s: z.number().int().positive().optional().describe('How long an operator approval stays valid (default 600).'),
    secrets_file: z.string().min(1).optional().describe('YAML file of named brokerage credentials (QC_MCP_SECRETS overrides).'),
    defaults: PolicyFieldsSchema.optional(),
    risks: riskLevels.optional(),
    severities: severityLevels.optional(),
    classes: z
      .record(
        z.string().regex(/^(read|write|execute|destructive|financial)\/(low|medium|high|critical)$/, 'a class is "<risk>/<severity>"'),
        PolicyFieldsSchema,
      )
      .optional(),
  })
  .strict();
export type PolicySection = z.infer<typeof PolicySectionSchema>;

/** One level's fields from one file, and where they are. */
export interface Layer {
  fields: LayerFields;
  /** file#/json/pointer of the object holding the fields. */
  at: string;
  /** Fields spelled differently in the file (a toolset's `enabled` is its `default`); '' is the object itself. */
  renamed?: Partial<Record<keyof LayerFields, string>>;
  /** Pointers of single limits and rules, when they come from more than one list (PolicyLayer's limits and rate_limit). */
  itemAt?: { limits?: string[]; rules?: string[] };
}
