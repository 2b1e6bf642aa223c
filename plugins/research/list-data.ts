/** list_available_data: the symbols, resolutions and date ranges the active price source holds, a page at a time. */
import { z } from 'zod';
import { ToolError } from '../../src/tool/results.js';
import { defineTool } from '../../src/tool/tool.js';
import { source } from '../quant/common.js';
import { catalogOf } from '../quant/data/catalog.js';

export const listAvailableData = defineTool({
  name: 'list_available_data',
  title: 'List available data',
  description: 'Symbols (sector where known), resolutions and date ranges the data source holds; ETFs with constituents. Paged.',
  toolset: 'research',
  risk: 'read',
  severity: 'low',
  input: z.object({
    prefix: z.string().optional().describe('Ticker prefix'),
    sector: z.string().optional().describe('Sector name'),
    offset: z.number().int().min(0).max(100_000).default(0).describe('Symbols to skip'),
    limit: z.number().int().min(1).max(500).default(100).describe('Symbols per page'),
  }),
  output: z.object({
    // Each symbol: { symbol, sector?, resolutions: [{ resolution, start, end }] }; page: { total, offset, returned, more_available, next_offset? }.
    // Also: source, origin (why this source), sectors, etfs.
    data_source: z.string(),
    symbols: z.array(z.object({ symbol: z.string() })),
    page: z.object({ more_available: z.boolean() }),
  }),
  handler: async (a, ctx) => {
    const src = source(ctx);
    const catalog = catalogOf(src);
    const all = catalog.symbols();
    const sectors = [...new Set(all.map((s) => s.sector).filter((s): s is string => s !== undefined))].sort();
    if (a.sector !== undefined && !sectors.some((s) => s.toLowerCase() === a.sector?.toLowerCase())) {
      throw new ToolError(
        sectors.length === 0
          ? `${src.describe} has no sector information; filter by prefix instead.`
          : `Unknown sector "${a.sector}": the sectors are ${sectors.join(', ')}.`,
      );
    }
    const matching = all.filter(
      (s) => (!a.prefix || s.symbol.startsWith(a.prefix.toUpperCase())) && (!a.sector || s.sector?.toLowerCase() === a.sector.toLowerCase()),
    );
    const page = matching.slice(a.offset, a.offset + a.limit);
    const next = a.offset + page.length < matching.length ? a.offset + page.length : null;
    return {
      structured: {
        source: src.describe,
        data_source: src.kind,
        origin: ctx.settings.dataOrigin,
        symbols: page.map((s) => ({ ...s, resolutions: catalog.coverage(s.symbol) })),
        ...(sectors.length > 0 ? { sectors } : {}),
        etfs: catalog.etfs(),
        page: {
          total: matching.length,
          offset: a.offset,
          returned: page.length,
          more_available: next !== null,
          ...(next !== null ? { next_offset: next } : {}),
        },
      },
    };
  },
});
