/**
 * The packaged tools.yaml is validated at build time into dist/tools.yaml.json, so start-up skips the YAML
 * parser. The cache must be the same document the parser gives, and must never hide an edit.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseYamlText } from '../../src/config/load-yaml.js';
import { readToolsFile } from '../../src/config/tools-cache.js';
import { ToolsFileSchema } from '../../src/config/tools-schema.js';

describe('tools.yaml build cache', () => {
  const text = readFileSync('tools.yaml', 'utf8');

  it('holds exactly what parsing and validating tools.yaml gives, under the hash of its text', () => {
    const cache = JSON.parse(readFileSync('dist/tools.yaml.json', 'utf8')) as { sha256: string; document: unknown };
    expect(cache.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(cache.document).toEqual(parseYamlText(text, 'tools.yaml', ToolsFileSchema));
    expect(readToolsFile('tools.yaml')).toEqual(cache.document);
  });

  it('an edited copy is parsed, not served from the cache, and its errors still name the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qcmcp-tools-cache-'));
    const edited = join(dir, 'tools.yaml');
    writeFileSync(edited, text.replace(/^toolsets:/m, 'unknown_section: 1\ntoolsets:'));
    expect(() => readToolsFile(edited)).toThrow(ConfigError);
    expect(() => readToolsFile(edited)).toThrow(/line \d+: \(top level\)|unknown_section/);
    writeFileSync(edited, `${text}\n# an edit\n`);
    expect(readToolsFile(edited)).toEqual(parseYamlText(text, 'tools.yaml', ToolsFileSchema));
  });
});
