/**
 * Every snippet in README.md and docs/*.md (but the generated docs/tools.md) is checked: client
 * configurations start the server as written (path and credentials substituted) and a real MCP
 * client talks to it; YAML and policy.json snippets load as overlays or secrets files; every shell
 * line, and every inline `quantconnect-mcp ...` or `npm ...`, names a real command, flag, npm script
 * or file; every variable the prose names is in the settings table; every relative link resolves.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parse as parseToml } from 'smol-toml';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { GrantStore } from '../../src/policy/grants.js';
import { startHttp } from '../../src/http/serve.js';
import { createRuntime } from '../../src/server/runtime.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadOperatorConfig } from '../../src/config/operator-config.js';
import { SETTINGS } from '../../src/config/settings.js';
import { Secrets } from '../../src/policy/secrets.js';

const ROOT = resolve('.');
const DOCS = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md') && f !== 'tools.md')
    .map((f) => `docs/${f}`),
];
const text = (file: string): string => readFileSync(file, 'utf8');

interface Block {
  file: string;
  lang: string;
  text: string;
  /** The two lines before the opening fence: where the docs say what the snippet is. */
  before: string;
}
const blocks: Block[] = DOCS.flatMap((file) => {
  const doc = text(file);
  return [...doc.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```/gm)].map((m) => ({
    file,
    lang: m[2] ?? '',
    text: (m[3] ?? '')
      .split('\n')
      .map((l) => l.slice((m[1] ?? '').length))
      .join('\n'),
    before: doc.slice(0, m.index).split('\n').slice(-3).join('\n'),
  }));
});

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
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-docs-')) };
  for (const [k, v] of Object.entries(entry.env ?? {})) env[k] = substitute(v);
  const command = entry.command === 'node' ? process.execPath : entry.command;
  const client = new Client({ name: 'docs', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command, args: entry.args.map(substitute), env, stderr: 'ignore' }));
  return client;
}

const CLIENT_FILES: Record<string, RegExp> = {
  'Claude Desktop': /claude_desktop_config\.json/,
  Cursor: /\.cursor\/mcp\.json/,
  'VS Code': /\.vscode\/mcp\.json/,
  Codex: /\.codex\/config\.toml/,
};
/** An HTTP client's configuration (a url and headers), tested against a served HTTP endpoint below. */
const isHttpConfig = (b: Block): boolean => b.lang === 'json' && /"(mcpServers|servers)"/.test(b.text) && /"url"/.test(b.text);
const isClientConfig = (b: Block): boolean => (b.lang === 'json' && /"(mcpServers|servers)"/.test(b.text) && !isHttpConfig(b)) || b.lang === 'toml';

describe('client configurations', () => {
  const configs = blocks.filter(isClientConfig).map((b) => {
    const client = Object.entries(CLIENT_FILES).find(([, file]) => file.test(b.before))?.[0] ?? `unnamed snippet in ${b.file}`;
    if (b.lang === 'toml') return { client, entry: (parseToml(b.text) as unknown as { mcp_servers: { quantconnect: ServerEntry } }).mcp_servers.quantconnect };
    const parsed = JSON.parse(b.text) as { mcpServers?: Record<string, ServerEntry>; servers?: Record<string, ServerEntry & { type?: string }> };
    if (parsed.servers) expect(parsed.servers.quantconnect?.type, b.file).toBe('stdio');
    return { client, entry: (parsed.mcpServers?.quantconnect ?? parsed.servers?.quantconnect)! };
  });

  it('one snippet each for Claude Desktop (in the README), Cursor, VS Code and Codex, each saying which file it goes in', () => {
    expect(configs.map((c) => c.client).sort()).toEqual(Object.keys(CLIENT_FILES).sort());
    expect(blocks.find((b) => isClientConfig(b) && CLIENT_FILES['Claude Desktop']!.test(b.before))?.file).toBe('README.md');
  });

  it.each(Object.keys(CLIENT_FILES))(
    'the %s snippet starts the server and serves tools',
    async (name) => {
      const { entry } = configs.find((c) => c.client === name)!;
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
    },
    30_000,
  );
});

describe('the HTTP client configuration', () => {
  it('sends the token, and a client configured exactly so is served', async () => {
    const block = blocks.find(isHttpConfig);
    expect(block?.file).toBe('README.md');
    const entry = Object.values(
      (JSON.parse(block!.text) as { mcpServers: Record<string, { type: string; url: string; headers: Record<string, string> }> }).mcpServers,
    )[0]!;
    expect(entry.type).toBe('http');
    const stateDir = mkdtempSync(join(tmpdir(), 'qcmcp-docs-http-'));
    const grants = new GrantStore(join(stateDir, 'grants.yaml'));
    const token = grants.add({ id: 'desk', read_only: true });
    const runtime = await createRuntime({ env: { QC_MCP_STATE_DIR: stateDir, QC_MCP_BACKEND: 'sandbox' }, log: () => {} });
    const http = await startHttp(runtime, { host: '127.0.0.1', port: 0, grantsPath: grants.path, log: () => {} });
    const client = new Client({ name: 'docs-http', version: '1.0.0' });
    try {
      const url = entry.url.replace(new URL(entry.url).host, new URL(http.url).host);
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

describe('YAML and JSON snippets', () => {
  const write = (name: string, content: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'qcmcp-docs-snippet-')), name);
    writeFileSync(file, content, { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  };

  it('every YAML snippet loads over tools.yaml as an overlay, or as a secrets file', () => {
    const yamls = blocks.filter((b) => b.lang === 'yaml');
    expect(yamls.length).toBeGreaterThanOrEqual(3);
    for (const b of yamls) {
      const doc = parseYaml(b.text) as Record<string, unknown>;
      const file = write('snippet.yaml', b.text);
      if ('brokerages' in doc) expect(() => Secrets.load(file, [], () => {}), `${b.file}\n${b.text}`).not.toThrow();
      else expect(() => loadOperatorConfig('tools.yaml', file), `${b.file}\n${b.text}`).not.toThrow();
    }
  });

  it('every other JSON snippet is a policy.json that loads as an overlay', () => {
    const jsons = blocks.filter((b) => b.lang === 'json' && !isClientConfig(b) && !isHttpConfig(b));
    expect(jsons.length).toBeGreaterThanOrEqual(1);
    for (const b of jsons) {
      expect(() => loadOperatorConfig('tools.yaml', write('policy.json', b.text)), `${b.file}\n${b.text}`).not.toThrow();
    }
  });

  it('no snippet is in a language nothing checks', () => {
    for (const b of blocks) expect(['json', 'yaml', 'toml', 'sh', ''], `${b.file}: \`\`\`${b.lang}`).toContain(b.lang);
    // Unlabelled blocks are pictures (the layout), not something to run.
    for (const b of blocks.filter((x) => x.lang === '')) expect(b.text, b.file).not.toMatch(/^(\$ |npm |quantconnect-mcp )/m);
  });
});

