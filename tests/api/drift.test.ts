/**
 * The real API drifts from its spec. Drifted responses reach the model intact (normalised where
 * that is safe), the drift is recorded in the result's metadata, and no call fails on it,
 * including the SDK client's own output-schema validation.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { META_DRIFT } from '../../src/api/api-tools.js';
import { toRfc3339 } from '../../src/api/normalize.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';

let recorder: Recorder;
let mcp: Connected;
beforeAll(async () => {
  recorder = await startRecorder();
  mcp = await connect({ env: testEnv(recorder.baseUrl) });
});
afterAll(async () => {
  await mcp.close();
  await recorder.close();
});

const ajv = new Ajv2020({ strict: false });

async function callWith(tool: string, args: Record<string, unknown>, path: string, body: unknown) {
  recorder.respond(path, () => ({ body }));
  const result = await mcp.client.callTool({ name: tool, arguments: args });
  const { tools } = await mcp.client.listTools();
  const outputSchema = tools.find((t) => t.name === tool)?.outputSchema;
  return { result, validOutput: outputSchema ? ajv.validate(outputSchema, result.structuredContent) : true };
}

describe('drifted responses', () => {
  it('booleans as strings, dicts as [], non-RFC-3339 dates, nulls, unknown enums and extra fields', async () => {
    const { result, validOutput } = await callWith('read_backtest', { projectId: 1, backtestId: 'b', include: ['full'] }, '/backtests/read', {
      backtest: {
        backtestId: 'b',
        completed: 'true',
        created: '2024-01-02 03:04:05',
        backtestStart: '1/2/2024 3:04:05 PM',
        status: 'Runtime Error: division by zero',
        runtimeStatistics: [],
        charts: [],
        error: null,
        progress: '0.45',
        brandNewField: { nested: [1, 2] },
      },
      success: true,
      debugging: false,
      newTopLevel: 'kept',
    });
    expect(result.isError).toBeFalsy();
    expect(validOutput).toBe(true);
    const backtest = (result.structuredContent as { backtest: Record<string, unknown> }).backtest;
    expect(backtest).toMatchObject({
      completed: true,
      created: '2024-01-02T03:04:05Z',
      backtestStart: '2024-01-02T15:04:05Z',
      status: 'Runtime Error: division by zero',
      runtimeStatistics: {},
      charts: {},
      error: null,
      progress: 0.45,
      brandNewField: { nested: [1, 2] },
    });
    expect(result.structuredContent).toMatchObject({ newTopLevel: 'kept' });
    const drift = (result._meta as Record<string, { count: number; items: { path: string; kind: string }[] }>)[META_DRIFT]!;
    const kinds = Object.fromEntries(drift.items.map((d) => [d.path, d.kind]));
    expect(kinds).toMatchObject({
      '/backtest/completed': 'type',
      '/backtest/created': 'date',
      '/backtest/runtimeStatistics': 'empty-array-for-object',
      '/backtest/error': 'null',
      '/backtest': 'extra',
      '/': 'extra',
    });
  });

  it('a boolean where the spec says the string "true" is kept as a boolean, an unknown enum passes through', async () => {
    const { result, validOutput } = await callWith('read_compile', { projectId: 1, compileId: 'c' }, '/compile/read', {
      compileId: 'c',
      state: 'Cancelled',
      logs: null,
      success: 'True',
    });
    expect(result.isError).toBeFalsy();
    expect(validOutput).toBe(true);
    expect(result.structuredContent).toMatchObject({ state: 'Cancelled', logs: null, success: true });
    const drift = (result._meta as Record<string, { items: { path: string; kind: string }[] }>)[META_DRIFT]!;
    expect(drift.items).toContainEqual(expect.objectContaining({ path: '/state', kind: 'enum' }));
  });

  it('a dict where the spec says a list is still accepted by the client (lenient output schema)', async () => {
    const { result, validOutput } = await callWith('list_backtests', { projectId: 1 }, '/backtests/list', {
      backtests: { b1: { name: 'x' } },
      count: '1',
      success: true,
    });
    expect(result.isError).toBeFalsy();
    expect(validOutput).toBe(true);
    expect(result.structuredContent).toMatchObject({ backtests: { b1: { name: 'x' } }, count: 1 });
  });

  it('string booleans and numbers inside nested objects, unix dates, {} for a list', async () => {
    const { result, validOutput } = await callWith('read_project', { projectId: 1 }, '/projects/read', {
      projects: [{ projectId: '42', name: 'p', liveForm: { notifyInsights: true, autoRestart: 'false' }, modified: 1704164645 }],
      versions: {},
      success: true,
    });
    expect(result.structuredContent).toMatchObject({ versions: [] });
    expect(result.isError).toBeFalsy();
    expect(validOutput).toBe(true);
    expect((result.structuredContent as { projects: Record<string, unknown>[] }).projects[0]).toMatchObject({
      projectId: 42,
      liveForm: { notifyInsights: true, autoRestart: 'false' },
      modified: '2024-01-02T03:04:05Z',
    });
  });

  it('success:false with errors becomes an isError result carrying the errors', async () => {
    const { result } = await callWith('read_backtest', { projectId: 1, backtestId: 'nope' }, '/backtests/read', {
      success: false,
      errors: ['Backtest not found.'],
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('Backtest not found.');
  });

  it('answers that are not JSON are an isError, not a crash', async () => {
    recorder.respond('/account/read', () => ({ raw: '<html>Bad gateway</html>' }));
    const result = await mcp.client.callTool({ name: 'read_account', arguments: {} });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('not JSON');
  });
});

describe('date normalisation', () => {
  it.each([
    ['2024-01-02 03:04:05', '2024-01-02T03:04:05Z'],
    ['2024-01-02', '2024-01-02T00:00:00Z'],
    ['12/31/2023 11:59:59 PM', '2023-12-31T23:59:59Z'],
    ['12/31/2023 12:00:00 AM', '2023-12-31T00:00:00Z'],
    [1704164645, '2024-01-02T03:04:05Z'],
    ['2024-02-30 00:00:00', undefined],
    ['yesterday', undefined],
  ])('%s -> %s', (input, expected) => expect(toRfc3339(input)).toBe(expected));
});
