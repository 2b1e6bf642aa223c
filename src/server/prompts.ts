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
    description: 'Test two symbols for cointegration and, if they are, analyse the spread\'s mean reversion.',
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
      ['analyze_mean_reversion', `Otherwise run analyze_mean_reversion on the spread: symbols [${a.symbol1}, ${a.symbol2}] with the hedge_ratio from step 1 and lookback_period=${a.lookback_period ?? '20'}.`],
      [null, 'Summarise: hedge ratio, half-life in days, Hurst exponent, the current z-score and signal, and the caveats (in-sample estimate, structural breaks).'],
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
      ['screen_assets_by_criteria', `Screen ${a.symbols} from ${a.start_date} to ${a.end_date} with screen_assets_by_criteria (min_sharpe 0.3, max_volatility 0.4).`],
      ['select_uncorrelated_assets', 'From the survivors, select_uncorrelated_assets with n_assets about half of them.'],
      ['hierarchical_risk_parity', 'Build weights with hierarchical_risk_parity.'],
      ['minimize_cvar', 'Build weights with minimize_cvar (alpha 0.95, max_weight 0.3).'],
      ['calculate_portfolio_performance', `Compare both with calculate_portfolio_performance (monthly rebalancing${a.benchmark ? `, benchmark_symbol ${a.benchmark}` : ''}).`],
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
    const skipped = spec.steps(args).filter(([tool]) => tool !== null && !served.has(tool)).map(([tool]) => tool as string);
    const text = [
      `${spec.description}`,
      ...steps.map(([, step], i) => `${i + 1}. ${step}`),
      ...(skipped.length > 0 ? [`(Not available on this server, so left out: ${skipped.join(', ')}; an operator can enable them.)`] : []),
    ].join('\n');
    return { description: spec.title, messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
  });
}

export const PROMPT_NAMES = PROMPTS.map((p) => p.name);
