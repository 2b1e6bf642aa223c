/**
 * Weights as a compact text table for the agent, and, on request, as CSV in the export folder
 * (QC_MCP_EXPORT_DIR / plugins.portfolio.export_dir) with a resource link to the file.
 */
import { writeFileAtomic } from '../../src/util/files.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExtraContent } from '../../src/tool/results.js';

/** "SYM  weight" lines, largest first, weights as percentages. */
export function weightsTable(weights: Record<string, number>, title: string): string {
  const rows = Object.entries(weights).sort((a, b) => b[1] - a[1]);
  const width = Math.max(6, ...rows.map(([s]) => s.length));
  return [title, ...rows.map(([s, w]) => `${s.padEnd(width)}  ${(w * 100).toFixed(2).padStart(7)}%`)].join('\n');
}

/** Write symbol,weight rows atomically (temp file, then rename) and link to the file. */
export function exportWeights(dir: string, tool: string, weights: Record<string, number>, now = new Date()): { path: string; link: ExtraContent } {
  mkdirSync(dir, { recursive: true });
  const name = `${tool}-${now.toISOString().replace(/[:.]/g, '-')}.csv`;
  const path = join(dir, name);
  const body = ['symbol,weight', ...Object.entries(weights).map(([s, w]) => `${s},${w}`)].join('\n') + '\n';
  writeFileAtomic(path, body);
  return { path, link: { type: 'resource_link', uri: pathToFileURL(path).href, name, mimeType: 'text/csv', description: `Weights from ${tool}` } };
}
