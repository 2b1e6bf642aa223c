/**
 * Every README snippet is checked: client configurations start the server as written (path and
 * credentials substituted) and a real MCP client talks to it; YAML snippets load as overlays or
 * secrets files; every shell line names a real command, flag or npm script.
 */
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadOperatorConfig } from '../../src/config/operator-config.js';
import { GrantStore } from '../../src/policy/grants.js';
import { startHttp } from '../../src/http/serve.js';
import { createRuntime } from '../../src/server/runtime.js';
import { Secrets } from '../../src/policy/secrets.js';

const README = readFileSync('README.md', 'utf8');
const ROOT = resolve('.');
const blocks = [...README.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```/gm)].map((m) => ({ lang: m[2] ?? '', text: (m[3] ?? '').split('\n').map((l) => l.slice((m[1] ?? '').length)).join('\n') }));

interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** What a user fills in: the clone's path, their credentials (here none, so the sandbox), a data folder. */
function substitute(value: string): string {
  return value
    .replace('/path/to/quantconnect-mcp', ROOT)
    .replace('csv:/path/to/prices', `csv:${resolve('tests/fixtures/research/A')}`)
    .replace(/<your [^>]+>/g, '')
    .replace(/\$\{input:[^}]+\}/g, '');
}

async function startAsConfigured(entry: ServerEntry) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-readme-')) };
  for (const [k, v] of Object.entries(entry.env ?? {})) env[k] = substitute(v);
  const command = entry.command === 'node' ? process.execPath : entry.command;
  const client = new Client({ name: 'readme', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command, args: entry.args.map(substitute), env, stderr: 'ignore' }));
  return client;
}

describe('README client configurations', () => {
  const configs: { label: string; entry: ServerEntry }[] = [];
  for (const b of blocks) {
    if (b.lang === 'json' && /"(mcpServers|servers)"/.test(b.text) && !/"url"/.test(b.text)) {
      const parsed = JSON.parse(b.text) as { mcpServers?: Record<string, ServerEntry>; servers?: Record<string, ServerEntry & { type?: string }> };
      const entry = parsed.mcpServers?.quantconnect ?? parsed.servers?.quantconnect;
      if (parsed.servers) expect(parsed.servers.quantconnect?.type).toBe('stdio');
      configs.push({ label: parsed.servers ? 'VS Code' : `mcpServers #${configs.length + 1}`, entry: entry! });
    }
    if (b.lang === 'toml') {
      const parsed = parseToml(b.text) as unknown as { mcp_servers: { quantconnect: ServerEntry } };
      configs.push({ label: 'Codex', entry: parsed.mcp_servers.quantconnect });
    }
  }

  it('has one snippet each for Claude Desktop, Cursor, VS Code and Codex', () => {
    expect(configs.map((c) => c.label)).toEqual(['mcpServers #1', 'mcpServers #2', 'VS Code', 'Codex']);
    for (const heading of ['Claude Desktop', 'Cursor', 'VS Code', 'Codex']) expect(README).toContain(`${heading},`);
  });

  it.each([0, 1, 2, 3])('snippet %i starts the server and serves tools', async (i) => {
    const { entry } = configs[i]!;
    const client = await startAsConfigured(entry);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('compile_and_backtest');
      if (entry.env?.QC_MCP_DATA) {
        const r = await client.callTool({ name: 'get_history', arguments: { symbols: ['KO'], start_date: '2023-01-01', end_date: '2024-12-31' } });
        expect(r.isError).toBeFalsy();
      }
    } finally {
      await client.close();
    }
  }, 30_000);
});

describe('README YAML snippets', () => {
  it('every overlay snippet loads over tools.yaml; the secrets snippet loads as a secrets file', () => {
    const yamls = blocks.filter((b) => b.lang === 'yaml');
    expect(yamls.length).toBeGreaterThanOrEqual(3);
    for (const b of yamls) {
      const doc = parseYaml(b.text) as Record<string, unknown>;
      const dir = mkdtempSync(join(tmpdir(), 'qcmcp-readme-yaml-'));
      const file = join(dir, 'snippet.yaml');
      writeFileSync(file, b.text, { mode: 0o600 });
      chmodSync(file, 0o600);
      if ('brokerages' in doc) {
        const warnings: string[] = [];
        expect(() => Secrets.load(file, [], (w) => warnings.push(w))).not.toThrow();
      } else {
        expect(() => loadOperatorConfig('tools.yaml', file), b.text).not.toThrow();
      }
    }
  });
});

describe('README shell lines', () => {
  const help = (() => {
    const main = readFileSync('src/cli/main.ts', 'utf8');
    return main.slice(main.indexOf('const HELP'), main.indexOf('`;'));
  })();
  const scripts = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts);

  it('name real commands, flags and npm scripts', () => {
    const lines = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.text.split('\n')).map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines) {
      for (const part of line.split('&&').map((p) => p.trim())) {
        const words = part.split(/\s+/).filter((w) => !/^[A-Z_]+=/.test(w));
        if (words[0] === 'quantconnect-mcp') {
          expect(help, part).toContain(`quantconnect-mcp ${words[1]}`);
          for (const flag of words.filter((w) => w.startsWith('--'))) expect(help, `${part}: ${flag}`).toContain(flag);
        } else if (words[0] === 'npm' && words[1] === 'run') {
          expect(scripts, part).toContain(words[2]);
        } else if (words[0] === 'npm') {
          expect(['install', 'test', 'start'], part).toContain(words[1]);
        } else {
          throw new Error(`README shell line not checked: ${part}`);
        }
      }
    }
  });
});

describe('README policy and team snippets', () => {
  it('shows the published PolicyLayer example character for character, and it loads', () => {
    const published = readFileSync('tests/fixtures/policylayer/published-example.json', 'utf8');
    expect(blocks.filter((b) => b.lang === 'json').map((b) => b.text)).toContain(published);
    const config = loadOperatorConfig('tools.yaml', 'tests/fixtures/policylayer/published-example.json');
    expect(config.mode.value).toBe('deny');
  });

  it('the HTTP client configuration sends the token, and a client configured so is served', async () => {
    const block = blocks.find((b) => b.lang === 'json' && /"url"/.test(b.text));
    const entry = Object.values((JSON.parse(block!.text) as { mcpServers: Record<string, { type: string; url: string; headers: Record<string, string> }> }).mcpServers)[0]!;
    expect(entry.type).toBe('http');
    const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-readme-http-'));
    const grants = new GrantStore(join(stateDir, 'grants.yaml'));
    const token = grants.add({ id: 'desk', read_only: true });
    const runtime = await createRuntime({ env: { QC_MCP_STATE_DIR: stateDir, QC_MCP_BACKEND: 'sandbox' }, log: () => {} });
    const http = await startHttp(runtime, { host: '127.0.0.1', port: 0, grantsPath: grants.path, log: () => {} });
    const client = new Client({ name: 'readme-http', version: '1.0.0' });
    try {
      const url = entry.url.replace('mcp.desk.internal:8808', new URL(http.url).host);
      const headers = Object.fromEntries(Object.entries(entry.headers).map(([k, v]) => [k, v.replace(/<your [^>]+>/, token)]));
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      expect((await client.listTools()).tools.length).toBeGreaterThan(5);
    } finally {
      await client.close();
      await http.close();
      await runtime.close();
    }
  }, 30_000);
});
