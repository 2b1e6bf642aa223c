/**
 * The settings table: every environment variable and command-line flag, declared once with its
 * default and one line of help. readEnv (env.ts), `--help` (cli/help.ts) and the configuration
 * table in docs/operators.md (written by `npm run generate`) all read it. Adding a setting is one
 * entry in SETTINGS (or FLAGS, for a flag no variable mirrors). Config floor: imports nothing else in src.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** The CLI's commands, as flags name them. */
export type Command =
  | 'serve'
  | 'login'
  | 'doctor'
  | 'tools'
  | 'generate'
  | 'grant'
  | 'approve'
  | 'deny'
  | 'approvals'
  | 'lockdown'
  | 'audit'
  | 'sandbox'
  | 'policy'
  | 'guard'
  | 'console';

/** A flag: `--name`; for a setting, the flag wins over its variable on the commands listed. */
export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  commands: readonly Command[];
}

/** Who reads about it: the group it sits in in --help and the docs' table. */
export type SettingGroup = 'credentials' | 'server' | 'policy' | 'http' | 'research' | 'maintainers';

export interface SettingSpec<T> {
  /** The environment variable. */
  env: string;
  /** The name the earlier community server used for it, read when ours is unset (ours wins, and the server says so). */
  alias?: string;
  flag?: FlagSpec;
  group: SettingGroup;
  /** What a value looks like, for --help and the docs (`FILE`, `redis://...`). */
  value?: string;
  default?: T;
  /** The default in words, when it depends on another setting or the machine. */
  defaultText?: string;
  /** One line. */
  help: string;
  /** Raw text (flag or variable) to the value; undefined when unset; throws SettingsError naming `name`. */
  read: (raw: string | undefined, name: string) => T | undefined;
}

/** A flag that no variable mirrors: a command's own argument. */
export interface CommandFlagSpec extends FlagSpec {
  value?: string;
  help: string;
}

const text = (raw: string | undefined): string | undefined => (raw === undefined || raw.trim() === '' ? undefined : raw.trim());
const bool = (raw: string | undefined): boolean | undefined =>
  text(raw) === undefined ? undefined : ['1', 'true', 'yes', 'on'].includes(raw!.trim().toLowerCase());
const oneOf =
  <const V extends string>(...values: V[]) =>
  (raw: string | undefined, name: string): V | undefined => {
    const value = text(raw)?.toLowerCase();
    if (value === undefined) return undefined;
    if (!(values as string[]).includes(value))
      throw new SettingsError(`${name} must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)} (got ${JSON.stringify(value)})`);
    return value as V;
  };
