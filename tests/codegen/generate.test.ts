/**
 * The whole pipeline on disk: an API change fails generation and names what changed; once
 * mapped in tools.yaml the new tool is generated and served; --check sees changed, missing
 * and stale files; output is deterministic.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithDisk, generate, writeFiles } from '../../codegen/generate.js';
import { GenerationError } from '../../codegen/transform/operation.js';
import { trimDescription } from '../../codegen/transform/project.js';
import type { SchemasDoc } from '../../src/api/api-tools.js';
import type { GeneratedToolSpec } from '../../src/tool/generated-tool.js';
import { post, spec, type Spec } from '../helpers/fixture-spec.js';
import { connect, testEnv } from '../helpers/mcp.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';
import { HISTORY_SPEC, specPath } from '../helpers/spec-validators.js';
import { existsSync } from 'node:fs';

const obj = (properties: Record<string, unknown>, required?: string[]) => ({ type: 'object', properties, ...(required ? { required } : {}) });

/** A scratch project root: tools.yaml, README with markers, and a spec file. */
function scratch(specDoc: unknown, toolsYaml: unknown): { root: string; specFile: string } {
  const root = mkdtempSync(join(tmpdir(), 'qcmcp-gen-'));
  writeFileSync(join(root, 'tools.yaml'), typeof toolsYaml === 'string' ? toolsYaml : stringify(toolsYaml));
  writeFileSync(join(root, 'README.md'), '# x\n<!-- toolsets:start -->\n<!-- toolsets:end -->\n');
  const specFile = join(root, 'spec.yaml');
  writeFileSync(specFile, typeof specDoc === 'string' ? specDoc : stringify(specDoc));
  return { root, specFile };
}

const FIXTURE_TOOLS = {
  toolsets: { things: { description: 'Things', default: true } },
  tools: {
    read_thing: { operation: 'POST /things/read', toolset: 'things', risk: 'read', severity: 'low', title: 'Read thing' },
  },
};
const fixtureSpec = (): Spec => spec({ '/things/read': post(obj({ thingId: { type: 'integer' } }, ['thingId']), { $ref: '#/components/schemas/Rest' }) });

let recorder: Recorder;
beforeAll(async () => {
  recorder = await startRecorder();
});
afterAll(() => recorder.close());

describe('an API change', () => {
  it('a new operation fails generation and is named; once mapped, the new tool is generated and served', async () => {
    const changed = fixtureSpec();
    changed.paths['/things/tags/update'] = post(obj({ thingId: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, ['thingId', 'tags']));
    const first = scratch(changed, FIXTURE_TOOLS);
    await expect(generate({ root: first.root, specPath: first.specFile, docs: false })).rejects.toThrow(/unmapped operation POST \/things\/tags\/update/);

    const mapped = structuredClone(FIXTURE_TOOLS) as { tools: Record<string, unknown> };
    mapped.tools.update_thing_tags = { operation: 'POST /things/tags/update', toolset: 'things', risk: 'write', severity: 'low', title: 'Tag thing' };
    const second = scratch(changed, mapped);
    const result = await generate({ root: second.root, specPath: second.specFile, docs: false });
    writeFiles(second.root, result.files);
    // The emitted module only has type imports, so it runs from the scratch folder.
    mkdirSync(join(second.root, 'src', 'runtime'), { recursive: true });
    const module = (await import(pathToFileURL(join(second.root, 'generated', 'tools.ts')).href)) as { generatedTools: GeneratedToolSpec[] };
    const schemas = JSON.parse(readFileSync(join(second.root, 'generated', 'schemas.json'), 'utf8')) as SchemasDoc;

    const mcp = await connect({
      env: testEnv(recorder.baseUrl),
      generated: { tools: module.generatedTools, schemas },
      plugins: [],
      toolsYamlPath: join(second.root, 'tools.yaml'),
    });
    try {
      const { tools } = await mcp.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['read_thing', 'update_thing_tags']);
      const result = await mcp.client.callTool({ name: 'update_thing_tags', arguments: { thingId: 7, tags: ['a'] } });
      expect(result.isError).toBeFalsy();
      expect(recorder.requests.at(-1)).toMatchObject({ path: '/things/tags/update', body: { thingId: 7, tags: ['a'] } });
    } finally {
      await mcp.close();
    }
  });

  it('a removed operation fails generation and names the tool that mapped it', async () => {
    const removed = spec({});
    const { root, specFile } = scratch(removed, FIXTURE_TOOLS);
    await expect(generate({ root, specPath: specFile, docs: false })).rejects.toThrow(/tool 'read_thing' maps POST \/things\/read, which is not in the spec/);
  });

  it.runIf(existsSync(HISTORY_SPEC))('the older real spec revision fails with every lost and unmapped operation named', async () => {
    const { root } = scratch({}, readFileSync('tools.yaml', 'utf8'));
    try {
      await generate({ root, specPath: HISTORY_SPEC, docs: false });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GenerationError);
      const problems = (error as GenerationError).problems.join('\n');
      expect(problems).toMatch(/tool 'read_account' maps POST \/account\/read, which is not in the spec/);
      expect(problems).toMatch(/tool 'read_live_logs' maps POST \/live\/logs\/read, which is not in the spec/);
      expect(problems).toMatch(/unmapped operation POST \/live\/read\/log/);
      expect(problems).toMatch(/unmapped operation POST \/data\/read/);
      expect(problems).toMatch(/excluded operation POST \/live\/auth0\/read is not in the spec/);
    }
  });
});

