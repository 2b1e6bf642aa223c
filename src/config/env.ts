/**
 * Settings from the environment (flags may mirror them). Credentials come from here only,
 * never from tool arguments, and are never printed.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readStoredCredentials } from './credentials-file.js';

/** QuantConnect's API, unless QUANTCONNECT_API_BASE_URL says otherwise. */
export const DEFAULT_BASE_URL = 'https://www.quantconnect.com/api/v2';

export type BackendChoice = 'auto' | 'quantconnect' | 'sandbox';

export interface EnvSettings {
  userId: string | undefined;
  token: string | undefined;
  /** Where the credentials came from: the environment wins over the login file. */
  credentialsSource: 'environment' | 'login file' | 'none';
  organizationId: string | undefined;
  baseUrl: string;
  agentName: string;
  backend: BackendChoice;
  toolsOverlay: string | undefined;
  readOnly: boolean;
  stateDir: string;
  npm: string;
  auditLog: string | undefined;
  auditFsync: boolean;
  auditMaxBytes: number | undefined;
  secretsFile: string | undefined;
  /** redis://... to share policy state between replicas; unset keeps it in stateDir. */
  stateUrl: string | undefined;
  /** Grants file for HTTP (default QC_MCP_STATE_DIR/grants.yaml). */
  grantsPath: string | undefined;
  data: string | undefined;
  /** A LEAN CLI lean.json (or its folder) whose data-folder holds the research data (QC_MCP_LEAN_CONFIG); "off" disables the lean.json search. */
  leanConfig: string | undefined;
  /** Folder for CSV exports of plugin results (QC_MCP_EXPORT_DIR). */
  exportDir: string | undefined;
  /** HTTP: extra names accepted in Host and Origin (QC_MCP_ALLOWED_HOSTS, comma-separated). */
  allowedHosts: string[];
  /** HTTP: a 2025-protocol session unused this long is closed (QC_MCP_HTTP_SESSION_IDLE_S). */
  sessionIdleS: number | undefined;
  /** HTTP: open 2025-protocol sessions, in all and per identity (QC_MCP_HTTP_MAX_SESSIONS, QC_MCP_HTTP_MAX_SESSIONS_PER_IDENTITY). */
  maxSessions: number | undefined;
  maxSessionsPerIdentity: number | undefined;
  /** HTTP: time a client has to send a request body once its headers arrived (QC_MCP_HTTP_BODY_TIMEOUT_S). */
  bodyTimeoutS: number | undefined;
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
const truthy = (value: string | undefined): boolean => ['1', 'true', 'yes', 'on'].includes((value ?? '').toLowerCase());

export class SettingsError extends Error {
  override name = 'SettingsError';
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (nonEmpty(value) === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new SettingsError(`${name} must be a positive whole number (got ${JSON.stringify(value)})`);
  return n;
}

/** QC_MCP_STATE_DIR, default ~/.quantconnect-mcp (without reading anything else: login must work even when the saved file is broken). */
export function stateDirFrom(env: NodeJS.ProcessEnv = process.env): string {
  return nonEmpty(env.QC_MCP_STATE_DIR) ?? join(homedir(), '.quantconnect-mcp');
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const backend = (nonEmpty(env.QC_MCP_BACKEND) ?? 'auto').toLowerCase();
  if (backend !== 'auto' && backend !== 'quantconnect' && backend !== 'sandbox') {
    throw new SettingsError(`QC_MCP_BACKEND must be auto, quantconnect or sandbox (got ${JSON.stringify(backend)})`);
  }
  const stateDir = stateDirFrom(env);
  let userId = nonEmpty(env.QUANTCONNECT_USER_ID);
  let token = nonEmpty(env.QUANTCONNECT_API_TOKEN);
  let organizationId = nonEmpty(env.QUANTCONNECT_ORGANIZATION_ID);
  let credentialsSource: EnvSettings['credentialsSource'] = userId !== undefined && token !== undefined ? 'environment' : 'none';
  if (userId === undefined && token === undefined) {
    let stored;
    try {
      stored = readStoredCredentials(stateDir);
    } catch (error) {
      throw new SettingsError((error as Error).message);
    }
    if (stored) {
      ({ userId, token } = stored);
      organizationId ??= stored.organizationId;
      credentialsSource = 'login file';
    }
  }
  return {
    userId,
    token,
    credentialsSource,
    organizationId,
    baseUrl: nonEmpty(env.QUANTCONNECT_API_BASE_URL) ?? DEFAULT_BASE_URL,
    agentName: nonEmpty(env.AGENT_NAME) ?? 'quantconnect-mcp',
    backend,
    toolsOverlay: nonEmpty(env.QC_MCP_TOOLS),
    readOnly: truthy(env.QC_MCP_READ_ONLY),
    stateDir,
    npm: nonEmpty(env.QC_MCP_NPM) ?? 'npm',
    auditLog: nonEmpty(env.QC_MCP_AUDIT_LOG),
    auditFsync: truthy(env.QC_MCP_AUDIT_FSYNC),
    auditMaxBytes: positiveInt(env.QC_MCP_AUDIT_MAX_BYTES, 'QC_MCP_AUDIT_MAX_BYTES'),
    secretsFile: nonEmpty(env.QC_MCP_SECRETS),
    stateUrl: nonEmpty(env.QC_MCP_STATE),
    grantsPath: nonEmpty(env.QC_MCP_GRANTS),
    data: nonEmpty(env.QC_MCP_DATA),
    leanConfig: nonEmpty(env.QC_MCP_LEAN_CONFIG),
    exportDir: nonEmpty(env.QC_MCP_EXPORT_DIR),
    allowedHosts: (env.QC_MCP_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    sessionIdleS: positiveInt(env.QC_MCP_HTTP_SESSION_IDLE_S, 'QC_MCP_HTTP_SESSION_IDLE_S'),
    maxSessions: positiveInt(env.QC_MCP_HTTP_MAX_SESSIONS, 'QC_MCP_HTTP_MAX_SESSIONS'),
    maxSessionsPerIdentity: positiveInt(env.QC_MCP_HTTP_MAX_SESSIONS_PER_IDENTITY, 'QC_MCP_HTTP_MAX_SESSIONS_PER_IDENTITY'),
    bodyTimeoutS: positiveInt(env.QC_MCP_HTTP_BODY_TIMEOUT_S, 'QC_MCP_HTTP_BODY_TIMEOUT_S'),
  };
}

/** Which backend to use: QuantConnect when credentials are set (auto), else the sandbox. */
export function resolveBackend(settings: EnvSettings): 'quantconnect' | 'sandbox' {
  const hasCredentials = settings.userId !== undefined && settings.token !== undefined;
  if (settings.backend === 'quantconnect') {
    if (!hasCredentials) throw new SettingsError('QC_MCP_BACKEND=quantconnect needs QUANTCONNECT_USER_ID and QUANTCONNECT_API_TOKEN');
    return 'quantconnect';
  }
  if (settings.backend === 'sandbox') return 'sandbox';
  return hasCredentials ? 'quantconnect' : 'sandbox';
}
