#!/usr/bin/env node
/** quantconnect-mcp: serve (default), tools, generate [--check], --help, --version. */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load-yaml.js';
import { SettingsError } from '../config/env.js';
import { packageVersion } from '../config/package-info.js';
import { parseArgsOptions, readSetting, settingFlags, settingNotes } from '../config/settings.js';
import { helpText } from './help.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: parseArgsOptions(),
  });
  if (values.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    process.stdout.write(helpText(packageVersion()));
    return 0;
  }
  // The flags that mirror settings go to readEnv as input, next to the environment; nothing is written into process.env.
  const flags = settingFlags(command, values);
  const str = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);
  const bool = (name: string): boolean => values[name] === true;
  switch (command) {
    case 'serve': {
      for (const note of settingNotes(process.env, flags)) process.stderr.write(`quantconnect-mcp: ${note}\n`);
      const withConsole = values.console === true;
      if (readSetting('transport', process.env, flags) === 'http') {
        const { serveOverHttp } = await import('./serve-http.js');
        await serveOverHttp(flags, withConsole);
        return -1;
      }
      const { serveOverStdio } = await import('./serve-stdio.js');
      await serveOverStdio(flags, withConsole);
      return -1; // keep running until stdin closes
    }
    case 'console': {
      const { consoleCommand } = await import('./console.js');
      return consoleCommand({ port: str('port'), open: bool('open') });
    }
    case 'login': {
      const { login } = await import('./login.js');
      return login({ userId: str('user-id'), organizationId: str('organization-id'), tokenStdin: bool('token-stdin') });
    }
    case 'doctor': {
      const { doctor } = await import('./doctor.js');
      return doctor(undefined, flags);
    }
    case 'tools': {
      const { printToolTable } = await import('./tools-table.js');
      await printToolTable(flags);
      return 0;
    }
    case 'generate': {
      const { runGenerate } = await import('../../codegen/main.js').catch(() => {
        throw new SettingsError("'generate' is for maintainers: run it from a clone of the repository after `npm install` (it needs the dev dependencies).");
      });
      return runGenerate({ check: bool('check') });
    }
    case 'policy': {
      const { policyCheck, policyExplain } = await import('./policy.js');
      if (positionals[1] === 'check') return policyCheck(positionals[2]);
      if (positionals[1] === 'explain') return policyExplain(positionals[2]);
      process.stderr.write('Usage: quantconnect-mcp policy check FILE | policy explain TOOL\n');
      return 2;
    }
    case 'grant': {
      const { grantCommand } = await import('./grant.js');
      return grantCommand(positionals[1], positionals[2], { readOnly: bool('read-only'), toolsets: str('toolsets') });
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
    case 'guard': {
      const { guardCommand } = await import('./guard.js');
      return guardCommand(positionals[1], flags);
    }
    case 'audit': {
      const { auditCommand } = await import('./operator.js');
      return auditCommand(positionals[1], positionals[2]);
    }
    case 'sandbox': {
      const { runSandbox } = await import('../sandbox/cli.js');
      return runSandbox(str('port'), str('state'), str('faults'));
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
