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
  it('lists the workflows with their arguments', async () => {
    const c = await server();
    const { prompts } = await c.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual([
      'pairs_trading_study',
      'factor_portfolio',
      'strategy_to_tear_sheet',
      'stat_arb_study',
      'factor_long_short',
      'parameter_sweep',
      'live_deployment_checklist',
    ]);
    expect(prompts[0]!.arguments!.filter((a) => a.required).map((a) => a.name)).toEqual(['symbol1', 'symbol2', 'start_date', 'end_date']);
  });

  it('fills in the arguments and names the tools to use', async () => {
    const c = await server();
    const r = await c.client.getPrompt({
      name: 'pairs_trading_study',
      arguments: { symbol1: 'KO', symbol2: 'PEP', start_date: '2023-01-01', end_date: '2024-12-31' },
    });
    const text = (r.messages[0]!.content as { text: string }).text;
    expect(text).toContain('test_cointegration(symbol1=KO, symbol2=PEP, start_date=2023-01-01, end_date=2024-12-31)');
    expect(text).toContain('lookback_period=20');
    await expect(c.client.getPrompt({ name: 'pairs_trading_study', arguments: { symbol1: 'KO' } })).rejects.toThrow(/needs symbol2, start_date, end_date/);
    await expect(c.client.getPrompt({ name: 'nope', arguments: {} })).rejects.toThrow(/No prompt named nope/);
  });

  it('leaves out steps whose tools are not served, and says so', async () => {
    const defaults = await server();
    const text = (
      (await defaults.client.getPrompt({ name: 'factor_portfolio', arguments: { symbols: 'A,B,C', start_date: '2020-01-01', end_date: '2021-01-01' } }))
        .messages[0]!.content as { text: string }
    ).text;
    expect(text).toMatch(/left out: screen_assets_by_criteria, select_uncorrelated_assets/);
    expect(text).not.toMatch(/^\d+\. Screen/m);
    const all = await server(unrestrictedOverlay());
    const full = (
      (
        await all.client.getPrompt({
          name: 'factor_portfolio',
          arguments: { symbols: 'A,B,C', start_date: '2020-01-01', end_date: '2021-01-01', benchmark: 'SPY' },
        })
      ).messages[0]!.content as { text: string }
    ).text;
    expect(full).toMatch(/^1\. Screen A,B,C/m);
    expect(full).toContain('benchmark_symbol SPY');
    expect(full).not.toContain('left out');
  });
});

describe('prompts for workflows A, B and C', () => {
  it('list only the steps whose tools are served: the studies toolset is off by default', async () => {
    const args = { symbols: 'KO,PEP,XOM', start_date: '2020-01-01', end_date: '2021-01-01' };
    const defaults = await server();
    const a = ((await defaults.client.getPrompt({ name: 'stat_arb_study', arguments: args })).messages[0]!.content as { text: string }).text;
    expect(a).toMatch(/left out: rolling_correlation, kalman_hedge_ratio, simulate_pairs_trading/);
    expect(a).toMatch(/^1\. find_cointegrated_pairs on the survivors with correction fdr_bh, johansen true, k_ar_diff 2/m);
    const all = await server(unrestrictedOverlay());
    const full = ((await all.client.getPrompt({ name: 'stat_arb_study', arguments: args })).messages[0]!.content as { text: string }).text;
    expect(full).toMatch(/^1\. rolling_correlation over KO,PEP,XOM .*method distance/m);
    expect(full).toMatch(/^4\. simulate_pairs_trading .*confirm_bars 2.*stop_z 4/m);
    expect(full).not.toContain('left out');
    const b = ((await all.client.getPrompt({ name: 'factor_long_short', arguments: { ...args, benchmark: 'SPY' } })).messages[0]!.content as { text: string })
      .text;
    expect(b).toMatch(/factor_regression .*benchmark_symbol SPY/);
    expect(b).toMatch(/build_long_short/);
    const c = (
      (await all.client.getPrompt({ name: 'parameter_sweep', arguments: { projectId: '7', parameters: 'entry_z 1..3 step 0.5' } })).messages[0]!.content as {
        text: string;
      }
    ).text;
    expect(c).toMatch(/rank_backtests with the optimizationId, sort_by information_ratio, where \["drawdown < 10"\], top 3/);
    const cDefault = (
      (await defaults.client.getPrompt({ name: 'parameter_sweep', arguments: { projectId: '7', parameters: 'x' } })).messages[0]!.content as { text: string }
    ).text;
    expect(cDefault).toMatch(/left out: .*create_optimization.*rank_backtests/);
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
