/**
 * A package registry on 127.0.0.1 that serves exactly what package-lock.json pins, with tarballs
 * taken from npm's own cache (the one `npm ci` filled) by their integrity. `npm install -g` of a
 * tarball resolves its dependencies from full registry documents, which `npm ci` never caches, so
 * `--offline` alone cannot install it; pointed here with `--registry`, npm installs the locked
 * versions with no network, and checks every tarball against the lock file's integrity.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  link?: boolean;
  [field: string]: unknown;
}

/** Fields of a lock entry that a registry's version document carries too. */
const MANIFEST_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines', 'os', 'cpu', 'libc', 'license'];

/** Where cacache keeps the content with this integrity (content-v2/ALGO/xx/yy/rest-of-hex). */
function cachedTarball(cacheDir: string, integrity: string): string {
  const [algorithm, digest] = integrity.split(/\s+/)[0]!.split(/-(.*)/s) as [string, string];
  const hex = Buffer.from(digest, 'base64').toString('hex');
  return join(cacheDir, '_cacache', 'content-v2', algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

const newer = (a: string, b: string): boolean => {
  const pa = a.split(/[.+-]/).map(Number);
  const pb = b.split(/[.+-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  return false;
};

export interface LockRegistry {
  url: string;
  /** Tarballs npm asked for, as name@version. */
  served: string[];
  close: () => Promise<void>;
}

export async function startLockRegistry(lockFile = 'package-lock.json', cacheDir = join(homedir(), '.npm')): Promise<LockRegistry> {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, LockEntry> };
  const versions = new Map<string, Map<string, LockEntry>>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link || !entry.version || !entry.integrity) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!versions.has(name)) versions.set(name, new Map());
    versions.get(name)!.set(entry.version, entry);
  }
  const served: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const tarball = /^\/-\/(.+)\/([^/]+)\.tgz$/.exec(path);
    if (tarball) {
      const entry = versions.get(tarball[1]!)?.get(tarball[2]!);
      const file = entry ? cachedTarball(cacheDir, entry.integrity!) : undefined;
      if (!file || !existsSync(file)) return res.writeHead(404).end();
      served.push(`${tarball[1]}@${tarball[2]}`);
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
    }
    const name = path.slice(1);
    const known = versions.get(name);
    if (!known) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    let latest = '';
    const docs: Record<string, unknown> = {};
    for (const [version, entry] of known) {
      if (!latest || newer(version, latest)) latest = version;
      const manifest: Record<string, unknown> = { name, version };
      for (const field of MANIFEST_FIELDS) if (entry[field] !== undefined) manifest[field] = entry[field];
      manifest.dist = { tarball: `${base}/-/${name}/${version}.tgz`, integrity: entry.integrity };
      docs[version] = manifest;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, 'dist-tags': { latest }, versions: docs }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, served, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
