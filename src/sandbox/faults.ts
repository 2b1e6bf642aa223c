/**
 * Fault injection for reliability tests: per path, a rate (0..1, from a seeded PRNG so runs
 * repeat) or a fixed number of times, of HTTP 500, 429 with Retry-After, dropped connections,
 * slow answers and malformed JSON.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { prng } from './simulate.js';

export type FaultKind = '500' | '429' | 'drop' | 'slow' | 'malformed';

export interface FaultRule {
  kind: FaultKind;
  /** Exact API path ("/backtests/read") or a prefix ending in "*" ("/live/*"); all paths when omitted. */
  path?: string;
  /** Probability per request (0..1). */
  rate?: number;
  /** Fire on the next N matching requests, then stop. */
  times?: number;
  /** For 429: the Retry-After seconds sent. */
  retryAfterS?: number;
  /** For slow: how long to wait before answering normally. */
  delayMs?: number;
}

const FaultRulesSchema = z.array(
  z
    .object({
      kind: z.enum(['500', '429', 'drop', 'slow', 'malformed']),
      path: z.string().startsWith('/').optional(),
      rate: z.number().min(0).max(1).optional(),
      times: z.number().int().min(0).optional(),
      retryAfterS: z.number().min(0).optional(),
      delayMs: z.number().int().min(0).optional(),
    })
    .strict()
    .refine((r) => r.rate !== undefined || r.times !== undefined, 'a fault needs a rate (0..1) or a number of times'),
);

/** `--faults`: a JSON file, or inline JSON, holding a list of fault rules. */
export function parseFaults(value: string): FaultRule[] {
  const text = existsSync(value) ? readFileSync(value, 'utf8') : value;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`--faults: not a JSON file or JSON text: ${value.slice(0, 80)}`);
  }
  const parsed = FaultRulesSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`--faults: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(list)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data as FaultRule[];
}

const matches = (rule: FaultRule, path: string): boolean =>
  rule.path === undefined || (rule.path.endsWith('*') ? path.startsWith(rule.path.slice(0, -1)) : rule.path === path);

export class FaultInjector {
  private rules: FaultRule[];
  private random = prng(42);
  /** How many faults of each kind fired. */
  readonly fired: Record<FaultKind, number> = { '500': 0, '429': 0, drop: 0, slow: 0, malformed: 0 };

  constructor(rules: FaultRule[]) {
    this.rules = rules.map((r) => ({ ...r }));
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r }));
  }

  pick(path: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (!matches(rule, path)) continue;
      if (rule.times !== undefined) {
        if (rule.times <= 0) continue;
        rule.times--;
        return rule;
      }
      if (this.random() < (rule.rate ?? 0)) return rule;
    }
    return undefined;
  }

  /** Apply the fault; true when the response has been dealt with (the request must not proceed). */
  async apply(rule: FaultRule, _req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    this.fired[rule.kind]++;
    switch (rule.kind) {
      case '500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"success":false,"errors":["Internal Server Error (injected)"]}');
        return true;
      case '429':
        res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(rule.retryAfterS ?? 1) })
          .end('{"success":false,"errors":["Too many requests (injected)"]}');
        return true;
      case 'drop':
        res.socket?.destroy();
        return true;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"success": true, "projects": [');
        return true;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, rule.delayMs ?? 1000));
        return false;
    }
  }
}
