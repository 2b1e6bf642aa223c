/** `quantconnect-mcp serve --transport http`: Streamable HTTP at /mcp, on 127.0.0.1 by default. */
import { join } from 'node:path';
import { readEnv, SettingsError } from '../config/env.js';
import { assertSafeBinding, HttpSetupError, startHttp } from '../http/serve.js';
import { stderrLogger, type LogLevel } from '../config/serve-settings.js';
import { createRuntime } from '../runtime/runtime.js';

export interface HttpServeFlags {
  host?: string | undefined;
  port?: string | undefined;
  path?: string;
  logLevel?: LogLevel;
  console?: { port?: string | undefined } | undefined;
}

export async function serveOverHttp(flags: HttpServeFlags): Promise<void> {
  const env = readEnv();
  const host = flags.host ?? '127.0.0.1';
  const port = Number(flags.port ?? 8808);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SettingsError(`--port must be a port number (got ${String(flags.port)})`);
  const log = stderrLogger(flags.logLevel ?? 'info');
  const grantsPath = env.grantsPath ?? join(env.stateDir, 'grants.yaml');
  try {
    assertSafeBinding(host, grantsPath);
  } catch (error) {
    throw new SettingsError((error as Error).message);
  }
  const runtime = await createRuntime({ watch: true, log });
  let handle;
  try {
    handle = await startHttp(runtime, {
      host,
      port,
      grantsPath,
      ...(flags.path ? { path: flags.path } : {}),
      log,
      allowedHosts: (process.env.QC_MCP_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
    });
  } catch (error) {
    await runtime.close();
    if (error instanceof HttpSetupError) throw new SettingsError(error.message);
    throw error;
  }
  log(`quantconnect-mcp: serving MCP over Streamable HTTP at ${handle.url} (policy state: ${env.stateUrl ? 'Redis' : env.stateDir})`);
  const operatorConsole = flags.console ? await (await import('./console.js')).attachConsole(runtime, flags.console.port) : undefined;
  const stop = async (): Promise<void> => {
    await operatorConsole?.close();
    await handle.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
