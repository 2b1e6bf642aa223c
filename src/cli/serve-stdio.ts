/** `quantconnect-mcp serve`: the runtime over stdio. Stdout is the transport: logs go to stderr. */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { stderrLogger, type LogLevel } from '../config/serve-settings.js';
import { createRuntime } from '../runtime/runtime.js';
import { createMcpServer } from '../runtime/server.js';

export async function serveOverStdio(options: { console?: { port?: string | undefined } | undefined; logLevel?: LogLevel } = {}): Promise<void> {
  const runtime = await createRuntime({ watch: true, log: stderrLogger(options.logLevel ?? 'info') });
  const operatorConsole = options.console ? await (await import('./console.js')).attachConsole(runtime, options.console.port) : undefined;
  const handle = serveStdio(() => createMcpServer(runtime), {
    onerror: (error) => process.stderr.write(`quantconnect-mcp: ${error.message}\n`),
  });
  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
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
