/**
 * Server notices on stderr, filtered by QC_MCP_LOG_LEVEL (alias LOG_LEVEL). How `serve` listens
 * (transport, host, port, path) and the community server's names for it are in the settings table.
 */

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

/** A stderr logger that writes lines at or above `level`. */
export const stderrLogger =
  (level: LogLevel) =>
  (line: string, lineLevel: LogLevel = 'info'): void => {
    if (RANK[lineLevel] >= RANK[level]) process.stderr.write(`${line}\n`);
  };
