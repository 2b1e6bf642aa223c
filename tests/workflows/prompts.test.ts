/** Prompts for the seed's workflows, and instructions written for the tools actually served. */
import { afterAll, describe, expect, it } from 'vitest';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay, writeOverlay } from '../helpers/overlay.js';

const open: Connected[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});
async function server(overlay?: string): Promise<Connected> {
  const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', overlay ? { QC_MCP_TOOLS: overlay } : {}) });
  open.push(c);
  return c;
}

describe('prompts', () => {
  it('lists the four workflows with their arguments', async () => {
    const c = await server();
    const { prompts } = await c.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['pairs_trading_study', 'factor_portfolio', 'strategy_to_tear_sheet', 'live_deployment_checklist']);
    expect(prompts[0]!.arguments!.filter((a) => a.required).map((a) => a.name)).toEqual(['symbol1', 'symbol2', 'start_date', 'end_date']);
  });

  it('fills in the arguments and names the tools to use', async () => {
    const c = await server();
    const r = await c.client.getPrompt({ name: 'pairs_trading_study', arguments: { symbol1: 'KO', symbol2: 'PEP', start_date: '2023-01-01', end_date: '2024-12-31' } });
    const text = (r.messages[0]!.content as { text: string }).text;
    expect(text).toContain('test_cointegration(symbol1=KO, symbol2=PEP, start_date=2023-01-01, end_date=2024-12-31)');
    expect(text).toContain('lookback_period=20');
    await expect(c.client.getPrompt({ name: 'pairs_trading_study', arguments: { symbol1: 'KO' } })).rejects.toThrow(/needs symbol2, start_date, end_date/);
    await expect(c.client.getPrompt({ name: 'nope', arguments: {} })).rejects.toThrow(/No prompt named nope/);
  });

  it('leaves out steps whose tools are not served, and says so', async () => {
    const defaults = await server();
    const text = ((await defaults.client.getPrompt({ name: 'factor_portfolio', arguments: { symbols: 'A,B,C', start_date: '2020-01-01', end_date: '2021-01-01' } })).messages[0]!.content as { text: string }).text;
    expect(text).toMatch(/left out: screen_assets_by_criteria, select_uncorrelated_assets/);
    expect(text).not.toMatch(/^\d+\. Screen/m);
    const all = await server(unrestrictedOverlay());
    const full = ((await all.client.getPrompt({ name: 'factor_portfolio', arguments: { symbols: 'A,B,C', start_date: '2020-01-01', end_date: '2021-01-01', benchmark: 'SPY' } })).messages[0]!.content as { text: string }).text;
    expect(full).toMatch(/^1\. Screen A,B,C/m);
    expect(full).toContain('benchmark_symbol SPY');
    expect(full).not.toContain('left out');
  });
});

describe('instructions', () => {
  it('point to compile_and_backtest and the wait tools when they are served, and to polling when not', async () => {
    const on = await server();
    expect(on.client.getInstructions()).toMatch(/use compile_and_backtest/);
    expect(on.client.getInstructions()).toMatch(/wait_for_compile, wait_for_backtest instead of polling/);
    const off = await server(writeOverlay({ tools: { compile_and_backtest: { enabled: false } } }));
    expect(off.client.getInstructions()).toMatch(/Compile before backtesting: create_compile/);
    // Named only where the instructions list what is off (and how the operator turns it on).
    const [guidance, offLine] = (off.client.getInstructions() ?? '').split('\nOff on this server: ');
    expect(guidance).not.toMatch(/compile_and_backtest/);
    expect(offLine).toMatch(/tools compile_and_backtest/);
  });
});
