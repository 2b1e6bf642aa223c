/** A sandbox on loopback with a fast clock, and a runtime connected to it through a real MCP client. */
import { type Sandbox, startSandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import type { RuntimeOptions } from '../../src/server/runtime.js';
import { connect, testEnv, type Connected } from './mcp.js';

export const FAST_TIMING = { compileMs: 60, backtestQueueMs: 30, backtestRunMs: 150, optimizationMs: 300, liveWarmupMs: 150, reportMs: 30, loginMs: 200 };
export const CREDENTIALS = { userId: '123456', token: 'test-token-0123456789abcdef' };

export interface SandboxSession extends Connected {
  sandbox: Sandbox;
  baseUrl: string;
}

export async function sandboxSession(
  options: Partial<SandboxOptions> = {},
  env: Record<string, string> = {},
  runtime: Partial<RuntimeOptions> = {},
): Promise<SandboxSession> {
  const { sandbox, baseUrl } = await startSandbox({ credentials: CREDENTIALS, organizationId: 'org-test', timing: FAST_TIMING, ...options });
  const connected = await connect({ env: { ...testEnv(baseUrl), ...env }, ...runtime });
  return {
    ...connected,
    sandbox,
    baseUrl,
    close: async () => {
      await connected.close();
      await sandbox.close();
    },
  };
}
