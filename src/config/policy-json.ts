/**
 * A PolicyLayer-style policy.json, read as an operator overlay. Shape:
 *   { "default": "deny" | "allow",
 *     "tools": { "<tool>": { "allow": true, "confirm"?: bool,
 *                            "limits"?: [{ "counter", "window", "max", "scope", "increment_from"? }],
 *                            "rate_limit"?: { ...one limit... }, "rules"?: [...] } } }
 * Each field maps one-to-one onto tools.yaml's: default -> policy.default, allow -> enabled,
 * limits/rate_limit -> limits (counter, window, max, scope unchanged), confirm, rules.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config/load-yaml.js';
import type { OverlayFile } from '../config/tools-schema.js';
import { LimitSchema, RuleSchema } from './policy-schema.js';

const PolicyJsonSchema = z
  .object({
    version: z.number().optional(),
    default: z.enum(['allow', 'deny']).optional(),
    tools: z
      .record(
        z.string(),
        z
          .object({
            allow: z.boolean().optional(),
            confirm: z.boolean().optional(),
            limits: z.array(LimitSchema).optional(),
            rate_limit: LimitSchema.optional(),
            rules: z.array(RuleSchema).optional(),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

export function readPolicyJson(file: string): OverlayFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(file, [`not readable JSON: ${(error as Error).message}`]);
  }
  const parsed = PolicyJsonSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`));
  const tools = Object.fromEntries(
    Object.entries(parsed.data.tools).map(([name, t]) => {
      const limits = [...(t.limits ?? []), ...(t.rate_limit ? [t.rate_limit] : [])];
      return [
        name,
        {
          ...(t.allow === undefined ? {} : { enabled: t.allow }),
          ...(t.confirm === undefined ? {} : { confirm: t.confirm }),
          ...(limits.length > 0 ? { limits } : {}),
          ...(t.rules ? { rules: t.rules } : {}),
        },
      ];
    }),
  );
  return { ...(parsed.data.default ? { policy: { default: parsed.data.default } } : {}), tools };
}
