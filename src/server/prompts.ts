/**
 * MCP prompts for the common workflows: each is a short, parameterised plan that names the tools
 * to use. A prompt only lists steps whose tools this server actually serves to the caller.
 */
import { ProtocolError, ProtocolErrorCode, type Server } from '@modelcontextprotocol/server';
import type { ToolDefinition } from '../tool/tool.js';

interface PromptSpec {
  name: string;
  title: string;
  description: string;
  arguments: { name: string; description: string; required?: boolean }[];
  /** Steps: [tool the step needs (or null), text]. Steps whose tool is not served are left out. */
  steps: (a: Record<string, string>) => [string | null, string][];
}

const PROMPTS: PromptSpec[] = [
  {
    name: 'pairs_trading_study',
    title: 'Pairs-trading study',
    description: "Test two symbols for cointegration and, if they are, analyse the spread's mean reversion.",
    arguments: [
      { name: 'symbol1', description: 'First ticker, e.g. KO', required: true },
      { name: 'symbol2', description: 'Second ticker, e.g. PEP', required: true },
      { name: 'start_date', description: 'YYYY-MM-DD', required: true },
      { name: 'end_date', description: 'YYYY-MM-DD', required: true },
      { name: 'lookback_period', description: 'Z-score lookback in days (default 20)' },
    ],
    steps: (a) => [
      ['test_cointegration', `Run test_cointegration(symbol1=${a.symbol1}, symbol2=${a.symbol2}, start_date=${a.start_date}, end_date=${a.end_date}).`],
      [null, 'If is_cointegrated is false, report the p-value and stop.'],
      [
        'analyze_mean_reversion',
        `Otherwise run analyze_mean_reversion on the spread: symbols [${a.symbol1}, ${a.symbol2}] with the hedge_ratio from step 1 and lookback_period=${a.lookback_period ?? '20'}.`,
      ],
      [
        null,
        'Summarise: hedge ratio, half-life in days, Hurst exponent, the current z-score and signal, and the caveats (in-sample estimate, structural breaks).',
      ],
    ],
  },
  {
    name: 'factor_portfolio',
    title: 'Factor-portfolio construction',
    description: 'Screen a universe, pick weakly correlated assets, build HRP and min-CVaR portfolios and compare their performance.',
    arguments: [
      { name: 'symbols', description: 'Comma-separated tickers', required: true },
      { name: 'start_date', description: 'YYYY-MM-DD', required: true },
      { name: 'end_date', description: 'YYYY-MM-DD', required: true },
      { name: 'benchmark', description: 'Benchmark ticker, e.g. SPY' },
    ],
    steps: (a) => [
      [
        'screen_assets_by_criteria',
        `Screen ${a.symbols} from ${a.start_date} to ${a.end_date} with screen_assets_by_criteria (min_sharpe 0.3, max_volatility 0.4).`,
      ],
      ['select_uncorrelated_assets', 'From the survivors, select_uncorrelated_assets with n_assets about half of them.'],
      ['hierarchical_risk_parity', 'Build weights with hierarchical_risk_parity.'],
      ['minimize_cvar', 'Build weights with minimize_cvar (alpha 0.95, max_weight 0.3).'],
      [
        'calculate_portfolio_performance',
        `Compare both with calculate_portfolio_performance (monthly rebalancing${a.benchmark ? `, benchmark_symbol ${a.benchmark}` : ''}).`,
      ],
      [null, 'Present a table of weights and figures; recommend one and say why.'],
    ],
  },
  {
    name: 'strategy_to_tear_sheet',
    title: 'New strategy to backtest to tear sheet',
    description: 'Write a strategy into a new project, backtest it in one call and review the results.',
    arguments: [
      { name: 'idea', description: 'The strategy in a sentence', required: true },
      { name: 'language', description: 'Py (default) or C#' },
    ],
    steps: (a) => [
      ['create_project', `Create a project (language ${a.language ?? 'Py'}) named after the idea: ${a.idea}.`],
      ['update_file_contents', 'Write main.py (or Main.cs) implementing the idea; keep it short and set start/end dates and cash.'],
      ['compile_and_backtest', 'Run compile_and_backtest. On a build or runtime error, fix the code using the logs and hint, and run it again.'],
      ['backtest_tear_sheet', 'Show backtest_tear_sheet for the finished backtest.'],
      [null, 'Summarise the key statistics and the weaknesses you see; suggest one improvement.'],
    ],
  },
  {
    name: 'stat_arb_study',
    title: 'Robust statistical-arbitrage study (A)',
    description: 'Screen a universe for pairs, test them honestly, and simulate a Kalman-hedged pairs strategy on local data.',
    arguments: [
      { name: 'symbols', description: 'Comma-separated tickers of one sector', required: true },
      { name: 'start_date', description: 'YYYY-MM-DD', required: true },
      { name: 'end_date', description: 'YYYY-MM-DD', required: true },
      { name: 'resolution', description: 'daily, hour or minute (default daily)' },
    ],
    steps: (a) => [
      [
        'rolling_correlation',
        `rolling_correlation over ${a.symbols} (${a.start_date} to ${a.end_date}, resolution ${a.resolution ?? 'daily'}), method distance, window = 60 days of bars, threshold 0.8; keep pairs whose latest value is >= 0.8.`,
      ],
      [
        'find_cointegrated_pairs',
        'find_cointegrated_pairs on the survivors with correction fdr_bh, johansen true, k_ar_diff 2, max_half_life 7 days of bars, max_hurst 0.4; quote its summary (tests run, false positives expected by chance).',
      ],
      ['kalman_hedge_ratio', 'For each remaining pair, kalman_hedge_ratio (mle true) to see the hedge ratio drift and the current z.'],
      [
        'simulate_pairs_trading',
        'simulate_pairs_trading with the pairs, hedge kalman, entry_z 2, confirm_bars 2, exit_z 0, max_hold_half_lives 3, stop_z 4, pair_pct 0.03, max_gross 3, a benchmark_symbol.',
      ],
      [
        null,
        'Report the trade log, PnL per pair, the bootstrapped p-value of alpha and the regime-shift test; say plainly that this is a simulation on local data, not a LEAN backtest.',
      ],
    ],
  },
  {
    name: 'factor_long_short',
    title: 'Factor-driven long/short portfolio (B)',
    description:
      'Factor loadings from user factor files, momentum/value terciles, a beta-neutral HRP long/short book at a volatility target, and its performance.',
    arguments: [
      { name: 'symbols', description: 'Comma-separated constituents', required: true },
      { name: 'benchmark', description: 'Benchmark ticker, e.g. SPY', required: true },
      { name: 'start_date', description: 'YYYY-MM-DD', required: true },
      { name: 'end_date', description: 'YYYY-MM-DD', required: true },
      { name: 'factor_files', description: 'Factor CSVs in the data folder, e.g. F-F_Research_Data_5_Factors_2x3_daily.CSV' },
    ],
    steps: (a) => [
      ['get_etf_constituents', `If ${a.symbols} names an ETF, list its constituents as of ${a.end_date} with get_etf_constituents.`],
      [
        'factor_regression',
        `factor_regression of the constituents on ${a.factor_files ?? "the user's factor files"} (${a.start_date} to ${a.end_date}); add benchmark_symbol ${a.benchmark} only if the files have no market factor (it and Mkt-RF are nearly collinear).`,
      ],
      [
        'build_long_short',
        `build_long_short with benchmark_symbol ${a.benchmark} (value_scores if the user gave fundamentals), per_name_cap 0.1, target_volatility 0.1; if capped_by_max_gross, raise max_gross (default 2) or say the target is not reached.`,
      ],
      ['minimize_cvar', 'For comparison, minimize_cvar (alpha 0.95) on the long book.'],
      [
        'calculate_portfolio_performance',
        `calculate_portfolio_performance of the weights with benchmark_symbol ${a.benchmark}, rebalance monthly: Sharpe, Sortino, max drawdown, hit rate, turnover, information ratio and the benchmark's own figures.`,
      ],
      [null, 'Present the weights as a table and the figures side by side with the benchmark.'],
    ],
  },
  {
    name: 'parameter_sweep',
    title: 'Parameter sweep and out-of-sample check (C)',
    description: 'Run a parameter grid as an optimization, rank the runs by information ratio under a drawdown limit, and backtest the winners out of sample.',
    arguments: [
      { name: 'projectId', description: 'A project whose algorithm reads parameters', required: true },
      { name: 'parameters', description: 'The grid, e.g. entry_z 1..3 step 0.5; lookback 20..60 step 20', required: true },
    ],
    steps: (a) => [
      ['compile_and_backtest', `Compile project ${a.projectId} (compile_and_backtest, or create_compile) and fix any build error first.`],
      ['create_optimization', `create_optimization on project ${a.projectId} over ${a.parameters} (estimate_optimization_time first; it costs credits).`],
      ['wait_for_optimization', 'wait_for_optimization until it completes.'],
      ['rank_backtests', 'rank_backtests with the optimizationId, sort_by information_ratio, where ["drawdown < 10"], top 3.'],
      [
        'create_backtest',
        'Move the algorithm to an out-of-sample period; for each of the three parameter sets, create_backtest (or compile_and_backtest) with those parameters.',
      ],
      ['backtest_tear_sheet', 'backtest_tear_sheet for each out-of-sample backtest.'],
      [null, 'Write an executive summary: in- versus out-of-sample figures, and whether the ranking held.'],
    ],
  },
  {
    name: 'live_deployment_checklist',
    title: 'Live deployment checklist',
    description: 'Check a project is ready before a human approves deploying it live.',
    arguments: [{ name: 'projectId', description: 'The project to deploy', required: true }],
    steps: (a) => [
      ['get_auth_status', 'Confirm with get_auth_status which account this is; stop if it is the sandbox but live trading is intended.'],
      ['compile_and_backtest', `Run compile_and_backtest on project ${a.projectId}; stop on any error.`],
      ['read_project_nodes', 'Check a live node is free with read_project_nodes.'],
      [null, 'List the risks (position sizing, data, brokerage limits, what happens on disconnect) and ask the human to confirm.'],
      ['create_live_algorithm', 'Only after the human agrees: create_live_algorithm (it needs the operator to enable it, and a human confirmation).'],
      ['wait_for_live_algorithm', 'Then wait_for_live_algorithm and report its status and first logs.'],
    ],
  },
];

