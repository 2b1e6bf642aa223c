/**
 * The packaged tools.yaml, validated once at build time. `npm run build` writes dist/tools.yaml.json:
 * the SHA-256 of the file's text and the validated document. At start-up the text is hashed and, when it
 * matches, the document is taken from the cache without loading the YAML parser (a third of the cold
 * start measured by `npm run bench`). Any edit to tools.yaml changes the hash, so the file is parsed
 * and validated as before, with the same errors.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-info.js';
import { parseYamlText, readConfigText } from './load-yaml.js';
import { ToolsFileSchema, type ToolsFile } from './tools-schema.js';

const CACHE = join(packageRoot(), 'dist', 'tools.yaml.json');

interface Cache {
  sha256: string;
  document: ToolsFile;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function cached(hash: string): ToolsFile | undefined {
  try {
    const cache = JSON.parse(readFileSync(CACHE, 'utf8')) as Cache;
    return cache.sha256 === hash ? cache.document : undefined;
  } catch {
    return undefined;
  }
}

export function readToolsFile(file: string): ToolsFile {
  const text = readConfigText(file);
  return cached(sha256(text)) ?? parseYamlText(text, file, ToolsFileSchema);
}

/** Build step (scripts/copy-assets.mjs): validate tools.yaml and store it beside the compiled code. */
export function writeToolsCache(file: string): void {
  const text = readConfigText(file);
  const cache: Cache = { sha256: sha256(text), document: parseYamlText(text, file, ToolsFileSchema) };
  writeFileSync(CACHE, JSON.stringify(cache));
}