describe('generate --check', () => {
  it('reports changed, missing and stale files, and nothing after a fresh write', async () => {
    const { root, specFile } = scratch(fixtureSpec(), FIXTURE_TOOLS);
    const result = await generate({ root, specPath: specFile, docs: false });
    expect(compareWithDisk(root, result.files).added.sort()).toEqual([...result.files.keys()].sort());
    writeFiles(root, result.files);
    expect(compareWithDisk(root, result.files)).toEqual({ changed: [], added: [], stale: [] });

    writeFileSync(join(root, 'generated', 'tools.ts'), '// edited by hand\n');
    rmSync(join(root, 'generated', 'schemas.json'));
    writeFileSync(join(root, 'generated', 'old-tool.ts'), 'export {};\n');
    expect(compareWithDisk(root, result.files)).toEqual({
      changed: ['generated/tools.ts'],
      added: ['generated/schemas.json'],
      stale: ['generated/old-tool.ts'],
    });
  });

  it('every generated file carries a provenance header naming its inputs', async () => {
    const { root, specFile } = scratch(fixtureSpec(), FIXTURE_TOOLS);
    const { files } = await generate({ root, specPath: specFile, docs: false });
    for (const [path, content] of files) {
      expect(content, path).toMatch(
        /GENERATED by `npm run generate` from QuantConnect-Platform-2\.0\.0\.yaml \(sha256 [0-9a-f]{64}\) and tools\.yaml \(sha256 [0-9a-f]{64}\)\. Do not edit by hand\./,
      );
    }
  });
});

describe.runIf(specPath !== undefined)('the real spec', () => {
  it('generates deterministically, and the committed files are current', async () => {
    const options = {
      root: resolve('.'),
      specPath: specPath!,
      overlayDir: resolve('spec/overlays'),
      pluginTools: (await import('../../plugins/index.js')).plugins.flatMap((p) => p.tools),
    };
    const started = performance.now();
    const first = await generate(options);
    const seconds = (performance.now() - started) / 1000;
    const second = await generate(options);
    expect([...second.files.entries()]).toEqual([...first.files.entries()]);
    expect(compareWithDisk(resolve('.'), first.files)).toEqual({ changed: [], added: [], stale: [] });
    expect(seconds).toBeLessThan(10);
    expect(first.overlayNotes.every((n) => n.applied)).toBe(true);
  });

  it('escapes spec text into emitted code: a hostile description compiles as a literal', async () => {
    const hostile = parse(readFileSync(specPath!, 'utf8')) as Spec & { paths: Record<string, { post: { summary: string } }> };
    const payload = 'Read "), process.exit(7), ("` ${process.exit(8)} */ \\u0000 it';
    hostile.paths['/account/read']!.post.summary = payload;
    const root = mkdtempSync(join(tmpdir(), 'qcmcp-hostile-'));
    cpSync('tools.yaml', join(root, 'tools.yaml'));
    writeFileSync(join(root, 'README.md'), '<!-- toolsets:start -->\n<!-- toolsets:end -->\n');
    writeFileSync(join(root, 'spec.yaml'), stringify(hostile));
    const result = await generate({ root, specPath: join(root, 'spec.yaml'), overlayDir: resolve('spec/overlays'), docs: false });
    writeFiles(root, result.files);
    expect(readFileSync(join(root, 'generated', 'tools.ts'), 'utf8')).toContain('process.exit(7)');
    const module = (await import(pathToFileURL(join(root, 'generated', 'tools.ts')).href)) as { generatedTools: GeneratedToolSpec[] };
    expect(module.generatedTools.find((t) => t.name === 'read_account')?.description).toBe(trimDescription(payload, 200));
  });
});
