/** `quantconnect-mcp serve`: the runtime over stdio. Stdout is the transport: logs go to stderr. */
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { readEnv } from '../config/env.js';
import { stderrLogger } from '../config/serve-settings.js';
import type { FlagValues } from '../config/settings.js';
import { startGuard } from '../server/guard.js';
import { createRuntime } from '../server/runtime.js';
import { createMcpServer } from '../server/server.js';
import { StdioGuard, stdioMaxBytes } from './stdio-guard.js';

export async function serveOverStdio(flags: FlagValues = {}, withConsole = false): Promise<void> {
  let closing = false;
  const env = readEnv(process.env, flags);
  const log = stderrLogger(env.logLevel);
  const maxBytes = stdioMaxBytes();
  const runtime = await createRuntime({ watch: true, flags, log });
  const operatorConsole = withConsole ? await (await import('./console.js')).attachConsole(runtime, String(env.consolePort)) : undefined;
  // Oversize and unparseable lines are answered by the guard, so the transport never sees them.
  const guard = new StdioGuard(maxBytes, (line) => process.stdout.write(line), log);
  process.stdin.pipe(guard);
  const transport = new StdioServerTransport(guard, process.stdout, { maxBufferSize: maxBytes + 1024 });
  const liveGuard = await startGuard(runtime, env.stateUrl);
  const handle = serveStdio(() => createMcpServer(runtime), {
    transport,
    onerror: (error) => log(`quantconnect-mcp: ${error.message}`),
  });
  // Should the transport close for any reason of its own, exit rather than stay alive and deaf.
  const previous = transport.onclose;
  transport.onclose = () => {
    previous?.();
    if (!closing) log('quantconnect-mcp: the stdio transport closed; exiting so the client can start the server again.');
    void shutdown();
  };
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await operatorConsole?.close();
    await liveGuard?.close();
    await handle.close().catch(() => {});
    await operatorConsole?.close();
    await runtime.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void shutdown());
  process.stdin.on('close', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}
