/** RFC 6901 JSON pointers: the one way codegen names a place in the spec (tokens escaped by src/util/json-pointer.ts). */
import { escapeToken, unescapeToken } from '../src/util/json-pointer.js';

export { escapeToken };

export function pointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => `/${escapeToken(String(t))}`).join('');
}

export function parsePointer(ptr: string): string[] {
  if (ptr === '') return [];
  if (!ptr.startsWith('/')) throw new Error(`not a JSON pointer: ${JSON.stringify(ptr)}`);
  return ptr.slice(1).split('/').map(unescapeToken);
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** The value at `ptr`, or undefined when any step is missing. */
export function getAt(root: unknown, ptr: string): unknown {
  let node: unknown = root;
  for (const token of parsePointer(ptr)) {
    if (!isContainer(node)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/** Parent container and last token of `ptr`, or undefined when the parent is missing. */
export function parentOf(root: unknown, ptr: string): { parent: Container; key: string } | undefined {
  const tokens = parsePointer(ptr);
  const key = tokens.pop();
  if (key === undefined) return undefined;
  const parent = getAt(root, pointer(...tokens));
  return isContainer(parent) ? { parent, key } : undefined;
}
