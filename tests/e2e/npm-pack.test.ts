/**
 * The package as published: `npm pack` holds only what a user needs (an allow-list: the build
 * without source maps, tools.yaml, the two generated JSON files the runtime and editors read, the
 * docs; never tests, sources, fixtures or QuantConnect's spec), its size stays near what
 * docs/maintainers.md records, and the tarball installed globally into an empty prefix gives a
 * `quantconnect-mcp` that serves the sandbox to a real MCP client over stdio, with no credentials, and that
 * `npx quantconnect-mcp …` (as the server's messages write it) reaches from any folder.
 * Dependencies come from a loopback registry over npm's cache (tests/helpers/lock-registry.ts): no network.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLockRegistry, type LockRegistry } from '../helpers/lock-registry.js';

/** Every path in the tarball matches one of these (and the runtime's own files are all there). */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^tools\.yaml$/,
  /^docs\/[a-z]+\.md$/,
  /^generated\/(schemas|tools\.schema)\.json$/,
  // The build's bundle (scripts/bundle.mjs): the CLI entry, its chunks and the worker scripts.
  /^dist\/src\/cli\/(main|chunk-[A-Z0-9]+|[a-z]+-worker)\.js$/,
  /^dist\/tools\.yaml\.json$/,
];
const REQUIRED = ['package.json', 'tools.yaml', 'generated/schemas.json', 'dist/src/cli/main.js', 'dist/src/cli/pool-worker.js', 'dist/tools.yaml.json'];
/** A bound well above today's size (docs/maintainers.md), so a stray folder shows up at once. */
const MAX_PACKED_BYTES = 500_000;

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** npm's environment without this run's npm_* settings (npm test sets them) or credentials. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|QUANTCONNECT_|QC_)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1', ...extra };
}

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'qcmcp-pack-'));
let packed: Packed;
let registry: LockRegistry;

beforeAll(async () => {
  if (!existsSync('dist/src/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  // --ignore-scripts: `prepare` would rebuild dist/, which `npm test` has just built.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { encoding: 'utf8', env: cleanEnv() });
  packed = (JSON.parse(stdout) as Packed[])[0]!;
}, 60_000);

afterAll(async () => {
  await registry?.close();
});

describe('npm pack', () => {
  it('holds only what a user needs', () => {
    const paths = packed.files.map((f) => f.path);
    for (const path of paths)
      expect(
        ALLOWED.some((re) => re.test(path)),
        `${path} should not be published`,
      ).toBe(true);
    for (const path of REQUIRED) expect(paths).toContain(path);
    expect(paths.filter((p) => /\.(ts|map|yaml)$/.test(p) && p !== 'tools.yaml')).toEqual([]);
  });

  it('stays under its size bound and near the size docs/maintainers.md records', () => {
    expect(packed.size).toBeLessThan(MAX_PACKED_BYTES);
    const recorded = /`npm pack`[^\n]*?: (\d+) kB packed, ([\d.]+) MB unpacked, (\d+) files/.exec(readFileSync('docs/maintainers.md', 'utf8'));
    expect(recorded, 'docs/maintainers.md records the packed size').not.toBeNull();
    const [kb, mb, files] = [Number(recorded![1]), Number(recorded![2]), Number(recorded![3])];
    expect(Math.abs(packed.size / 1000 - kb) / kb, `packed ${packed.size} B against ${kb} kB recorded`).toBeLessThan(0.15);
    expect(Math.abs(packed.unpackedSize / 1e6 - mb) / mb).toBeLessThan(0.15);
    expect(Math.abs(packed.files.length - files) / files).toBeLessThan(0.15);
  });
});

describe('installed globally from the tarball', () => {
  it('gives a quantconnect-mcp that serves the sandbox to a real MCP client', async () => {
    registry = await startLockRegistry();
    const prefix = mkdtempSync(join(tmpdir(), 'qcmcp-prefix-'));
    const home = mkdtempSync(join(tmpdir(), 'qcmcp-home-'));
    const npmArgs = ['install', '-g', '--prefix', prefix, '--registry', registry.url, '--cache', join(home, '.npm'), '--no-audit', '--no-fund'];
    // Asynchronous: the registry answers from this process.
    await run('npm', [...npmArgs, resolve(work, packed.filename)], { cwd: home, encoding: 'utf8', env: cleanEnv({ HOME: home }), timeout: 150_000 });
    expect(registry.served).toContain('@modelcontextprotocol/server@' + lockedVersion('@modelcontextprotocol/server'));
    // What npm installed is the package as packed: no source, no tests, no spec.
    const installed = join(prefix, 'lib', 'node_modules', 'quantconnect-mcp');
    expect(existsSync(join(installed, 'tests'))).toBe(false);
    expect(existsSync(join(installed, 'src'))).toBe(false);

    const bin = join(prefix, 'bin', 'quantconnect-mcp');
    // The messages' `npx quantconnect-mcp …` reaches a global install too, from any folder, offline.
    const viaNpx = await run('npx', ['quantconnect-mcp', 'tools'], {
      cwd: home,
      encoding: 'utf8',
      env: cleanEnv({ HOME: home, npm_config_prefix: prefix, npm_config_offline: 'true', QC_MCP_STATE_DIR: join(home, 'state') }),
    });
    expect(viaNpx.stdout).toMatch(/compile_and_backtest\s+backtests/);
    expect(existsSync(bin)).toBe(true);
    const client = new Client({ name: 'npm-pack', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: bin,
        args: [],
        cwd: home,
        env: { PATH: `${prefix}/bin:${process.env.PATH ?? ''}`, HOME: home, QC_MCP_STATE_DIR: join(home, 'state') },
        stderr: 'ignore',
      }),
    );
    try {
      expect(client.getInstructions()).toMatch(/^SANDBOX/);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['create_project', 'compile_and_backtest', 'test_cointegration']));
      const made = await client.callTool({ name: 'create_project', arguments: { name: 'From the tarball', language: 'Py' } });
      expect(made.isError, JSON.stringify(made.content)).toBeFalsy();
      expect(made._meta?.['quantconnect-mcp/backend']).toBe('sandbox');
      const listed = await client.callTool({ name: 'list_projects', arguments: {} });
      expect(JSON.stringify(listed.structuredContent)).toContain('From the tarball');
    } finally {
      await client.close();
    }
  }, 180_000);
});

function lockedVersion(name: string): string {
  return (JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { version: string }> }).packages[`node_modules/${name}`]!.version;
}
