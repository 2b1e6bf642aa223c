/**
 * The result budget: a tool result (its text block plus its structured content) stays under
 * RESULT_BUDGET_CHARS, about 20k tokens at 4 characters a token. Over it, the largest top-level
 * fields move to the result store (result-store.ts) until the rest fits: an array keeps the prefix
 * that fits, anything else is emptied; `resources` in the structured content lists each moved field
 * (its URI, JSON and, for tables, CSV; how many items stayed), and a resource_link per field follows
 * the text. Whenever the structured content is large, the text block is a compact summary instead of
 * a second copy of it. Images are not counted (they are not text tokens).
 */
import type { ExtraContent } from '../tool/results.js';
import type { ToolReturn } from '../tool/tool.js';
import { RESULTS_URI, toCsv, type ResultStore } from './result-store.js';

export const RESULT_BUDGET_CHARS = 80_000;
/** Structured content over this gets a summary as its text block, not a copy. */
export const SUMMARY_FROM_CHARS = 8_000;
const SUMMARY_MAX_CHARS = 6_000;

interface Moved {
  field: string;
  json: string;
  csv?: string;
  kept: number;
  total: number;
}

const size = (v: unknown): number => JSON.stringify(v)?.length ?? 0;

/** The summary text: the tool's own first line (it may say the data is simulated), then scalars as they are, arrays by length, moved fields by URI. */
function summary(tool: string, structured: Record<string, unknown>, fullChars: number, moved: Moved[], lead: string | undefined): string {
  const lines = [
    ...(lead ? [lead] : []),
    `${tool}: ${fullChars} characters of results (~${Math.round(fullChars / 4)} tokens); the structured content has the fields below.`,
  ];
  for (const [k, v] of Object.entries(structured)) {
    if (k === 'resources') continue;
    if (Array.isArray(v)) lines.push(`${k}: ${v.length} items`);
    else if (v !== null && typeof v === 'object') lines.push(`${k}: ${size(v) <= 200 ? JSON.stringify(v) : `object of ${Object.keys(v).length} keys`}`);
    else lines.push(`${k}: ${JSON.stringify(v)}`);
  }
  for (const m of moved) lines.push(`${m.field}: ${m.kept} of ${m.total} here; all at ${m.json}${m.csv ? ` (CSV: ${m.csv})` : ''}`);
  const text = lines.join('\n');
  return text.length <= SUMMARY_MAX_CHARS ? text : `${text.slice(0, SUMMARY_MAX_CHARS - 20)}\n... (truncated)`;
}

/** Holds one direct call's result to the budget, moving what does not fit to the store. */
export function holdToBudget(tool: string, done: ToolReturn, store: ResultStore, identity: string): ToolReturn {
  const fullChars = size(done.structured);
  const textChars = done.text?.length ?? fullChars;
  if (fullChars <= SUMMARY_FROM_CHARS && fullChars + textChars <= RESULT_BUDGET_CHARS) return done;
  const structured: Record<string, unknown> = { ...done.structured };
  const limit = RESULT_BUDGET_CHARS - SUMMARY_MAX_CHARS - 2_000;
  let current = fullChars;
  const toMove: Record<string, unknown> = {};
  const counts: Record<string, { kept: number; total: number }> = {};
  const largest = Object.entries(structured)
    .filter(([, v]) => v !== null && typeof v === 'object')
    .map(([k, v]) => ({ k, v, chars: size(v) }))
    .sort((a, b) => b.chars - a.chars);
  for (const { k, v, chars } of largest) {
    if (current <= limit) break;
    toMove[k] = v;
    let kept: unknown = Array.isArray(v) ? [] : {};
    let keptChars = 2;
    if (Array.isArray(v)) {
      const room = limit - (current - chars);
      const prefix: unknown[] = [];
      let used = 2;
      for (const item of v) {
        const c = size(item) + 1;
        if (used + c > room) break;
        prefix.push(item);
        used += c;
      }
      kept = prefix;
      keptChars = used;
    }
    structured[k] = kept;
    counts[k] = { kept: Array.isArray(kept) ? kept.length : 0, total: Array.isArray(v) ? v.length : Object.keys(v as object).length };
    current -= chars - keptChars;
  }
  const moved: Moved[] = [];
  if (Object.keys(toMove).length > 0) {
    const id = store.put(identity, toMove);
    for (const [field, value] of Object.entries(toMove)) {
      const base = `${RESULTS_URI}${id}/${encodeURIComponent(field)}`;
      moved.push({
        field,
        json: `${base}.json`,
        ...(toCsv(value) !== undefined ? { csv: `${base}.csv` } : {}),
        ...(counts[field] as { kept: number; total: number }),
      });
    }
    structured.resources = moved.map((m) => ({ field: m.field, uri: m.json, ...(m.csv ? { csv_uri: m.csv } : {}), items_here: m.kept, items_total: m.total }));
  }
  const links: ExtraContent[] = moved.map((m) => ({ type: 'resource_link', uri: m.json, name: `${tool}.${m.field}`, mimeType: 'application/json' }));
  return {
    ...done,
    structured,
    text: summary(tool, structured, fullChars, moved, done.text?.split('\n', 1)[0]?.slice(0, 300)),
    content: [...links, ...(done.content ?? [])],
  };
}
