/**
 * `quantconnect-mcp console` (standalone, reading the same state as the server) and
 * `serve --console` (in the serving process): the operator console on loopback.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readEnv, SettingsError, type EnvSettings } from '../config/env.js';
import { loadOperatorConfig } from '../config/operator-config.js';
import type { ConsoleSources } from '../console/data.js';
import { consoleSecret, secretFile } from '../console/secret.js';
import { startConsole, type ConsoleHandle } from '../console/server.js';
import { GrantStore } from '../policy/grants.js';
import { openState } from '../policy/state.js';
import { inventory } from '../server/inventory.js';
import { packageRoot } from '../config/package-info.js';
import { readSetting } from '../config/settings.js';
import { Registry } from '../server/registry.js';
import type { Runtime } from '../server/server.js';

export const DEFAULT_CONSOLE_PORT = 8809;

function consolePort(flag: string | undefined): number {
  const port = flag === undefined ? readSetting('consolePort', process.env) : Number(flag);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SettingsError(`the console port must be a port number (got ${String(flag)})`);
  return port;
}

const grantsOf = (env: EnvSettings): GrantStore => new GrantStore(env.grantsPath ?? join(env.stateDir, 'grants.yaml'));
const stateWhere = (env: EnvSettings): string => (env.stateUrl ? 'Redis (shared by every replica)' : env.stateDir);

/** Open the page in the operator's browser, when there is one to open (never with the secret in the URL). */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no browser: the printed address is enough
  }
}

export async function consoleCommand(flags: { port?: string | undefined; open?: boolean | undefined }): Promise<number> {
  const env = readEnv();
  const port = consolePort(flags.port);
  const toolsYaml = join(packageRoot(), 'tools.yaml');
  const registry = new Registry(inventory(), loadOperatorConfig(toolsYaml, env.toolsOverlay), { readOnly: env.readOnly });
  const state = await openState(env.stateUrl, env.stateDir);
  const sources: ConsoleSources = {
    registry,
    approvals: state.approvals,
    limits: state.limits,
    lockdown: state.lockdown,
    grants: grantsOf(env),
    auditPath: env.auditLog ?? join(env.stateDir, 'audit.jsonl'),
    stateWhere: stateWhere(env),
    now: Date.now,
    refresh: () => registry.setConfig(loadOperatorConfig(toolsYaml, env.toolsOverlay)),
  };
  const secret = consoleSecret(env.stateDir);
  let handle: ConsoleHandle;
  try {
    handle = await startConsole({ port, secret, secretPath: secretFile(env.stateDir), sources });
  } catch (error) {
    await state.close();
    throw new SettingsError(`cannot start the console on 127.0.0.1:${port}: ${(error as Error).message} (choose another with --port)`);
  }
  process.stdout.write(
    `quantconnect-mcp operator console: ${handle.url}/\n` +
      `Sign in with this secret (also in ${secretFile(env.stateDir)}, mode 0600):\n${secret}\n` +
      `Press Ctrl+C to stop.\n`,
  );
  if (flags.open ?? process.stdout.isTTY) openBrowser(`${handle.url}/`);
  const stop = async (): Promise<void> => {
    await handle.close();
    await state.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return -1;
}

/** serve --console: the console inside the serving process, on its stores; refusals then link to it. */
export async function attachConsole(runtime: Runtime, portFlag: string | undefined, env: EnvSettings = readEnv()): Promise<ConsoleHandle> {
  const secret = consoleSecret(env.stateDir);
  const handle = await startConsole({
    port: consolePort(portFlag),
    secret,
    secretPath: secretFile(env.stateDir),
    sources: {
      registry: runtime.registry,
      approvals: runtime.policy.approvals,
      limits: runtime.policy.limits,
      lockdown: runtime.policy.lockdown,
      grants: grantsOf(env),
      auditPath: runtime.policy.audit.path,
      stateWhere: stateWhere(env),
      now: runtime.policy.now,
    },
  });
  runtime.policy.consoleUrl = handle.url;
  // The secret itself is not logged here: a client may show the server's stderr to its agent.
  process.stderr.write(`quantconnect-mcp: operator console at ${handle.url}/ (sign in with the secret in ${secretFile(env.stateDir)})\n`);
  return handle;
}
