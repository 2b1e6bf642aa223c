/** `npm run generate [-- --check]` and `quantconnect-mcp generate [--check]`. */
import { realpathSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { plugins } from '../plugins/index.js';
import { packageRoot } from '../src/config/package-info.js';
import { readSetting } from '../src/config/settings.js';
import { compareWithDisk, generate, writeFiles } from './generate.js';
import { SpecMissingError } from './spec-source.js';
import { GenerationError } from './transform/operation.js';
import { ConfigError } from '../src/config/load-yaml.js';

const err = (line: string): void => void process.stderr.write(`${line}\n`);

export async function runGenerate(options: { check: boolean }): Promise<number> {
  const root = packageRoot();
  const specPath = resolve(root, readSetting('spec', process.env));
  const started = performance.now();
  let result;
  try {
    result = await generate({
      root,
      specPath,
      overlayDir: join(root, 'spec', 'overlays'),
      pluginTools: plugins.flatMap((p) => p.tools),
    });
  } catch (error) {
    if (error instanceof GenerationError || error instanceof SpecMissingError || error instanceof ConfigError) {
      err(`generate: ${error.message}`);
      return 1;
    }
    throw error;
  }
  for (const note of result.overlayNotes.filter((n) => !n.applied)) err(`generate: overlay ${note.file} ${note.target}: ${note.message}`);
  const ms = Math.round(performance.now() - started);

  if (options.check) {
    const report = compareWithDisk(root, result.files);
    const problems = [
      ...report.changed.map((p) => `changed: ${p}`),
      ...report.added.map((p) => `missing: ${p}`),
      ...report.stale.map((p) => `stale (not generated any more): ${p}`),
    ];
    if (problems.length > 0) {
      err(`generate --check: generated files are out of date:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      err('Fix: run `npm run generate` and commit the result.');
      return 1;
    }
    err(`generate --check: ${result.files.size} files up to date (${result.ir.tools.length} API tools, ${ms} ms).`);
    return 0;
  }
  const report = writeFiles(root, result.files);
  for (const path of report.stale) rmSync(join(root, path));
  const touched = [...report.changed, ...report.added];
  err(
    `generate: ${result.ir.tools.length} API tools + ${result.ir.localTools.length} local, ${result.files.size} files, ` +
      `${touched.length} updated${touched.length ? ` (${touched.join(', ')})` : ''}${report.stale.length ? `, ${report.stale.length} stale removed` : ''} in ${ms} ms.`,
  );
  return 0;
}

// Run when this file is the entry point (npm run generate), not when the CLI imports it.
const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  runGenerate({ check: process.argv.includes('--check') }).then((code) => {
    process.exitCode = code;
  });
}
