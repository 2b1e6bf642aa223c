/**
 * `npm run spec:pull`: fetch the pinned spec from its URL, or copy it from QC_SPEC_SOURCE
 * (a path), verify the sha256 recorded in spec/spec.lock.json, and write it where codegen reads it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../src/config/package-info.js';
import { readSetting } from '../src/config/settings.js';

interface SpecLock {
  file: string;
  url: string;
  sha256: string;
  bytes: number;
}

async function main(): Promise<number> {
  const root = packageRoot();
  const lock = JSON.parse(readFileSync(join(root, 'spec', 'spec.lock.json'), 'utf8')) as SpecLock;
  const source = readSetting('specSource', process.env);
  let content: Buffer;
  if (source) {
    content = readFileSync(resolve(source));
  } else {
    const response = await fetch(lock.url);
    if (!response.ok) throw new Error(`GET ${lock.url} answered HTTP ${response.status}`);
    content = Buffer.from(await response.arrayBuffer());
  }
  const digest = createHash('sha256').update(content).digest('hex');
  if (digest !== lock.sha256) {
    process.stderr.write(
      `spec:pull: sha256 mismatch for ${source ?? lock.url}\n  expected ${lock.sha256}\n  got      ${digest}\n` +
        'If QuantConnect published a new spec on purpose, update spec/spec.lock.json (commit, url, sha256, bytes), then run `npm run generate`.\n',
    );
    return 1;
  }
  const target = join(root, 'spec', lock.file);
  writeFileSync(target, content);
  process.stderr.write(`spec:pull: ${lock.file} (${content.length} bytes, sha256 ${digest.slice(0, 12)}…) -> ${target}\n`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`spec:pull: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
