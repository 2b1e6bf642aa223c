/** Assemble a runtime: settings, backend, QuantConnect client, tool inventory and operator config. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generatedTools } from '../../generated/tools.js';
import { plugins } from '../../plugins/index.js';
import { readEnv, resolveBackend } from '../config/env.js';
import { loadOperatorConfig } from '../config/operator-config.js';
import { apiTool, loadPackagedSchemas, type SchemasDoc } from '../qc/api-tools.js';
import { QuantConnectClient } from '../qc/client.js';
import type { RetryOptions } from '../qc/retry.js';
import type { GeneratedToolSpec } from './generated-tool.js';
import { packageRoot, packageVersion } from './package-info.js';
import { Registry } from './registry.js';
import type { Runtime } from './server.js';
import type { Plugin } from './tool.js';

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** Injected in tests instead of the global fetch. */
  fetch?: typeof fetch;
  /** Generated tools and their schemas (tests pass freshly generated ones). */
  generated?: { tools: readonly GeneratedToolSpec[]; schemas: SchemasDoc };
  plugins?: Plugin[];
  toolsYamlPath?: string;
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Where log lines go (stderr by default; never stdout, which is the stdio transport). */
  log?: (line: string) => void;
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = readEnv(options.env ?? process.env);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const backend = resolveBackend(env);
  const config = loadOperatorConfig(options.toolsYamlPath ?? join(packageRoot(), 'tools.yaml'), env.toolsOverlay);
  const generated = options.generated ?? { tools: generatedTools, schemas: loadPackagedSchemas() };
  const tools = [
    ...generated.tools.map((spec) => apiTool(spec, generated.schemas)),
    ...(options.plugins ?? plugins).flatMap((p) => p.tools),
  ];
  const registry = new Registry(tools, config, { readOnly: env.readOnly });

  let baseUrl = env.baseUrl;
  let credentials = { userId: env.userId ?? '', token: env.token ?? '' };
  let organizationId = env.organizationId;
  let stopBackend = async (): Promise<void> => {};
  if (backend === 'sandbox') {
    const { startEmbeddedSandbox } = await import('../sandbox/embedded.js');
    mkdirSync(env.stateDir, { recursive: true });
    const sandbox = await startEmbeddedSandbox({ statePath: join(env.stateDir, 'sandbox-state.json') });
    baseUrl = sandbox.baseUrl;
    credentials = sandbox.credentials;
    stopBackend = sandbox.close;
    organizationId ??= sandbox.organizationId;
    log(
      `quantconnect-mcp: no QuantConnect credentials set, so tools use the embedded sandbox at ${baseUrl} ` +
        `(simulated results, not your account; state kept in ${join(env.stateDir, 'sandbox-state.json')}).`,
    );
  }
  const qc = new QuantConnectClient({
    baseUrl,
    credentials,
    userAgent: `quantconnect-mcp/${packageVersion()} (node ${process.version})`,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  });
  return {
    registry,
    qc,
    settings: { agentName: env.agentName, organizationId, backend, npm: env.npm },
    close: stopBackend,
  };
}