export function registerPrompts(server: Server, listed: () => readonly ToolDefinition[]): void {
  server.setRequestHandler('prompts/list', () => ({
    prompts: PROMPTS.map((p) => ({ name: p.name, title: p.title, description: p.description, arguments: p.arguments })),
  }));
  server.setRequestHandler('prompts/get', (request) => {
    const spec = PROMPTS.find((p) => p.name === request.params.name);
    if (!spec) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `No prompt named ${request.params.name}: see prompts/list.`);
    const args = (request.params.arguments ?? {}) as Record<string, string>;
    const missing = spec.arguments.filter((a) => a.required && !args[a.name]).map((a) => a.name);
    if (missing.length > 0) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${spec.name} needs ${missing.join(', ')}.`);
    const served = new Set(listed().map((t) => t.name));
    const steps = spec.steps(args).filter(([tool]) => tool === null || served.has(tool));
    const skipped = spec
      .steps(args)
      .filter(([tool]) => tool !== null && !served.has(tool))
      .map(([tool]) => tool as string);
    const text = [
      `${spec.description}`,
      ...steps.map(([, step], i) => `${i + 1}. ${step}`),
      ...(skipped.length > 0 ? [`(Not available on this server, so left out: ${skipped.join(', ')}; an operator can enable them.)`] : []),
    ].join('\n');
    return { description: spec.title, messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
  });
}

export const PROMPT_NAMES = PROMPTS.map((p) => p.name);
