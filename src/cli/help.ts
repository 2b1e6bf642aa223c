/** `quantconnect-mcp --help`: the commands, then every flag and variable from the settings table. */
import { defaultText, FLAGS, GROUP_TITLES, SETTINGS, type SettingSpec } from '../config/settings.js';

const USAGE = `Usage:
  quantconnect-mcp [serve] [--transport stdio]   Serve MCP over stdio (default).
  quantconnect-mcp serve --transport http [--host H] [--port P] [--state redis://...] [--allowed-hosts a,b]
                  [--session-idle S] [--max-sessions N] [--max-sessions-per-identity N] [--body-timeout S]
                                                 Streamable HTTP at /mcp (127.0.0.1:8808 by default).
  quantconnect-mcp serve ... --console            Also serve the operator console on 127.0.0.1 (QC_MCP_CONSOLE_PORT, 8809).
  quantconnect-mcp console [--port P] [--open]   The operator console: approvals, audit, limits, lockdown, policy, grants.
                                                 Prints the sign-in secret.
  quantconnect-mcp grant add ID [--read-only] [--toolsets a,b] | grant list | grant revoke ID
  quantconnect-mcp login [--user-id ID] [--organization-id ORG] [--token-stdin]
                                                 Save credentials to QC_MCP_STATE_DIR/credentials.json (0600).
  quantconnect-mcp doctor                        Check Node, credentials, config, audit path and data source.
  quantconnect-mcp tools                         List every tool: name, toolset, risk, severity, enabled.
  quantconnect-mcp policy check FILE             Load FILE (PolicyLayer policy or overlay): per tool, served, confirm, limits, reason.
  quantconnect-mcp policy explain TOOL           Which file and pointer set each value of TOOL's policy.
  quantconnect-mcp generate [--check]            Regenerate tools from the spec (maintainers); --check only compares.
  quantconnect-mcp sandbox [--port P] [--state FILE] [--faults JSON|FILE]
                                                 Serve the simulated QuantConnect API on 127.0.0.1.
  quantconnect-mcp approve ID | deny ID           Decide a pending confirmation (see: quantconnect-mcp approvals).
  quantconnect-mcp lockdown on|off|status        Refuse every critical tool at once, mid-session.
  quantconnect-mcp guard [status] [--state redis://...]
                                                 Run the live guard (tools.yaml guard:) alone; 'guard status' shows it.
  quantconnect-mcp audit verify [FILE]           Check the audit hash chain: exit 0 intact, 1 broken (tampering), 3 damage (torn line).
  quantconnect-mcp --help | --version`;

const row = (left: string, right: string): string => (left.length < 47 ? `  ${left.padEnd(46)} ${right}` : `  ${left}\n  ${''.padEnd(46)} ${right}`);

export function helpText(version: string): string {
  const settings = Object.values(SETTINGS) as SettingSpec<unknown>[];
  const flags = [
    ...FLAGS.filter((f) => f.commands.length === 0),
    ...settings.flatMap((s) => (s.flag ? [{ ...s.flag, value: s.value, help: `${s.flag.commands.join(', ')}: same as ${s.env}.` }] : [])),
    ...FLAGS.filter((f) => f.commands.length > 0),
  ].map((f) => row(`${f.short ? `-${f.short}, ` : ''}--${f.name}${f.type === 'string' && f.value ? ` ${f.value}` : ''}`, f.help));
  const groups = Object.entries(GROUP_TITLES).map(([group, title]) => {
    const rows = settings
      .filter((s) => s.group === group)
      .map((s) => {
        const d = defaultText(s);
        return row(`${s.env}${s.value ? `=${s.value}` : ''}`, `${s.help}${d ? ` Default: ${d}.` : ''}`);
      });
    return `${title}:\n${rows.join('\n')}`;
  });
  return `quantconnect-mcp ${version}: an MCP server for QuantConnect, with local research tools and a built-in policy layer.

${USAGE}

Flags:
${flags.join('\n')}

Environment (a flag wins over its variable):
${groups.join('\n')}
`;
}