describe('shell lines and inline commands', () => {
  const help = spawnSync(process.execPath, ['dist/src/cli/main.js', '--help'], { encoding: 'utf8' }).stdout;
  const scripts = Object.keys((JSON.parse(text('package.json')) as { scripts: Record<string, string> }).scripts);
  /** Debian package of each third-party Python module the golden scripts import. */
  const DEBIAN: Record<string, string> = { statsmodels: 'python3-statsmodels', sklearn: 'python3-sklearn', scipy: 'python3-scipy', pandas: 'python3-pandas' };

  function check(command: string, where: string, installed: Set<string>): void {
    // `npx quantconnect-mcp …` is how the README's set-up runs the CLI from a clone: the same command.
    const words = command
      .split(/\s+/)
      .filter((w) => !/^[A-Z_]+=/.test(w))
      .filter((w, i, all) => !(i === 0 && w === 'npx' && all[1] === 'quantconnect-mcp'));
    const [first, second] = words;
    if (first === 'quantconnect-mcp') {
      if (second === undefined) return;
      expect(help, `${where}: ${command}`).toMatch(new RegExp(`quantconnect-mcp (\\[?${second.replace(/[-]/g, '\\-')}\\b|.*\\| ${second}\\b)`));
      for (const flag of words.filter((w) => w.startsWith('--'))) expect(help, `${where}: ${command}: ${flag}`).toMatch(new RegExp(`${flag}\\b`));
    } else if (first === 'npm' && second === 'run') {
      expect(scripts, `${where}: ${command}`).toContain(words[2]);
    } else if (first === 'npm') {
      expect(['install', 'test', 'start', 'ci', 'pack'], `${where}: ${command}`).toContain(second);
    } else if (first === 'npx' && second === 'vitest') {
      expect(existsSync(words[3] ?? ''), `${where}: ${command}`).toBe(true);
    } else if (first === '/usr/bin/python3' || first === 'Rscript') {
      const script = second ?? '';
      expect(existsSync(script), `${where}: ${command}`).toBe(true);
      const imports = [...text(script).matchAll(/^(?:from|import) (\w+)/gm)].map((m) => m[1]!);
      for (const pkg of imports.flatMap((m) => (DEBIAN[m] ? [DEBIAN[m]] : [])))
        expect(installed, `${where}: ${script} imports what ${pkg} installs`).toContain(pkg);
    } else if (first === 'apt-get' && second === 'install') {
      // Checked through the scripts on the following lines: they must import nothing it does not install.
    } else {
      throw new Error(`${where}: shell line not checked: ${command}`);
    }
  }

  it('the CLI help is there to check against (npm run build first)', () => {
    expect(help).toContain('quantconnect-mcp serve');
  });

  it('every shell line names a real command, flag, npm script or file', () => {
    const lines = blocks.filter((b) => b.lang === 'sh');
    let count = 0;
    for (const b of lines) {
      const installed = new Set(
        b.text
          .split('\n')
          .filter((l) => /^apt-get install/.test(l))
          .flatMap((l) => l.split(/\s+/).slice(2))
          .filter((w) => !w.startsWith('-')),
      );
      for (const line of b.text
        .split('\n')
        .map((l) => l.replace(/#.*$/, '').trim())
        .filter(Boolean)) {
        for (const part of line.split('&&').map((p) => p.trim())) {
          check(part, b.file, installed);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(15);
  });

  it('every inline `quantconnect-mcp ...` and `npm ...` in the prose is real too', () => {
    let count = 0;
    for (const file of DOCS) {
      const prose = text(file).replace(/^( *)```\w*\n[\s\S]*?^\1```/gm, '');
      for (const m of prose.matchAll(/`((?:[A-Z_]+=\S+ )*(?:quantconnect-mcp|npm) [^`]+)`/g)) {
        for (const alt of m[1]!.split(/ \| | \/ /)) check(alt.trim(), file, new Set());
        count++;
      }
    }
    expect(count).toBeGreaterThan(10);
  });
});

describe('the prose stays true', () => {
  it('README.md is at most 15 KB and repeats no generated per-tool table', () => {
    expect(statSync('README.md').size).toBeLessThanOrEqual(15 * 1024);
    expect(text('README.md')).not.toContain('<!-- tools:start -->');
    expect(text('README.md')).toContain('<!-- toolsets:start -->');
  });

  it('every variable the docs name is declared in the settings table', () => {
    const declared = new Set(Object.values(SETTINGS).map((s) => s.env));
    for (const file of DOCS) {
      for (const m of text(file).matchAll(/\b(QC_MCP_[A-Z_]*[A-Z]|QUANTCONNECT_[A-Z_]*[A-Z]|MCP_[A-Z]+|QC_SPEC(?:_SOURCE)?|AGENT_NAME)\b/g)) {
        expect(declared, `${file} names ${m[1]}`).toContain(m[1]);
      }
    }
  });

  it('every relative link points at a file that exists, and every #anchor at a heading', () => {
    const slug = (heading: string): string =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-');
    const anchors = (file: string): string[] => [...text(file).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!));
    for (const file of DOCS) {
      for (const m of text(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^https?:/.test(target)) continue;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path === '' ? file : join(dirname(file), path);
        expect(existsSync(resolved), `${file}: ${target}`).toBe(true);
        if (anchor) expect(anchors(resolved), `${file}: ${target}`).toContain(anchor);
      }
    }
  });
});
