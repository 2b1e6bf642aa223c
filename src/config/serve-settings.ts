/**
 * How `serve` listens, from flags, our environment variables, and the names the earlier community
 * server used (MCP_TRANSPORT, MCP_HOST, MCP_PORT, MCP_PATH, LOG_LEVEL), read as aliases. The
 * more specific wins: a flag, then QC_MCP_*, then the alias; every conflict is reported (stderr).
 */
import { SettingsError } from './env.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface ServeSettings {
  transport: 'stdio' | 'http';
  host: string | undefined;
  port: string | undefined;
  /** The HTTP endpoint's path (default /mcp). */
  path: string;
  logLevel: LogLevel;
  /** Conflicts resolved (ours won), for stderr. */
  notes: string[];
}

const ALIASES = {
  transport: ['QC_MCP_TRANSPORT', 'MCP_TRANSPORT'],
  host: ['QC_MCP_HOST', 'MCP_HOST'],
  port: ['QC_MCP_PORT', 'MCP_PORT'],
  path: ['QC_MCP_PATH', 'MCP_PATH'],
  logLevel: ['QC_MCP_LOG_LEVEL', 'LOG_LEVEL'],
} as const;

const LEVELS: Record<string, LogLevel> = { debug: 'debug', trace: 'debug', info: 'info', notice: 'info', warn: 'warning', warning: 'warning', error: 'error', critical: 'error' };

export function readServeSettings(flags: { transport?: string | undefined; host?: string | undefined; port?: string | undefined }, env: NodeJS.ProcessEnv = process.env): ServeSettings {
  const notes: string[] = [];
  const pick = (key: keyof typeof ALIASES, flag?: string): string | undefined => {
    const [ours, alias] = ALIASES[key];
    const fromOurs = env[ours]?.trim() || undefined;
    const fromAlias = env[alias]?.trim() || undefined;
    const flagName = `--${key === 'logLevel' ? 'log-level' : key}`;
    if (flag !== undefined) {
      for (const [name, value] of [[ours, fromOurs], [alias, fromAlias]] as const) {
        if (value !== undefined && value !== flag) notes.push(`${flagName} ${flag} wins over ${name}=${value}.`);
      }
      return flag;
    }
    if (fromOurs !== undefined && fromAlias !== undefined && fromOurs !== fromAlias) notes.push(`${ours}=${fromOurs} wins over ${alias}=${fromAlias}.`);
    return fromOurs ?? fromAlias;
  };
  const transportRaw = (pick('transport', flags.transport) ?? 'stdio').toLowerCase();
  const transport = transportRaw === 'streamable-http' || transportRaw === 'http' ? 'http' : transportRaw === 'stdio' ? 'stdio' : undefined;
  if (!transport) throw new SettingsError(`the transport must be stdio, http or streamable-http (got '${transportRaw}')`);
  const path = pick('path') ?? '/mcp';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path)) throw new SettingsError(`MCP_PATH / QC_MCP_PATH must be a URL path starting with / (got '${path}')`);
  const levelRaw = (pick('logLevel') ?? 'info').toLowerCase();
  const logLevel = LEVELS[levelRaw];
  if (!logLevel) throw new SettingsError(`LOG_LEVEL / QC_MCP_LOG_LEVEL must be debug, info, warning or error (got '${levelRaw}')`);
  return { transport, host: pick('host', flags.host), port: pick('port', flags.port), path, logLevel, notes };
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

/** A stderr logger that writes lines at or above `level`. */
export const stderrLogger =
  (level: LogLevel) =>
  (line: string, lineLevel: LogLevel = 'info'): void => {
    if (RANK[lineLevel] >= RANK[level]) process.stderr.write(`${line}\n`);
  };