const positiveInt = (raw: string | undefined, name: string): number | undefined => {
  if (text(raw) === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new SettingsError(`${name} must be a positive whole number (got ${JSON.stringify(raw)})`);
  return n;
};
const port = (raw: string | undefined, name: string): number | undefined => {
  if (text(raw) === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SettingsError(`${name} must be a port number (got ${String(raw)})`);
  return n;
};
const transport = (raw: string | undefined, name: string): 'stdio' | 'http' | undefined => {
  const value = text(raw)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'streamable-http' || value === 'http') return 'http';
  if (value === 'stdio') return 'stdio';
  throw new SettingsError(`${name} must be stdio, http or streamable-http (got ${JSON.stringify(value)})`);
};
const urlPath = (raw: string | undefined, name: string): string | undefined => {
  const value = text(raw);
  if (value !== undefined && !/^\/[A-Za-z0-9._~\-/]*$/.test(value))
    throw new SettingsError(`${name} must be a URL path starting with / (got ${JSON.stringify(value)})`);
  return value;
};
const LEVELS: Record<string, 'debug' | 'info' | 'warning' | 'error'> = {
  debug: 'debug',
  trace: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  critical: 'error',
};
const logLevel = (raw: string | undefined, name: string): 'debug' | 'info' | 'warning' | 'error' | undefined => {
  const value = text(raw)?.toLowerCase();
  if (value === undefined) return undefined;
  const level = LEVELS[value];
  if (!level) throw new SettingsError(`${name} must be debug, info, warning or error (got ${JSON.stringify(value)})`);
  return level;
};
const list = (raw: string | undefined): string[] | undefined =>
  text(raw)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function setting<T>(spec: SettingSpec<T> & { default: T }): SettingSpec<T> & { default: T };
function setting<T>(spec: SettingSpec<T>): SettingSpec<T>;
function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

/** Environment variables (and the flags that mirror them), in the order --help and the docs list them. */
export const SETTINGS = {
  userId: setting({
    env: 'QUANTCONNECT_USER_ID',
    group: 'credentials',
    read: text,
    help: "Your QuantConnect user id; wins over 'login' (with no credentials, the embedded sandbox is used).",
  }),
  token: setting({ env: 'QUANTCONNECT_API_TOKEN', group: 'credentials', read: text, help: 'Your QuantConnect API token; never printed, returned or audited.' }),
  organizationId: setting({
    env: 'QUANTCONNECT_ORGANIZATION_ID',
    group: 'credentials',
    read: text,
    help: 'Default organization for the Object Store and broadcast commands.',
  }),
  baseUrl: setting({
    env: 'QUANTCONNECT_API_BASE_URL',
    group: 'credentials',
    read: text,
    default: 'https://www.quantconnect.com/api/v2',
    help: 'The QuantConnect API (a standalone sandbox prints the one to use).',
  }),
  backend: setting({
    env: 'QC_MCP_BACKEND',
    group: 'server',
    value: 'auto|quantconnect|sandbox',
    read: oneOf('auto', 'quantconnect', 'sandbox'),
    default: 'auto',
    help: 'auto: QuantConnect when credentials are set, else the embedded sandbox.',
  }),
  agentName: setting({ env: 'AGENT_NAME', group: 'server', read: text, default: 'quantconnect-mcp', help: 'Sent as codeSourceId on file edits and locks.' }),
  stateDir: setting({
    env: 'QC_MCP_STATE_DIR',
    group: 'server',
    value: 'DIR',
    read: text,
    default: join(homedir(), '.quantconnect-mcp'),
    defaultText: '~/.quantconnect-mcp',
    help: 'Limits, approvals, lockdown, audit log, saved credentials and sandbox state.',
  }),
  npm: setting({ env: 'QC_MCP_NPM', group: 'server', read: text, default: 'npm', help: 'The npm executable read_latest_mcp_server_version asks.' }),
  toolsOverlay: setting({
    env: 'QC_MCP_TOOLS',
    group: 'policy',
    value: 'FILE',
    read: text,
    help: "Operator overlay (YAML, or PolicyLayer's policy.json) merged over the packaged tools.yaml.",
  }),
  readOnly: setting({
    env: 'QC_MCP_READ_ONLY',
    flag: { name: 'read-only', type: 'boolean', commands: ['serve', 'tools', 'doctor'] },
    group: 'policy',
    value: '1',
    read: bool,
    default: false,
    help: 'Only tools whose risk is read are listed or callable.',
  }),
  auditLog: setting({
    env: 'QC_MCP_AUDIT_LOG',
    group: 'policy',
    value: 'FILE',
    read: text,
    defaultText: 'QC_MCP_STATE_DIR/audit.jsonl',
    help: 'The hash-chained audit log (mode 0600).',
  }),
  auditFsync: setting({ env: 'QC_MCP_AUDIT_FSYNC', group: 'policy', value: '1', read: bool, default: false, help: 'fsync every audit record.' }),
  auditMaxBytes: setting({
    env: 'QC_MCP_AUDIT_MAX_BYTES',
    group: 'policy',
    value: 'BYTES',
    read: positiveInt,
    help: 'Rotate the audit log past this size (the chain continues).',
  }),
  secretsFile: setting({
    env: 'QC_MCP_SECRETS',
    group: 'policy',
    value: 'FILE',
    read: text,
    help: 'Named brokerage credentials (YAML, 0600), filled in server-side.',
  }),
  stateUrl: setting({
    env: 'QC_MCP_STATE',
    flag: { name: 'state', type: 'string', commands: ['serve', 'guard'] },
    group: 'http',
    value: 'redis://...',
    read: text,
    help: 'Share limits, approvals and lockdown between replicas (unset: files in QC_MCP_STATE_DIR).',
  }),
  transport: setting({
    env: 'QC_MCP_TRANSPORT',
    alias: 'MCP_TRANSPORT',
    flag: { name: 'transport', type: 'string', commands: ['serve'] },
    group: 'http',
    value: 'stdio|http',
    read: transport,
    default: 'stdio',
    help: "serve's transport: stdio, or Streamable HTTP (http; streamable-http is read as http).",
  }),
  host: setting({
    env: 'QC_MCP_HOST',
    alias: 'MCP_HOST',
    flag: { name: 'host', type: 'string', commands: ['serve'] },
    group: 'http',
    value: 'HOST',
    read: text,
    default: '127.0.0.1',
    help: 'Address to bind over HTTP; beyond loopback needs grants.',
  }),
  port: setting({
    env: 'QC_MCP_PORT',
    alias: 'MCP_PORT',
    flag: { name: 'port', type: 'string', commands: ['serve'] },
    group: 'http',
    value: 'PORT',
    read: port,
    default: 8808,
    help: 'Port to serve HTTP on.',
  }),
  path: setting({ env: 'QC_MCP_PATH', alias: 'MCP_PATH', group: 'http', value: '/PATH', read: urlPath, default: '/mcp', help: 'The HTTP endpoint path.' }),
  logLevel: setting({
    env: 'QC_MCP_LOG_LEVEL',
    alias: 'LOG_LEVEL',
    group: 'server',
    value: 'debug|info|warning|error',
    read: logLevel,
    default: 'info' as 'debug' | 'info' | 'warning' | 'error',
    help: 'Which server notices reach stderr.',
  }),
  consolePort: setting({
    env: 'QC_MCP_CONSOLE_PORT',
    flag: { name: 'console-port', type: 'string', commands: ['serve'] },
    group: 'policy',
    value: 'PORT',
    read: port,
    default: 8809,
    help: 'Port of the operator console on 127.0.0.1 (serve --console, and the console command).',
  }),
  grantsPath: setting({
    env: 'QC_MCP_GRANTS',
    group: 'http',
    value: 'FILE',
    read: text,
    defaultText: 'QC_MCP_STATE_DIR/grants.yaml',
    help: 'Bearer-token grants for HTTP clients (only SHA-256 digests are stored).',
  }),
  allowedHosts: setting({
    env: 'QC_MCP_ALLOWED_HOSTS',
    flag: { name: 'allowed-hosts', type: 'string', commands: ['serve'] },
    group: 'http',
    value: 'a,b',
    read: list,
    default: [] as string[],
    help: "Extra Host names HTTP clients may use (besides loopback names, and on a wildcard bind the machine's own addresses and hostname).",
  }),
  sessionIdleS: setting({
    env: 'QC_MCP_HTTP_SESSION_IDLE_S',
    flag: { name: 'session-idle', type: 'string', commands: ['serve'] },
    group: 'http',
    value: 'SECONDS',
    read: positiveInt,
    default: 1800,
    help: 'A 2025-protocol HTTP session unused this long is closed.',
  }),
  maxSessions: setting({
    env: 'QC_MCP_HTTP_MAX_SESSIONS',
    flag: { name: 'max-sessions', type: 'string', commands: ['serve'] },
    group: 'http',
    value: 'N',
    read: positiveInt,
    default: 1000,
    help: 'Open 2025-protocol HTTP sessions in all.',
  }),
  maxSessionsPerIdentity: setting({
    env: 'QC_MCP_HTTP_MAX_SESSIONS_PER_IDENTITY',
    flag: { name: 'max-sessions-per-identity', type: 'string', commands: ['serve'] },
    group: 'http',
    value: 'N',
    read: positiveInt,
    default: 100,
    help: 'Open 2025-protocol HTTP sessions per identity (grant).',
  }),
  bodyTimeoutS: setting({
    env: 'QC_MCP_HTTP_BODY_TIMEOUT_S',
    flag: { name: 'body-timeout', type: 'string', commands: ['serve'] },
    group: 'http',
    value: 'SECONDS',
    read: positiveInt,
    default: 30,
    help: 'Time a client has to send a request body once its headers arrived (408 after); bodies count against concurrency only once complete.',
  }),
  stdioMaxBytes: setting({
    env: 'QC_MCP_STDIO_MAX_BYTES',
    group: 'server',
    value: 'BYTES',
    read: positiveInt,
    default: 10_485_760,
    help: 'Largest stdio message; a longer line is discarded and answered with a JSON-RPC error.',
  }),
  data: setting({
    env: 'QC_MCP_DATA',
    group: 'research',
    value: 'csv:DIR|lean:DIR|objectstore:PREFIX|sim:',
    read: text,
    help: 'Price data for the research and portfolio tools (or plugins.research.data in tools.yaml).',
  }),
  guardWebhook: setting({
    env: 'QC_MCP_GUARD_WEBHOOK',
    group: 'policy',
    value: 'URL',
    read: text,
    help: "Where the live guard's notify action POSTs its JSON notice (unset: MCP logging and stderr only).",
  }),
  leanConfig: setting({
    env: 'QC_MCP_LEAN_CONFIG',
    group: 'research',
    value: 'FILE|DIR|off',
    read: text,
    help: 'A LEAN CLI lean.json (or its folder) whose data-folder holds the research data; off stops the lean.json search.',
  }),
  exportDir: setting({
    env: 'QC_MCP_EXPORT_DIR',
    group: 'research',
    value: 'DIR',
    read: text,
    defaultText: 'QC_MCP_STATE_DIR/exports',
    help: 'Where export: true writes CSV (or plugins.portfolio.export_dir).',
  }),
  factorDir: setting({
    env: 'QC_MCP_FACTOR_DIR',
    group: 'research',
    value: 'DIR',
    read: text,
    defaultText: 'the csv: or lean: data folder',
    help: 'Where factor_regression reads factor_files (set it to use factor files with sim: data).',
  }),
  spec: setting({
    env: 'QC_SPEC',
    group: 'maintainers',
    value: 'FILE',
    read: text,
    default: 'spec/QuantConnect-Platform-2.0.0.yaml',
    help: "The spec 'generate' reads.",
  }),
  specSource: setting({
    env: 'QC_SPEC_SOURCE',
    group: 'maintainers',
    value: 'FILE',
    read: text,
    help: "A local copy 'npm run spec:pull' copies instead of fetching the spec's URL.",
  }),
};

/** Flags that are a command's own arguments, not settings. */
export const FLAGS: readonly CommandFlagSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', commands: [], help: 'Print this help.' },
  { name: 'version', short: 'v', type: 'boolean', commands: [], help: 'Print the version.' },
  { name: 'read-only', type: 'boolean', commands: ['grant'], help: 'grant add: the grant may only call read tools.' },
  { name: 'toolsets', type: 'string', value: 'a,b', commands: ['grant'], help: 'grant add: the toolsets the grant may use.' },
  { name: 'user-id', type: 'string', value: 'ID', commands: ['login'], help: 'login: your numeric user id.' },
  { name: 'organization-id', type: 'string', value: 'ORG', commands: ['login'], help: 'login: your default organization.' },
  { name: 'token-stdin', type: 'boolean', commands: ['login'], help: 'login: read the API token from stdin (else typed, unseen).' },
  { name: 'console', type: 'boolean', commands: ['serve'], help: 'serve: also serve the operator console on 127.0.0.1 (QC_MCP_CONSOLE_PORT).' },
  { name: 'open', type: 'boolean', commands: ['console'], help: 'console: open the page in a browser.' },
  { name: 'check', type: 'boolean', commands: ['generate'], help: 'generate: compare with the committed files, write nothing.' },
  {
    name: 'port',
    type: 'string',
    value: 'PORT',
    commands: ['sandbox', 'console'],
    help: 'sandbox: port on 127.0.0.1 (default: a free one); console: its port (default QC_MCP_CONSOLE_PORT).',
  },
  { name: 'state', type: 'string', value: 'FILE', commands: ['sandbox'], help: "sandbox: keep the sandbox's state in FILE (default: in memory)." },
  { name: 'faults', type: 'string', value: 'JSON|FILE', commands: ['sandbox'], help: 'sandbox: inject failures (500, 429, drop, slow, malformed).' },
];

