/**
 * A chart as an MCP content block. The chart libraries (Vega, resvg) load on first use, not at
 * server start. A chart that cannot be drawn becomes a text note beside the numbers, never an
 * error: the figures in the result are complete without it.
 */
import type { TopLevelSpec } from 'vega-lite';

export type ChartContent = { type: 'image'; data: string; mimeType: string } | { type: 'text'; text: string };

export async function chartImage(spec: TopLevelSpec): Promise<ChartContent> {
  try {
    const { pngContent, renderPng } = await import('./render.js');
    return pngContent(await renderPng(spec));
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    process.stderr.write(`quantconnect-mcp: a chart could not be drawn: ${reason}\n`);
    return { type: 'text', text: `Note: the chart could not be drawn on this server (${reason}); the figures above are complete without it.` };
  }
}
