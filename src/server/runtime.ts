/** Assemble a runtime: settings, backend, QuantConnect client, tool inventory, policy services, live reload. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, unwatchFile, watchFile } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createRequestStateCodec } from '@modelcontextprotocol/server';
import { readEnv, resolveBackend } from '../config/env.js';
import { chooseDataSource } from '../config/data-source.js';
import type { FlagValues } from '../config/settings.js';
import { loadOperatorConfig } from '../config/operator-config.js';
import { maskUserId } from '../config/credentials-file.js';
import { AuditLog } from '../policy/audit.js';
import type { ConfirmState, PolicyServices } from '../policy/services.js';
import type { LimitStore } from '../policy/limits.js';
import { openState } from '../policy/state.js';
import { joinStateDir } from '../policy/state-dir.js';
import { Secrets } from '../policy/secrets.js';
import type { SchemasDoc } from '../api/api-tools.js';
import { QuantConnectClient } from '../qc/client.js';
import type { RetryOptions } from '../qc/retry.js';
import type { GeneratedToolSpec } from '../tool/generated-tool.js';
import { packageRoot, packageVersion } from '../config/package-info.js';
import { closePlugins, inventory } from './inventory.js';
import { Registry } from './registry.js';
import type { Plugin, RuntimeSettings } from '../tool/tool.js';

/** What one server process assembles once and every connection shares. */
export interface Runtime {
  registry: Registry;
  qc: QuantConnectClient;
  settings: RuntimeSettings;
  policy: PolicyServices;
  /** Per-runtime plugin state (ToolContext.state). */
  pluginState: Map<string, unknown>;
  /** Listeners for server notices (the live guard's breaches): each connected server sends them as MCP logging messages. */
  notices: Set<(notice: ServerNotice) => void>;
  /** Stops what the runtime started (an embedded sandbox, file watchers, the audit log). */
  close: () => Promise<void>;
}

export interface ServerNotice {
  level: 'info' | 'warning' | 'error' | 'alert';
  logger: string;
  message: string;
  data: Record<string, unknown>;
}

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** The CLI's flags that mirror settings (they win over env). */
  flags?: FlagValues;
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
  /** The working directory searched (with its parents) for a LEAN CLI lean.json (default process.cwd()). */
  cwd?: string;
  /** Where log lines go (stderr by default; never stdout, which is the stdio transport). */
  log?: (line: string, level?: 'debug' | 'info' | 'warning' | 'error') => void;
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = readEnv(options.env ?? process.env, options.flags);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const backend = resolveBackend(env);
  const toolsYamlPath = options.toolsYamlPath ?? join(packageRoot(), 'tools.yaml');
  const config = loadOperatorConfig(toolsYamlPath, env.toolsOverlay);
  for (const warning of config.warnings) log(`quantconnect-mcp: warning: ${warning}`);
  const dataChoice = chooseDataSource({ env: env.data, leanConfig: env.leanConfig, file: config.plugins.data, cwd: options.cwd ?? process.cwd(), backend });
  const tools = inventory({ ...(options.generated ? { generated: options.generated } : {}), ...(options.plugins ? { plugins: options.plugins } : {}) });
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
      log,
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
  const closers: (() => Promise<void> | void)[] = [() => policy.audit.close(), () => state.close(), closePlugins];
  const shared = joinStateDir(env.stateDir, 'server');
  closers.push(shared.leave);
  if (shared.others.length > 0) {
    log(
      `quantconnect-mcp: ${env.stateDir} is also used by ${shared.others.map((o) => `pid ${o.pid}${o.host === hostname() ? '' : ` on ${o.host}`}`).join(', ')}; ` +
        'its stores are shared safely through file locks (docs/operators.md, "State directory").',
    );
  }
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
        const next = loadOperatorConfig(toolsYamlPath, env.toolsOverlay);
        registry.setConfig(next);
        for (const warning of next.warnings) log(`quantconnect-mcp: warning: ${warning}`);
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
      data: dataChoice.spec,
      dataOrigin: dataChoice.note ? `${dataChoice.origin} (${dataChoice.note})` : dataChoice.origin,
      exportDir: env.exportDir ?? config.plugins.exportDir?.value ?? join(env.stateDir, 'exports'),
      factorDir: env.factorDir,
      auth:
        backend === 'sandbox'
          ? { userIdMasked: null, source: 'sandbox' }
          : { userIdMasked: env.userId ? maskUserId(env.userId) : null, source: env.credentialsSource },
    },
    policy,
    pluginState: new Map(),
    notices: new Set(),
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