export type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;
type ValueOf<S> = S extends { default: infer T } ? T : S extends SettingSpec<infer T> ? T | undefined : never;
/** Every setting's value, typed from the table. */
export type SettingValues = { -readonly [K in SettingKey]: ValueOf<Settings[K]> };
/** Flag values as parseArgs gives them, by flag name. */
export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/** The parseArgs options for every flag in both tables (a name shared by two commands has one type). */
export function parseArgsOptions(): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  const flags = [...Object.values(SETTINGS).flatMap((s: SettingSpec<unknown>) => (s.flag ? [s.flag] : [])), ...FLAGS];
  for (const flag of flags) {
    const known = options[flag.name];
    if (known && known.type !== flag.type) throw new Error(`flag --${flag.name} is declared as both ${known.type} and ${flag.type}`);
    options[flag.name] = { type: flag.type, ...(flag.short ? { short: flag.short } : {}) };
  }
  return options;
}

/** The flags a command passes to readEnv: those of settings that name the command. */
export function settingFlags(command: string, values: FlagValues): FlagValues {
  const out: Record<string, string | boolean | undefined> = {};
  for (const s of Object.values(SETTINGS) as SettingSpec<unknown>[]) {
    if (s.flag && (s.flag.commands as readonly string[]).includes(command) && values[s.flag.name] !== undefined) out[s.flag.name] = values[s.flag.name];
  }
  return out;
}

