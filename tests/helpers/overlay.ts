/** Temporary operator overlays for tests. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export function writeOverlay(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'qcmcp-overlay-')), 'overlay.yaml');
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

const packaged = () => parse(readFileSync('tools.yaml', 'utf8')) as { tools: Record<string, unknown>; toolsets: Record<string, unknown> };
const toolNames = (): string[] => Object.keys(packaged().tools);
/** Every toolset on: plugin tools are not listed under tools:, so their toolset decides. */
const allToolsets = () => Object.fromEntries(Object.keys(packaged().toolsets).map((name) => [name, { default: true }]));

/** An overlay that enables every tool named in the packaged tools.yaml and every toolset (confirmation and limits stay as packaged). */
export function allEnabledOverlay(): string {
  return writeOverlay({ toolsets: allToolsets(), tools: Object.fromEntries(toolNames().map((name) => [name, { enabled: true }])) });
}

/**
 * For tests about transport, API shapes and the sandbox, not policy: every tool enabled, no human
 * confirmation, no limits. An operator could write exactly this; the policy has its own tests.
 */
export function unrestrictedOverlay(): string {
  return writeOverlay({ toolsets: allToolsets(), tools: Object.fromEntries(toolNames().map((name) => [name, { enabled: true, confirm: false, limits: [] }])) });
}
