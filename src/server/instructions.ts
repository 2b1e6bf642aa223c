/** Server instructions: short guidance for agents, written for the tools actually enabled. */
import { toolsetSwitch, toolSwitch, type OffSummary } from './off-tools.js';
import type { ToolDefinition } from '../tool/tool.js';

export function buildInstructions(
  tools: readonly ToolDefinition[],
  backend: 'quantconnect' | 'sandbox',
  off: OffSummary = { toolsets: [], tools: [] },
): string {
  const has = (name: string): boolean => tools.some((t) => t.name === name);
  const lines: string[] = [];
  if (backend === 'sandbox') {
    lines.push('SANDBOX: no QuantConnect credentials are set, so every tool talks to a local simulated API. Results are simulated, not your account.');
  }
  lines.push('QuantConnect tools: inputs are flat; ids come from earlier results (projectId, compileId, backtestId).');
  if (has('compile_and_backtest')) {
    lines.push(
      'To run a backtest use compile_and_backtest: one call compiles, waits, backtests, waits and returns a compact summary (progress is reported; do not poll).',
    );
  } else if (has('create_compile') && has('create_backtest')) {
    lines.push(
      'Compile before backtesting: create_compile, then read_compile until state is BuildSuccess, then create_backtest with that compileId; poll read_backtest until completed.',
    );
  }
  const waits = ['wait_for_compile', 'wait_for_backtest', 'wait_for_optimization', 'wait_for_live_algorithm'].filter(has);
  if (waits.length > 0) lines.push(`To wait for a job already started, use ${waits.join(', ')} instead of polling.`);
  if (has('read_backtest'))
    lines.push('read_backtest is a summary; its resource links (quantconnect:// URIs) and include option reach charts, orders and the report.');
  lines.push('Long lists come a page at a time (100 by default): when page.more_available is true, call again with offset=page.next_offset.');
  if (has('patch_file')) lines.push('For small code edits use patch_file (unified diff) rather than rewriting whole files.');
  if (has('read_backtest_orders')) lines.push('Orders and insights are read in windows: end - start must be under 100.');
  if (has('read_live_logs')) lines.push('Live logs: at most 250 lines per call; live orders: at most 1000.');
  lines.push("Some tools are disabled or need a human's confirmation by policy; a refusal says why and what to do next.");
  if (off.toolsets.length > 0 || off.tools.length > 0) {
    const parts = [
      ...(off.toolsets.length > 0 ? [`toolsets ${off.toolsets.join(', ')} (each turned on with \`${toolsetSwitch('NAME')}\`)`] : []),
      ...(off.tools.length > 0 ? [`tools ${off.tools.join(', ')} (each turned on with \`${toolSwitch('NAME')}\`)`] : []),
    ];
    lines.push(
      `Off on this server: ${parts.join('; ')}. Only the operator can turn them on, in the QC_MCP_TOOLS overlay; you cannot. If a task needs one, tell the user.`,
    );
  }
  return lines.join('\n');
}
