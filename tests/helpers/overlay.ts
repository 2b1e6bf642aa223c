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

/** An overlay that enables every tool named in the packaged tools.yaml. */
export function allEnabledOverlay(): string {
  const tools = (parse(readFileSync('tools.yaml', 'utf8')) as { tools: Record<string, unknown> }).tools;
  return writeOverlay({ tools: Object.fromEntries(Object.keys(tools).map((name) => [name, { enabled: true }])) });
}
