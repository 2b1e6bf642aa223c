/** The spec's provenance lock, spec:pull's sha256 check, and the JSON Schema that editors use for tools.yaml. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { specPath } from '../helpers/spec-validators.js';
import { sha256 } from '../../codegen/spec-source.js';

const pull = (source: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/spec-pull.ts'], { env: { ...process.env, QC_SPEC_SOURCE: source }, encoding: 'utf8' });

describe('spec:pull', () => {
  it('refuses a file whose sha256 is not the pinned one, and says how to update the pin', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'qcmcp-spec-')), 'spec.yaml');
    writeFileSync(bad, 'openapi: 3.0.0\npaths: {}\n');
    const run = pull(bad);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('sha256 mismatch');
    expect(run.stderr).toContain('spec/spec.lock.json');
  });

  it.runIf(specPath !== undefined)('accepts the pinned spec, whose sha256 the lock records', () => {
    const lock = JSON.parse(readFileSync('spec/spec.lock.json', 'utf8')) as { sha256: string; bytes: number };
    const text = readFileSync(specPath!);
    expect(sha256(text)).toBe(lock.sha256);
    expect(text.length).toBe(lock.bytes);
    const run = pull(specPath!);
    expect(run.status, run.stderr).toBe(0);
  });
});

describe('generated/tools.schema.json', () => {
  const schema = JSON.parse(readFileSync('generated/tools.schema.json', 'utf8')) as Record<string, unknown>;
  const validate = new Ajv({ strict: false }).compile(schema);

  it('accepts the packaged tools.yaml', () => {
    expect(validate(parse(readFileSync('tools.yaml', 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a misspelt field and an unknown risk class', () => {
    const tools = parse(readFileSync('tools.yaml', 'utf8')) as { tools: Record<string, Record<string, unknown>> };
    tools.tools.read_account!.enabeld = true;
    expect(validate(tools)).toBe(false);
    delete tools.tools.read_account!.enabeld;
    tools.tools.read_account!.risk = 'harmless';
    expect(validate(tools)).toBe(false);
  });
});
