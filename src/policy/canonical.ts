/** Canonical JSON (sorted keys) and its SHA-256: how a call's arguments are identified without storing them. */
import { createHash } from 'node:crypto';

/** Arguments nested deeper than this are refused before anything else looks at them (QuantConnect's bodies need fewer than 10). */
export const MAX_ARGUMENT_DEPTH = 64;

/** Text to emit verbatim when popped off canonicalJson's stack. */
class Closer {
  constructor(readonly text: string) {}
}

/**
 * Canonical JSON: objects with sorted keys and no undefined members; undefined elsewhere is null.
 * Iterative (an explicit stack), so no nesting depth can overflow the call stack.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof Closer) {
      out.push(item.text);
      continue;
    }
    if (Array.isArray(item)) {
      out.push('[');
      stack.push(new Closer(']'));
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i] === undefined ? null : item[i]);
        if (i > 0) stack.push(new Closer(','));
      }
    } else if (item && typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      out.push('{');
      stack.push(new Closer('}'));
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i] as [string, unknown];
        stack.push(member);
        stack.push(new Closer(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`));
      }
    } else {
      out.push(JSON.stringify(item ?? null));
    }
  }
  return out.join('');
}

/** How deeply `value` nests arrays and objects (a scalar is 0), counted without recursion; stops counting past `limit`. */
export function nestingDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (!item || typeof item !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > limit) return deepest;
    for (const member of Object.values(item as Record<string, unknown>)) if (member && typeof member === 'object') stack.push([member, depth + 1]);
  }
  return deepest;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
export const argsHash = (args: unknown): string => sha256Hex(canonicalJson(args));

/** The value at a dot path (a.b.c), or undefined. */
export function atPath(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
