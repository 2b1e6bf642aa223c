#!/usr/bin/env node
/** quantconnect-mcp: serve (default), tools, generate [--check], --help, --version. */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load-yaml.js';
import { SettingsError } from '../config/env.js';
import { packageVersion } from '../runtime/package-info.js';

const HELP = `quantconnect-mcp ${'{version}'}: an MCP server for QuantConnect, with local research tools and a built-in policy layer.

Usage:
  quantconnect-mcp [serve] [--transport stdio]   Serve MCP over stdio (default).
  quantconnect-mcp serve --transport http [--host H] [--port P] [--state redis://...]
                                                 Streamable HTTP at /mcp (127.0.0.1:8808 by default).
  quantconnect-mcp serve ... --console [--console-port P]
                                                 Also serve the operator console on 127.0.0.1 (port 8809 by default).
  quantconnect-mcp console [--port P] [--open]   The operator console on 127.0.0.1:8809: approvals, audit, limits,
                                                 lockdown, policy, grants. Prints the sign-in secret.
  quantconnect-mcp grant add ID [--read-only] [--toolsets a,b] | grant list | grant revoke ID
  quantconnect-mcp login [--user-id ID] [--organization-id ORG] [--token-stdin]
                                                 Save credentials to QC_MCP_STATE_DIR/credentials.json (0600).
  quantconnect-mcp doctor                        Check Node, credentials, config, audit path and data source.
  quantconnect-mcp tools                         List every tool: name, toolset, risk, severity, enabled.
  quantconnect-mcp generate [--check]            Regenerate tools from the spec (maintainers); --check only compares.
  quantconnect-mcp sandbox [--port P] [--state FILE] [--faults JSON|FILE]
                                                 Serve the simulated QuantConnect API on 127.0.0.1.
  quantconnect-mcp approve ID | deny ID           Decide a pending confirmation (see: quantconnect-mcp approvals).
  quantconnect-mcp lockdown on|off|status        Refuse every critical tool at once, mid-session.
  quantconnect-mcp audit verify [FILE]           Check the audit log's hash chain; names the first broken record.
  quantconnect-mcp --help | --version

Environment:
  QUANTCONNECT_USER_ID, QUANTCONNECT_API_TOKEN   Credentials; they win over 'login' (with neither, the embedded sandbox is used).
  QUANTCONNECT_ORGANIZATION_ID                   Default organization for object store and broadcasts.
  QUANTCONNECT_API_BASE_URL                      Default https://www.quantconnect.com/api/v2.
  QC_MCP_BACKEND=auto|quantconnect|sandbox       auto: QuantConnect when credentials are set.
  QC_MCP_TOOLS=FILE                              Operator overlay merged over tools.yaml.
  QC_MCP_READ_ONLY=1                             Only read tools are listed or callable.
  QC_MCP_STATE_DIR                               Limits, approvals, lockdown, audit (default ~/.quantconnect-mcp).
  QC_MCP_AUDIT_LOG, QC_MCP_AUDIT_FSYNC=1         Audit log path; fsync every record.
  QC_MCP_SECRETS=FILE                            Named brokerage credentials, filled in server-side.
  QC_MCP_GRANTS=FILE                             HTTP bearer grants (default QC_MCP_STATE_DIR/grants.yaml).
  QC_MCP_STATE=redis://...                       Share limits, approvals and lockdown between replicas.
  QC_MCP_TRANSPORT, QC_MCP_HOST, QC_MCP_PORT     Defaults for --transport (stdio | http | streamable-http), --host, --port.
  QC_MCP_PATH, QC_MCP_LOG_LEVEL                  The HTTP endpoint (default /mcp); debug | info | warning | error.
  MCP_TRANSPORT, MCP_HOST, MCP_PORT, MCP_PATH, LOG_LEVEL
                                                 The same, as the earlier community server names them; ours win.
  QC_MCP_CONSOLE_PORT                            The console's port (default 8809).
  AGENT_NAME                                     Sent as codeSourceId on file edits and locks.
  QC_MCP_DATA=csv:DIR|lean:DIR|objectstore:PREFIX  Price data for the research and portfolio tools.
  QC_MCP_EXPORT_DIR                              Where export: true writes CSV (default QC_MCP_STATE_DIR/exports).
  QC_MCP_NPM                                     npm executable asked for the latest version (default npm).
  QC_SPEC=FILE                                   Spec for 'generate' (default spec/QuantConnect-Platform-2.0.0.yaml).
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      check: { type: 'boolean' },
      transport: { type: 'string' },
      port: { type: 'string' },
      state: { type: 'string' },
      faults: { type: 'string' },
      'read-only': { type: 'boolean' },
      host: { type: 'string' },
      toolsets: { type: 'string' },
      'user-id': { type: 'string' },
      'organization-id': { type: 'string' },
      'token-stdin': { type: 'boolean' },
      console: { type: 'boolean' },
      'console-port': { type: 'string' },
      open: { type: 'boolean' },
    },
  });
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    process.stdout.write(HELP.replace('{version}', packageVersion()));
    return 0;
  }
  if (values['read-only'] && command !== 'grant') process.env.QC_MCP_READ_ONLY = '1';
  if (values.state !== undefined && command === 'serve') process.env.QC_MCP_STATE = values.state;
  switch (command) {
    case 'serve': {
      const consoleFlag = values.console ? { port: values['console-port'] } : undefined;
      const { readServeSettings } = await import('../config/serve-settings.js');
      const serve = readServeSettings({ transport: values.transport, host: values.host, port: values.port });
      for (const note of serve.notes) process.stderr.write(`quantconnect-mcp: ${note}\n`);
      if (serve.transport === 'http') {
        const { serveOverHttp } = await import('./serve-http.js');
        await serveOverHttp({ host: serve.host, port: serve.port, path: serve.path, logLevel: serve.logLevel, console: consoleFlag });
        return -1;
      }
      const { serveOverStdio } = await import('./serve-stdio.js');
      await serveOverStdio({ console: consoleFlag, logLevel: serve.logLevel });
      return -1; // keep running until stdin closes
    }
    case 'console': {
      const { consoleCommand } = await import('./console.js');
      return consoleCommand({ port: values.port, open: values.open });
    }
    case 'login': {
      const { login } = await import('./login.js');
      return login({ userId: values['user-id'], organizationId: values['organization-id'], tokenStdin: values['token-stdin'] });
    }
    case 'doctor': {
      const { doctor } = await import('./doctor.js');
      return doctor();
    }
    case 'tools': {
      const { printToolTable } = await import('./tools-table.js');
      await printToolTable();
      return 0;
    }
    case 'generate': {
      const { runGenerate } = await import('../../codegen/main.js').catch(() => {
        throw new SettingsError("'generate' is for maintainers: run it from a clone of the repository after `npm install` (it needs the dev dependencies).");
      });
      return runGenerate({ check: values.check ?? false });
    }
    case 'grant': {
      const { grantCommand } = await import('./grant.js');
      return grantCommand(positionals[1], positionals[2], { readOnly: values['read-only'] ?? false, toolsets: values.toolsets });
    }
    case 'approve':
    case 'deny': {
      const { decide } = await import('./operator.js');
      return await decide(positionals[1], command === 'approve' ? 'approved' : 'denied');
    }
    case 'approvals': {
      const { listApprovals } = await import('./operator.js');
      return await listApprovals();
    }
    case 'lockdown': {
      const { lockdown } = await import('./operator.js');
      return await lockdown(positionals[1]);
    }
    case 'audit': {
      const { auditCommand } = await import('./operator.js');
      return auditCommand(positionals[1], positionals[2]);
    }
    case 'sandbox': {
      const { runSandbox } = await import('../sandbox/cli.js');
      return runSandbox(values.port, values.state, values.faults);
    }
    default:
      process.stderr.write(`quantconnect-mcp: unknown command '${command}'. See quantconnect-mcp --help.\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof SettingsError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    process.stderr.write(`quantconnect-mcp: ${known ? (error as Error).message : String((error as Error).stack ?? error)}\n`);
    process.exitCode = known ? 2 : 1;
  },
);
