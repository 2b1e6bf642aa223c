/** Connect a real MCP Client to a runtime's server over the SDK's in-memory transport. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { createRuntime, type RuntimeOptions } from '../../src/server/runtime.js';
import { createMcpServer, type Runtime } from '../../src/server/server.js';

export interface Connected {
  client: Client;
  runtime: Runtime;
  close: () => Promise<void>;
}

export async function connectRuntime(runtime: Runtime): Promise<Connected> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const server = createMcpServer(runtime);
  await server.connect(serverTransport);
  const client = new Client({ name: 'quantconnect-mcp-tests', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    client,
    runtime,
    close: async () => {
      await client.close();
      await server.close();
      await runtime.close();
    },
  };
}

export async function connect(options: RuntimeOptions): Promise<Connected> {
  return connectRuntime(await createRuntime({ log: () => {}, ...options }));
}

/** Environment with credentials and no ambient QC_* variables, for deterministic runtimes. */
export function testEnv(baseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-state-')),
    QUANTCONNECT_USER_ID: '123456',
    QUANTCONNECT_API_TOKEN: 'test-token-0123456789abcdef',
    QUANTCONNECT_ORGANIZATION_ID: 'org-test',
    QUANTCONNECT_API_BASE_URL: baseUrl,
    AGENT_NAME: 'test-agent',
    ...extra,
  };
}
