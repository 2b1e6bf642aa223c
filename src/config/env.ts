/**
 * Settings from the environment and the flags that mirror them (the table is settings.ts).
 * Credentials come from here only, never from tool arguments, and are never printed.
 */
import { readStoredCredentials } from './credentials-file.js';
import { readSetting, readSettings, SettingsError, type FlagValues, type SettingValues } from './settings.js';

export { SettingsError } from './settings.js';

export type BackendChoice = SettingValues['backend'];

export interface EnvSettings extends SettingValues {
  /** Where the credentials came from: the environment wins over the login file. */
  credentialsSource: 'environment' | 'login file' | 'none';
}

/** QC_MCP_STATE_DIR, default ~/.quantconnect-mcp (without reading anything else: login must work even when the saved file is broken). */
export function stateDirFrom(env: NodeJS.ProcessEnv = process.env): string {
  return readSetting('stateDir', env);
}

/** Every setting, from the flags given (a command's own, see settingFlags), then the environment, then the defaults. */
export function readEnv(env: NodeJS.ProcessEnv = process.env, flags: FlagValues = {}): EnvSettings {
  const settings = readSettings(env, flags);
  let credentialsSource: EnvSettings['credentialsSource'] = settings.userId !== undefined && settings.token !== undefined ? 'environment' : 'none';
  if (settings.userId === undefined && settings.token === undefined) {
    let stored;
    try {
      stored = readStoredCredentials(settings.stateDir);
    } catch (error) {
      throw new SettingsError((error as Error).message);
    }
    if (stored) {
      settings.userId = stored.userId;
      settings.token = stored.token;
      settings.organizationId ??= stored.organizationId;
      credentialsSource = 'login file';
    }
  }
  return { ...settings, credentialsSource };
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
