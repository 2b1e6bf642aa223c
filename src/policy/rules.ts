/** Argument rules: a rule denies a call when every one of its predicates holds for the argument (or, with `unless`, when they do not). */
import { atPath } from './canonical.js';
import type { RuleRef } from './resolve.js';

type Predicate = (value: unknown, operand: unknown) => boolean;

const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
const same = (a: unknown, b: unknown): boolean => a === b || (num(a) !== undefined && num(a) === num(b) && typeof b === 'number');
const compare =
  (test: (a: number, b: number) => boolean): Predicate =>
  (value, operand) => {
    const n = num(value);
    return n !== undefined && test(n, operand as number);
  };

const PREDICATES: Record<string, Predicate> = {
  eq: (v, o) => same(v, o),
  neq: (v, o) => !same(v, o),
  in: (v, o) => (o as unknown[]).some((x) => same(v, x)),
  not_in: (v, o) => !(o as unknown[]).some((x) => same(v, x)),
  lt: compare((a, b) => a < b),
  lte: compare((a, b) => a <= b),
  gt: compare((a, b) => a > b),
  gte: compare((a, b) => a >= b),
  regex: (v, o) => typeof v === 'string' && new RegExp(o as string).test(v),
  exists: (v, o) => (v !== undefined && v !== null) === o,
};

/** The first rule whose predicates all hold, or undefined. */
export function firstDenial(rules: readonly RuleRef[], args: Record<string, unknown>): RuleRef | undefined {
  return rules.find((rule) => {
    const value = atPath(args, rule.arg);
    const holds = Object.entries(PREDICATES).every(([name, test]) => !(name in rule) || test(value, (rule as Record<string, unknown>)[name]));
    return rule.unless ? !holds : holds;
  });
}
