/** Valid example arguments for any tool: generated from its input schema, with overrides where semantics matter. */
type Schema = {
  type?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  minItems?: number;
};

export function exampleValue(schema: Schema, name = ''): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return name.toLowerCase().includes('id') ? `${name}-1` : `${name || 'value'}-example`;
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'array':
      return schema.minItems ? Array.from({ length: schema.minItems }, () => exampleValue(schema.items ?? {}, name)) : [];
    default:
      return exampleArgs(schema);
  }
}

export function exampleArgs(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of schema.required ?? []) out[key] = exampleValue(schema.properties?.[key] ?? {}, key);
  return out;
}

const PATCH = ['diff --git a/main.py b/main.py', 'index 1234567..abcdefg 100644', '--- a/main.py', '+++ b/main.py', '@@ -1,1 +1,1 @@', '-a', '+b', ''].join(
  '\n',
);

/** Arguments whose meaning the schema alone cannot give. */
export const ARG_OVERRIDES: Record<string, Record<string, unknown>> = {
  create_live_algorithm: { projectId: 1, compileId: 'compile-1', nodeId: 'LN-1', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } },
  create_optimization: {
    projectId: 1,
    name: 'opt',
    target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
    targetTo: 'max',
    strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
    compileId: 'compile-1',
    parameters: [{ name: 'fast', min: 5, max: 10, step: 5 }],
    estimatedCost: 1,
    nodeType: 'O2-8',
    parallelNodes: 2,
  },
  estimate_optimization_time: {
    projectId: 1,
    name: 'opt',
    target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
    targetTo: 'max',
    strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
    parameters: [{ name: 'fast', min: 5, max: 10, step: 5 }],
  },
  patch_file: { projectId: 1, patch: PATCH },
  authorize_connection: { brokerage: 'alpaca', timeout_s: 5 },
  enhance_error_message: { language: 'Py', error: { message: 'NameError: x is not defined' } },
  read_backtest_orders: { projectId: 1, backtestId: 'b-1', start: 0, end: 50 },
  read_backtest_insights: { projectId: 1, backtestId: 'b-1', start: 0, end: 50 },
  read_live_logs: { projectId: 1, algorithmId: 'L-1', startLine: 0, endLine: 100 },
  read_live_orders: { projectId: 1, start: 0, end: 100 },
  upload_object: { key: 'data/prices.csv', objectData: 'date,close\n2024-01-02,100\n' },
  create_live_command: { projectId: 1, command: { $type: 'OrderCommand', symbol: 'SPY', quantity: 1 } },
  broadcast_live_command: { command: { $type: 'OrderCommand', symbol: 'SPY', quantity: 1 } },
};

export function argsFor(tool: { name: string; inputSchema: unknown }): Record<string, unknown> {
  return ARG_OVERRIDES[tool.name] ?? exampleArgs(tool.inputSchema as Schema);
}
