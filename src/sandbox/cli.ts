/** `quantconnect-mcp sandbox [--port P] [--state FILE]`: the simulated API on 127.0.0.1 for other clients. */
import { randomBytes } from 'node:crypto';
import { readSetting, SettingsError } from '../config/settings.js';
import { parseFaults } from './faults.js';
import { startSandbox } from './server.js';

function parseFaultsOrExplain(value: string) {
  try {
    return parseFaults(value);
  } catch (error) {
    throw new SettingsError(
      `${(error as Error).message}. Example: --faults '[{"kind":"500","rate":0.1},{"kind":"429","path":"/backtests/read","times":2,"retryAfterS":1}]'`,
    );
  }
}

export async function runSandbox(port: string | undefined, statePath: string | undefined, faults: string | undefined): Promise<number> {
  const portNumber = port === undefined ? 0 : Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) throw new SettingsError(`--port must be a port number (got ${String(port)})`);
  const credentials = {
    userId: readSetting('userId', process.env) ?? 'sandbox',
    token: readSetting('token', process.env) ?? randomBytes(16).toString('hex'),
  };
  const { sandbox, baseUrl } = await startSandbox(
    {
      credentials,
      ...(statePath ? { statePath } : {}),
      ...(faults ? { faults: parseFaultsOrExplain(faults) } : {}),
      onViolation: (v) => process.stderr.write(`sandbox: response of ${v.operation} does not match the spec: ${v.problems.join('; ')}\n`),
    },
    portNumber,
  );
  const given = readSetting('token', process.env) !== undefined;
  process.stderr.write(
    `quantconnect-mcp sandbox: serving the simulated QuantConnect API at ${baseUrl}\n` +
      `  organization: ${sandbox.organizationId}${statePath ? `, state: ${statePath}` : ' (in memory)'}\n` +
      (given
        ? '  credentials: QUANTCONNECT_USER_ID / QUANTCONNECT_API_TOKEN from the environment\n'
        : `  credentials: QUANTCONNECT_USER_ID=${credentials.userId} QUANTCONNECT_API_TOKEN=${credentials.token} (generated for this run)\n`) +
      `  point a client at it with QUANTCONNECT_API_BASE_URL=${baseUrl}\n`,
  );
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return -1;
}
