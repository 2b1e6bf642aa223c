/**
 * Portfolio tools take weights as {SYMBOL: weight} (the form every optimiser returns) and as a
 * list parallel to symbols; both give the same figures, and the result returns the map.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { allEnabledOverlay } from '../helpers/overlay.js';

let c: Connected;
afterAll(async () => c?.close());

describe('weights as a map or a list', () => {
  it("an optimiser's {SYMBOL: weight} goes straight into calculate_portfolio_performance, same figures as the list form", async () => {
    c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: `csv:${resolve(GOLDEN_DIR, 'A')}`, QC_MCP_TOOLS: allEnabledOverlay() }) });
    const range = { start_date: '2023-01-01', end_date: '2024-12-31' };
    const optimised = await c.client.callTool({ name: 'hierarchical_risk_parity', arguments: { symbols: ['KO', 'PEP', 'QQQ', 'XLE'], ...range } });
    expect(optimised.isError, JSON.stringify(optimised.content)).toBeFalsy();
    const weights = (optimised.structuredContent as { weights: Record<string, number> }).weights;

    const fromMap = await c.client.callTool({ name: 'calculate_portfolio_performance', arguments: { weights, rebalance_frequency: 'monthly', ...range } });
    expect(fromMap.isError, JSON.stringify(fromMap.content)).toBeFalsy();
    const fromList = await c.client.callTool({
      name: 'calculate_portfolio_performance',
      arguments: { symbols: Object.keys(weights), weights: Object.values(weights), rebalance_frequency: 'monthly', ...range },
    });
    expect(fromList.isError).toBeFalsy();
    expect(fromMap.structuredContent).toEqual(fromList.structuredContent);
    expect((fromMap.structuredContent as { weights: Record<string, number> }).weights).toEqual(weights);

    const noSymbols = await c.client.callTool({ name: 'calculate_portfolio_performance', arguments: { weights: [0.5, 0.5], ...range } });
    expect(noSymbols.isError).toBe(true);
    expect(JSON.stringify(noSymbols.content)).toContain('weights is a list, so symbols is needed');
  });
});
