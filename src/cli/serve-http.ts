/** `quantconnect-mcp serve --transport http`: Streamable HTTP at /mcp, on 127.0.0.1 by default. */
import { join } from 'node:path';
import { readEnv, SettingsError } from '../config/env.js';
import { stderrLogger } from '../config/serve-settings.js';
import type { FlagValues } from '../config/settings.js';
import { assertSafeBinding, HttpSetupError, startHttp } from '../http/serve.js';
import { startGuard } from '../server/guard.js';
import { createRuntime } from '../server/runtime.js';

export async function serveOverHttp(flags: FlagValues = {}, withConsole = false): Promise<void> {
  const env = readEnv(process.env, flags);
  const { host, port } = env;
  const log = stderrLogger(env.logLevel);
  const grantsPath = env.grantsPath ?? join(env.stateDir, 'grants.yaml');
  try {
    assertSafeBinding(host, grantsPath);
  } catch (error) {
    throw new SettingsError((error as Error).message);
  }
  const runtime = await createRuntime({ watch: true, flags, log });
  let handle;
  try {
    handle = await startHttp(runtime, {
      host,
      port,
      grantsPath,
      path: env.path,
      log,
      allowedHosts: env.allowedHosts,
      sessionIdleMs: env.sessionIdleS * 1000,
      maxSessions: env.maxSessions,
      maxSessionsPerIdentity: env.maxSessionsPerIdentity,
      bodyTimeoutMs: env.bodyTimeoutS * 1000,
    });
  } catch (error) {
    await runtime.close();
    if (error instanceof HttpSetupError) throw new SettingsError(error.message);
    throw error;
  }
  const guard = await startGuard(runtime, env.stateUrl);
  log(`quantconnect-mcp: serving MCP over Streamable HTTP at ${handle.url} (policy state: ${env.stateUrl ? 'Redis' : env.stateDir})`);
  const operatorConsole = withConsole ? await (await import('./console.js')).attachConsole(runtime, String(env.consolePort)) : undefined;
  const stop = async (): Promise<void> => {
    await operatorConsole?.close();
    await guard?.close();
    await handle.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
