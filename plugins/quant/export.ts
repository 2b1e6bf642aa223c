/**
 * Exports: weights as a compact text table for the agent; CSV and PDF files written to the export
 * folder (QC_MCP_EXPORT_DIR / plugins.portfolio.export_dir), returned as ToolReturn.files so the
 * server serves each as a resource of the caller (src/server/exports.ts).
 */
import { writeFileAtomic } from '../../src/util/files.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportedFile, ToolDefinition } from '../../src/tool/tool.js';

/** "SYM  weight" lines, largest first, weights as percentages. */
export function weightsTable(weights: Record<string, number>, title: string): string {
  const rows = Object.entries(weights).sort((a, b) => b[1] - a[1]);
  const width = Math.max(6, ...rows.map(([s]) => s.length));
  return [title, ...rows.map(([s, w]) => `${s.padEnd(width)}  ${(w * 100).toFixed(2).padStart(7)}%`)].join('\n');
}

/** Write a file atomically (temp file, then rename) as {tool}-{what}-{time}.{ext} and describe it for the result. */
export function exportFile(
  dir: string,
  tool: string,
  what: string,
  ext: 'csv' | 'pdf',
  data: string | Uint8Array,
  description: string,
  now = new Date(),
): ExportedFile {
  mkdirSync(dir, { recursive: true });
  const name = `${tool}-${what}-${now.toISOString().replace(/[:.]/g, '-')}.${ext}`;
  const path = join(dir, name);
  writeFileAtomic(path, typeof data === 'string' ? data : Buffer.from(data));
  return { name, path, data, mimeType: ext === 'csv' ? 'text/csv' : 'application/pdf', description };
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** CSV (RFC 4180: CRLF, quoted when needed) of flat records; the header is the keys in first-seen order; nested values as JSON. */
export function recordsCsv(rows: Record<string, unknown>[]): string {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return `${[keys.map(cell).join(','), ...rows.map((row) => keys.map((k) => cell(row[k])).join(','))].join('\r\n')}\r\n`;
}

/** Records as a CSV file in the export folder. */
export function exportRecords(dir: string, tool: string, what: string, rows: Record<string, unknown>[], description: string): ExportedFile {
  return exportFile(dir, tool, what, 'csv', recordsCsv(rows), description);
}

/** symbol,weight rows as a CSV file in the export folder. */
export function exportWeights(dir: string, tool: string, weights: Record<string, number>): ExportedFile {
  return exportRecords(
    dir,
    tool,
    'weights',
    Object.entries(weights).map(([symbol, weight]) => ({ symbol, weight })),
    `Weights from ${tool}`,
  );
}

/** The tool, with files made from its structured result added to every successful result (what it exports as CSV). */
export function withExports(tool: ToolDefinition, make: (structured: Record<string, unknown>, dir: string) => ExportedFile[]): ToolDefinition {
  return {
    ...tool,
    handler: async (args, ctx) => {
      const done = await tool.handler(args, ctx);
      return { ...done, files: [...(done.files ?? []), ...make(done.structured, ctx.settings.exportDir)] };
    },
  };
}
