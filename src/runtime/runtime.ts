/** Assemble a runtime: settings, backend, QuantConnect client, tool inventory, policy services, live reload. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { createRequestStateCodec } from '@modelcontextprotocol/server';
import { readEnv, resolveBackend } from '../config/env.js';
import { loadOperatorConfig } from '../config/operator-config.js';
import { maskUserId } from '../config/credentials-file.js';
import { AuditLog } from '../policy/audit.js';
import type { ConfirmState, PolicyServices } from '../policy/engine.js';
import type { LimitStore } from '../policy/limits.js';
import { openState } from '../policy/state.js';
import { Secrets } from '../policy/secrets.js';
import type { SchemasDoc } from '../qc/api-tools.js';
import { QuantConnectClient } from '../qc/client.js';
import type { RetryOptions } from '../qc/retry.js';
import type { GeneratedToolSpec } from './generated-tool.js';
import { inventoryTools } from './inventory.js';
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
  /** The clock policy decisions use (limits, approvals, audit times). */
  now?: () => number;
  /** A limit store other than the state directory's file (tests, shared stores). */
  limits?: LimitStore;
  /** Watch tools.yaml and the overlay, and apply valid changes without a restart. */
  watch?: boolean | { intervalMs: number };
  /** Where log lines go (stderr by default; never stdout, which is the stdio transport). */
  log?: (line: string, level?: 'debug' | 'info' | 'warning' | 'error') => void;
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = readEnv(options.env ?? process.env);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const backend = resolveBackend(env);
  const toolsYamlPath = options.toolsYamlPath ?? join(packageRoot(), 'tools.yaml');
  const config = loadOperatorConfig(toolsYamlPath, env.toolsOverlay);
  const tools = inventoryTools(options.generated, options.plugins);
  const registry = new Registry(tools, config, { readOnly: env.readOnly });
  const now = options.now ?? Date.now;
  mkdirSync(env.stateDir, { recursive: true, mode: 0o700 });

  const secrets = Secrets.load(env.secretsFile ?? config.secretsFile, [env.token], log);
  const state = await openState(env.stateUrl, env.stateDir);
  const policy: PolicyServices = {
    audit: new AuditLog(env.auditLog ?? join(env.stateDir, 'audit.jsonl'), {
      fsync: env.auditFsync,
      ...(env.auditMaxBytes ? { maxBytes: env.auditMaxBytes } : {}),
      scrub: (text) => secrets.scrub(text),
      now,
    }),
    limits: options.limits ?? state.limits,
    approvals: state.approvals,
    lockdown: state.lockdown,
    secrets,
    stateDir: env.stateDir,
    now,
    codec: createRequestStateCodec<ConfirmState>({ key: randomBytes(32), ttlSeconds: 600 }),
  };

  let baseUrl = env.baseUrl;
  let credentials = { userId: env.userId ?? '', token: env.token ?? '' };
  let organizationId = env.organizationId;
  const closers: (() => Promise<void> | void)[] = [() => policy.audit.close(), () => state.close()];
  if (backend === 'sandbox') {
    const { startEmbeddedSandbox } = await import('../sandbox/embedded.js');
    const sandbox = await startEmbeddedSandbox({ statePath: join(env.stateDir, 'sandbox-state.json') });
    baseUrl = sandbox.baseUrl;
    credentials = sandbox.credentials;
    closers.push(sandbox.close);
    organizationId ??= sandbox.organizationId;
    log(
      `quantconnect-mcp: no QuantConnect credentials set, so tools use the embedded sandbox at ${baseUrl} ` +
        `(simulated results, not your account; state kept in ${join(env.stateDir, 'sandbox-state.json')}).`,
    );
  }

  if (options.watch) {
    const files = [toolsYamlPath, ...(env.toolsOverlay ? [env.toolsOverlay] : [])];
    const interval = typeof options.watch === 'object' ? options.watch.intervalMs : 500;
    const reload = (): void => {
      try {
        registry.setConfig(loadOperatorConfig(toolsYamlPath, env.toolsOverlay));
        log(`quantconnect-mcp: configuration reloaded from ${files.join(', ')}.`);
      } catch (error) {
        log(`quantconnect-mcp: configuration change rejected, keeping the last good one: ${(error as Error).message}`, 'warning');
      }
    };
    for (const file of files) watchFile(file, { interval, persistent: false }, (curr, prev) => curr.mtimeMs !== prev.mtimeMs && reload());
    closers.push(() => files.forEach((file) => unwatchFile(file)));
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
    settings: {
      agentName: env.agentName,
      organizationId,
      backend,
      npm: env.npm,
      data: env.data ?? config.plugins.data?.value,
      exportDir: env.exportDir ?? config.plugins.exportDir?.value ?? join(env.stateDir, 'exports'),
      auth: backend === 'sandbox' ? { userIdMasked: null, source: 'sandbox' } : { userIdMasked: env.userId ? maskUserId(env.userId) : null, source: env.credentialsSource },
    },
    policy,
    pluginState: new Map(),
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
