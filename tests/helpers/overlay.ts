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

const toolNames = (): string[] => Object.keys((parse(readFileSync('tools.yaml', 'utf8')) as { tools: Record<string, unknown> }).tools);

/** An overlay that enables every tool named in the packaged tools.yaml (confirmation and limits stay as packaged). */
export function allEnabledOverlay(): string {
  return writeOverlay({ tools: Object.fromEntries(toolNames().map((name) => [name, { enabled: true }])) });
}

/**
 * For tests about transport, API shapes and the sandbox, not policy: every tool enabled, no human
 * confirmation, no limits. An operator could write exactly this; the policy has its own tests.
 */
export function unrestrictedOverlay(): string {
  return writeOverlay({ tools: Object.fromEntries(toolNames().map((name) => [name, { enabled: true, confirm: false, limits: [] }])) });
}
