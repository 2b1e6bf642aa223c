/** A chart as an MCP image block. The chart libraries (Vega, resvg) load on first use, not at server start. */
import type { TopLevelSpec } from 'vega-lite';

export async function chartImage(spec: TopLevelSpec): Promise<{ type: 'image'; data: string; mimeType: string }> {
  const { pngContent, renderPng } = await import('./render.js');
  return pngContent(await renderPng(spec));
}
