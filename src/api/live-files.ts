/**
 * Live reads do not carry the project's files: QuantConnect's /live/read (and the deployment summary
 * of /live/create) list every file of the project with its content. read_file reads them when needed.
 */
import type { ToolReturn } from '../tool/tool.js';

const dropFiles = (value: unknown): unknown => {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('files' in value)) return value;
  const { files: _files, ...rest } = value as Record<string, unknown>;
  return rest;
};

export function withoutLiveFiles(result: ToolReturn): ToolReturn {
  const structured = { ...(dropFiles(result.structured) as Record<string, unknown>) };
  if ('live' in structured) structured.live = Array.isArray(structured.live) ? structured.live.map(dropFiles) : dropFiles(structured.live);
  return { ...result, structured };
}
