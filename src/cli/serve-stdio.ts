/** `quantconnect-mcp serve`: the runtime over stdio. Stdout is the transport: logs go to stderr. */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { readEnv } from '../config/env.js';
import { startGuard } from '../server/guard.js';
import { createRuntime } from '../server/runtime.js';
import { createMcpServer } from '../server/server.js';

export async function serveOverStdio(): Promise<void> {
  const runtime = await createRuntime({ watch: true });
  const handle = serveStdio(() => createMcpServer(runtime), {
    onerror: (error) => process.stderr.write(`quantconnect-mcp: ${error.message}\n`),
  });
  const guard = await startGuard(runtime, readEnv().stateUrl);
  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await guard?.close();
    await handle.close().catch(() => {});
    await runtime.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void shutdown());
  process.stdin.on('close', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}
