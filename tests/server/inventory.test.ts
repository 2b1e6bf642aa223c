/**
 * Invariants over every tool (generated and plugin alike), one snapshot per tool of its public
 * surface, and the context cost of tools/list.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationsFor } from '../../src/tool/annotations.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { allEnabledOverlay } from '../helpers/overlay.js';

const SNAP_DIR = 'tests/__toolsnaps__';
const UPDATE = process.env.UPDATE_TOOLSNAPS === '1' && process.env.CI !== 'true';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

const tokens = (tools: Tool[]): number => JSON.stringify({ tools }).length / 4;

let all: Connected;
let defaults: Connected;
let allTools: Tool[];
beforeAll(async () => {
  all = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_TOOLS: allEnabledOverlay() }) });
  defaults = await connect({ env: testEnv('http://127.0.0.1:9/api/v2') });
  allTools = (await all.client.listTools()).tools;
});
afterAll(async () => {
  await all.close();
  await defaults.close();
});

describe('every tool', () => {
  it('has a valid unique name, a title, a description, and an object input schema without top-level oneOf/anyOf/allOf', () => {
    const names = new Set<string>();
    for (const tool of allTools) {
      expect(tool.name).toMatch(/^[A-Za-z0-9_.-]{1,128}$/);
      expect(names.has(tool.name), tool.name).toBe(false);
      names.add(tool.name);
      expect(tool.title?.length, tool.name).toBeGreaterThan(0);
      expect(tool.description?.trim().length, tool.name).toBeGreaterThan(10);
      expect(tool.inputSchema.type).toBe('object');
      for (const key of ['oneOf', 'anyOf', 'allOf']) expect(tool.inputSchema, `${tool.name} ${key}`).not.toHaveProperty(key);
      if (tool.outputSchema) expect(tool.outputSchema.type).toBe('object');
    }
    expect(names.size).toBe(65 + 36); // the official 64 + read_backtest_report, 10 research, 5 portfolio, 4 universe, 6 workflow, 2 auth, 6 studies tools, read_guard_status, live_overview and wait_for_job
  });

  it('has annotations derived from its risk class, never hand-written', () => {
    for (const tool of allTools) {
      const definition = all.runtime.registry.all().find((t) => t.name === tool.name)!;
      expect(tool.annotations, tool.name).toEqual(annotationsFor(definition.risk, definition.openWorld));
      expect(tool.title).toBe(definition.title);
      if (definition.risk === 'read') expect(tool.annotations?.readOnlyHint).toBe(true);
      else expect(tool.annotations?.readOnlyHint, tool.name).toBeUndefined();
      if (definition.risk === 'destructive' || definition.risk === 'financial') expect(tool.annotations?.destructiveHint).toBe(true);
    }
  });

  it('matches its snapshot in tests/__toolsnaps__ (UPDATE_TOOLSNAPS=1 writes new ones outside CI)', () => {
    mkdirSync(SNAP_DIR, { recursive: true });
    const problems: string[] = [];
    for (const tool of allTools) {
      const file = join(SNAP_DIR, `${tool.name}.json`);
      const current = `${JSON.stringify(sortKeys(tool), null, 2)}\n`;
      if (!existsSync(file) || UPDATE) {
        if (UPDATE) writeFileSync(file, current);
        else problems.push(`${file} is missing: run UPDATE_TOOLSNAPS=1 npx vitest run tests/runtime/inventory.test.ts and review the diff`);
        continue;
      }
      if (readFileSync(file, 'utf8') !== current) problems.push(`${file} differs from the tool's surface: review, then UPDATE_TOOLSNAPS=1 to accept`);
    }
    expect(problems).toEqual([]);
  });
});

describe('context cost of tools/list (chars / 4)', () => {
  it('out of the box: under 10k tokens, with the workflow tools present', async () => {
    const { tools } = await defaults.client.listTools();
    expect(tokens(tools)).toBeLessThan(10_000);
    for (const name of [
      'create_project',
      'create_file',
      'patch_file',
      'create_compile',
      'read_compile',
      'create_backtest',
      'read_backtest',
      'read_backtest_orders',
    ]) {
      expect(tools.map((t) => t.name)).toContain(name);
    }
  });

  it('with every tool enabled: under 20k tokens', () => {
    expect(tokens(allTools)).toBeLessThan(20_000);
  });

  it('out of the box, financial and critical tools are neither listed nor callable', async () => {
    const { tools } = await defaults.client.listTools();
    for (const name of ['create_live_algorithm', 'liquidate_live_algorithm', 'create_live_command', 'broadcast_live_command']) {
      expect(tools.map((t) => t.name)).not.toContain(name);
      const result = await defaults.client.callTool({ name, arguments: { projectId: 1 } });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toContain('disabled');
    }
  });
});
