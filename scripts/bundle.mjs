// Build step after tsc: the CLI's entry becomes one ES module bundle of our own code (dependencies stay in
// node_modules). A cold start otherwise resolves and compiles some 150 small files before the first
// tools/list; `npm run bench` ("stdio cold start") measures the difference against a bare SDK server.
// Chunks are written beside dist/src/cli/main.js, so paths relative to it keep working: the lazily
// imported codegen stays external, and each worker script (dist/**/*-worker.js) is bundled under its own
// name in the same folder, where `new URL('./x-worker.js', import.meta.url)` in any chunk finds it.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const workers = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('-worker.ts')) workers.push(join('dist', path.replace(/\.ts$/, '.js')));
  }
};
// From the sources, not dist/, which may hold files of since-moved modules.
walk('plugins');
walk('src');

// Chunks and worker scripts of an earlier build (chunk names are content hashes).
for (const name of readdirSync('dist/src/cli')) if (name.startsWith('chunk-') || name.endsWith('-worker.js')) rmSync(join('dist/src/cli', name));

await build({
  entryPoints: [{ in: 'dist/src/cli/main.js', out: 'main' }, ...workers.map((path) => ({ in: path, out: basename(path, '.js') }))],
  outdir: 'dist/src/cli',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  external: ['../../codegen/*'],
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
