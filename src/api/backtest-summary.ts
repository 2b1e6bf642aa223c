/**
 * A backtest as a compact summary (well under 2 KB) and links to everything else as MCP resources.
 * Shared by read_backtest (its default answer) and the workflow tools.
 */
export type Json = Record<string, unknown>;

/** The statistics an agent reads first; the rest stay reachable through read_backtest(include) and resources. */
const KEY_STATISTICS = [
  'Net Profit',
  'Compounding Annual Return',
  'Sharpe Ratio',
  'Sortino Ratio',
  'Probabilistic Sharpe Ratio',
  'Drawdown',
  'Win Rate',
  'Total Orders',
  'Alpha',
  'Beta',
  'Annual Standard Deviation',
  'Portfolio Turnover',
  'Total Fees',
];

/** Hints for common runtime errors, matched on the message. */
const HINTS: [RegExp, string][] = [
  [
    /NameError|is not defined|does not exist in the current context/i,
    'A name is used before it is defined: check spelling and imports at the line in the stack trace.',
  ],
  [
    /AttributeError|has no attribute|does not contain a definition/i,
    'An object lacks the member used: check the API name (QuantConnect uses snake_case in Python, PascalCase in C#).',
  ],
  [
    /KeyError|not found in the dictionary|KeyNotFound/i,
    'A key is missing: check that the symbol or data is in the Slice before reading it (slice.contains_key / ContainsKey).',
  ],
  [/ZeroDivision|divide by zero/i, 'A division by zero: guard the denominator (a price or indicator may be 0 or not ready).'],
  [/IndexError|index out of range|Index was outside/i, 'An index is out of range: check history length and indicator warm-up.'],
  [/insufficient|buying power/i, 'Orders exceed the buying power: size positions with calculate_order_quantity or set_holdings.'],
];

export function hintFor(message: string): string {
  return HINTS.find(([pattern]) => pattern.test(message))?.[1] ?? 'Fix the line named in the stack trace, then run compile_and_backtest again.';
}

export const resourceBase = (projectId: number, backtestId: string): string => `quantconnect://projects/${projectId}/backtests/${backtestId}`;

/** A backtest as a compact summary (well under 2 KB): state, key and runtime statistics, the error with a hint. */
export function summariseBacktest(backtest: Json, projectId: number): Json {
  const statistics = (backtest.statistics ?? {}) as Record<string, unknown>;
  const key = Object.fromEntries(KEY_STATISTICS.filter((k) => statistics[k] !== undefined).map((k) => [k, statistics[k]]));
  const error = typeof backtest.error === 'string' && backtest.error !== '' ? backtest.error : undefined;
  const stack = typeof backtest.stacktrace === 'string' ? backtest.stacktrace : undefined;
  const backtestId = String(backtest.backtestId ?? '');
  return {
    projectId,
    backtestId,
    ...(typeof backtest.note === 'string' && backtest.note !== '' ? { note: backtest.note.slice(0, 200) } : {}),
    name: backtest.name,
    status: backtest.status,
    progress: backtest.progress,
    completed: backtest.completed,
    ...(backtest.backtestStart ? { period: `${String(backtest.backtestStart).slice(0, 10)} to ${String(backtest.backtestEnd ?? '').slice(0, 10)}` } : {}),
    statistics: key,
    runtime_statistics: backtest.runtimeStatistics ?? {},
    ...(error ? { error, stacktrace: stack?.slice(0, 600), hint: hintFor(`${error}\n${stack ?? ''}`) } : {}),
    more: `read_backtest with include, or resources under ${resourceBase(projectId, backtestId)}`,
  };
}

/** resource_link content items for a backtest's full data, orders, report and (up to six) charts. */
export function backtestLinks(projectId: number, backtest: Json) {
  const backtestId = String(backtest.backtestId ?? '');
  const charts = Object.keys((backtest.charts ?? {}) as Json);
  const base = resourceBase(projectId, backtestId);
  const link = (uri: string, name: string, description: string) => ({ type: 'resource_link' as const, uri, name, mimeType: 'application/json', description });
  return [
    link(base, `backtest ${backtestId}`, 'The full backtest result'),
    link(`${base}/orders`, 'orders', 'Orders, first page'),
    link(`${base}/report`, 'report', 'The backtest report'),
    ...charts.slice(0, 6).map((name) => link(`${base}/charts/${encodeURIComponent(name)}`, `chart ${name}`, `The ${name} chart`)),
  ];
}