/** One setting: its flag if given, else its variable, else its default. */
export function readSetting<K extends SettingKey>(key: K, env: NodeJS.ProcessEnv, flags: FlagValues = {}): SettingValues[K] {
  const spec: SettingSpec<unknown> = SETTINGS[key];
  const flag = spec.flag ? flags[spec.flag.name] : undefined;
  const fromFlag = flag === undefined ? undefined : spec.read(flag === true ? '1' : flag === false ? '0' : flag, `--${spec.flag!.name}`);
  const value = fromFlag ?? spec.read(env[spec.env], spec.env) ?? (spec.alias ? spec.read(env[spec.alias], spec.alias) : undefined) ?? spec.default;
  return value as SettingValues[K];
}

/** Where a flag, our variable and the community alias disagree: which one won, for stderr. */
export function settingNotes(env: NodeJS.ProcessEnv, flags: FlagValues = {}): string[] {
  const notes: string[] = [];
  for (const spec of Object.values(SETTINGS) as SettingSpec<unknown>[]) {
    const given = (name: string | undefined) => (name === undefined ? undefined : text(env[name]));
    const [ours, alias] = [given(spec.env), given(spec.alias)];
    const flag = spec.flag ? flags[spec.flag.name] : undefined;
    if (typeof flag === 'string') {
      for (const [name, value] of [
        [spec.env, ours],
        [spec.alias, alias],
      ] as const)
        if (value !== undefined && value !== flag) notes.push(`--${spec.flag!.name} ${flag} wins over ${name}=${value}.`);
    } else if (ours !== undefined && alias !== undefined && ours !== alias) notes.push(`${spec.env}=${ours} wins over ${spec.alias}=${alias}.`);
  }
  return notes;
}

/** Every setting at once. */
export function readSettings(env: NodeJS.ProcessEnv, flags: FlagValues = {}): SettingValues {
  const out: Partial<Record<SettingKey, unknown>> = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) out[key] = readSetting(key, env, flags);
  return out as SettingValues;
}

/** How the default reads in --help and the docs ('' when there is none). */
export function defaultText(spec: SettingSpec<unknown>): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === undefined || spec.default === false || (Array.isArray(spec.default) && spec.default.length === 0)) return '';
  return String(spec.default);
}

export const GROUP_TITLES: Record<SettingGroup, string> = {
  credentials: 'QuantConnect',
  server: 'Server',
  policy: 'Policy and audit',
  http: 'HTTP and teams',
  research: 'Research data',
  maintainers: 'Maintainers',
};
