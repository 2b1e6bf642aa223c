/**
 * The `guard:` section of tools.yaml or an overlay: rules a watcher applies to running live
 * deployments between agent turns. Each rule has exactly one condition and one action; the
 * operator writing it pre-authorises the action (it runs without a human).
 */
import { z } from 'zod';

export const GUARD_ACTIONS = ['notify', 'lockdown', 'stop', 'liquidate'] as const;
export type GuardAction = (typeof GUARD_ACTIONS)[number];

/** The fewest completed daily returns loss_sigma accepts as history (and its default). */
export const SIGMA_MIN_DAYS_FLOOR = 10;
export const SIGMA_MIN_DAYS_DEFAULT = 20;

export const CONDITIONS = ['max_daily_loss_pct', 'max_drawdown_pct', 'loss_sigma', 'idle_hours'] as const;
export type GuardCondition = (typeof CONDITIONS)[number];

const pct = z.number().gt(0).max(100);

export const GuardRuleSchema = z
  .object({
    max_daily_loss_pct: pct.optional().describe("Loss from the day's opening equity (UTC day), in percent."),
    max_drawdown_pct: pct.optional().describe('Drawdown from the peak equity, in percent.'),
    loss_sigma: z.number().gt(0).max(20).optional().describe("Today's loss beyond this many standard deviations of the deployment's own daily returns."),
    min_days: z
      .number()
      .int()
      .min(SIGMA_MIN_DAYS_FLOOR)
      .optional()
      .describe(`loss_sigma only: completed daily returns needed before the rule can fire (default ${SIGMA_MIN_DAYS_DEFAULT}).`),
    idle_hours: z.number().gt(0).optional().describe('No fill for this many hours while running.'),
    action: z.enum(GUARD_ACTIONS),
    name: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const set = CONDITIONS.filter((c) => rule[c] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `a guard rule has exactly one condition (${CONDITIONS.join(', ')}); this one has ${set.length === 0 ? 'none' : set.join(' and ')}`,
      });
    if (rule.min_days !== undefined && rule.loss_sigma === undefined) ctx.addIssue({ code: 'custom', message: 'min_days belongs to a loss_sigma rule' });
  });

export const GuardSectionSchema = z
  .object({
    interval_s: z.number().min(1).max(86_400).default(60).describe('Seconds between evaluations.'),
    deployments: z
      .union([z.literal('all'), z.array(z.number().int().positive()).min(1)])
      .default('all')
      .describe('"all" running deployments, or a list of project ids.'),
    lease_s: z.number().min(2).optional().describe('How long one guard holds the lock before another may take over (default 3 intervals, at least 5 s).'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe('Retries of a failed action (backoff doubling from 1 s) before the guard escalates to lockdown.'),
    rules: z.array(GuardRuleSchema).min(1),
  })
  .strict();

export type GuardRule = z.infer<typeof GuardRuleSchema>;
export type GuardSection = z.infer<typeof GuardSectionSchema>;

/** The rule's one condition and its threshold. */
export function conditionOf(rule: GuardRule): { condition: GuardCondition; threshold: number } {
  const condition = CONDITIONS.find((c) => rule[c] !== undefined) as GuardCondition;
  return { condition, threshold: rule[condition] as number };
}
