/**
 * `npm run pack:mcpb`: an MCP Bundle (manifest 0.3) for one-click install in clients that support
 * MCPB. The bundle holds the built server, tools.yaml, the generated files and the production
 * dependencies copied from node_modules (no download), plus a manifest whose user_config asks for
 * the QuantConnect credentials (the token marked sensitive) and the research data folder.
 * Usage: tsx scripts/pack-mcpb.ts [OUT_FILE]   (default dist/quantconnect-mcp.mcpb)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  description: string;
  license: string;
  engines: { node: string };
};

export function manifest(): Record<string, unknown> {
  return {
    manifest_version: '0.3',
    name: pkg.name,
    display_name: 'QuantConnect',
    version: pkg.version,
    description: pkg.description,
    long_description:
      'Projects, files, compiles, backtests, optimizations, object store and live trading on QuantConnect, with server-side waiting, tear sheets, local research statistics and a built-in policy layer (confirmation, limits, audit). Without credentials it serves a simulated sandbox.',
    author: { name: 'quantconnect-mcp contributors' },
    license: pkg.license,
    keywords: ['quantconnect', 'lean', 'backtesting', 'trading', 'research'],
    server: {
      type: 'node',
      entry_point: 'dist/src/cli/main.js',
      mcp_config: {
        command: 'node',
        args: ['${__dirname}/dist/src/cli/main.js'],
        env: {
          QUANTCONNECT_USER_ID: '${user_config.user_id}',
          QUANTCONNECT_API_TOKEN: '${user_config.api_token}',
          QUANTCONNECT_ORGANIZATION_ID: '${user_config.organization_id}',
          QC_MCP_DATA: '${user_config.data}',
        },
      },
    },
    user_config: {
      user_id: {
        type: 'string',
        title: 'QuantConnect user id',
        description: 'From quantconnect.com, Settings, API access. Leave empty to use the simulated sandbox.',
        required: false,
      },
      api_token: {
        type: 'string',
        title: 'QuantConnect API token',
        description: 'Stored by the client as a secret; never sent to the model.',
        sensitive: true,
        required: false,
      },
      organization_id: { type: 'string', title: 'Organization id', description: 'Optional: the organization for object store and credits.', required: false },
      data: {
        type: 'string',
        title: 'Research data',
        description: 'Optional: csv:FOLDER or lean:FOLDER with price data for the research tools.',
        required: false,
      },
    },
    prompts: [
      {
        name: 'pairs_trading_study',
        description: 'Cointegration and mean reversion of two symbols',
        arguments: ['symbol1', 'symbol2', 'start_date', 'end_date'],
        text: 'Run a pairs-trading study of ${arguments.symbol1} and ${arguments.symbol2} from ${arguments.start_date} to ${arguments.end_date}.',
      },
      {
        name: 'strategy_to_tear_sheet',
        description: 'Write a strategy, backtest it, show the tear sheet',
        arguments: ['idea'],
        text: 'Write, backtest and review a QuantConnect strategy: ${arguments.idea}',
      },
    ],
    tools_generated: true,
    prompts_generated: true,
    compatibility: { runtimes: { node: pkg.engines.node }, platforms: ['darwin', 'linux', 'win32'] },
  };
}

function addTree(files: Zippable, absolute: string): void {
  const rel = relative(ROOT, absolute).split('\\').join('/');
  const info = statSync(absolute);
  if (info.isDirectory()) {
    for (const entry of readdirSync(absolute)) addTree(files, join(absolute, entry));
  } else if (info.isFile()) {
    files[rel] = [readFileSync(absolute), { level: 6 }];
  }
}

/** Production dependencies as installed (npm ls --omit=dev), each copied once. */
function productionPackages(): string[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const paths = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && resolve(l) !== ROOT);
  // A nested package is inside its parent's folder; copy only the outermost ones.
  return paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}/`)));
}

export function packMcpb(outFile = join(ROOT, 'dist', 'quantconnect-mcp.mcpb')): { outFile: string; files: number; bytes: number } {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build first.');
  const files: Zippable = {};
  files['manifest.json'] = [new TextEncoder().encode(`${JSON.stringify(manifest(), null, 2)}\n`), { level: 6 }];
  for (const part of [
    'dist/src',
    'dist/plugins',
    'dist/generated',
    'generated',
    'tools.yaml',
    'spec/spec.lock.json',
    'spec/overlays',
    'package.json',
    'README.md',
    'LICENSE',
  ]) {
    const absolute = join(ROOT, part);
    if (existsSync(absolute)) addTree(files, absolute);
  }
  for (const dir of productionPackages()) addTree(files, dir);
  const zipped = zipSync(files);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, zipped);
  return { outFile, files: Object.keys(files).length, bytes: zipped.length };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const result = packMcpb(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(`Wrote ${relative(process.cwd(), result.outFile)}: ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB.\n`);
}
