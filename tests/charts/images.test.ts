/**
 * Pictures: the tear sheet from a sandbox backtest over real HTTP, and the research plots from the
 * golden data, are real PNGs that are not blank; one golden image per chart type is matched within
 * a tolerance (UPDATE_GOLDEN_IMAGES=1 rewrites them outside CI, then review the diff).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPng } from '../../src/charts/render.js';
import { tearSheet, tearSheetSpec } from '../../plugins/workflows/tearsheet.js';
import { prng } from '../../src/sandbox/simulate.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';
import { FAST_TIMING, sandboxSession, type SandboxSession } from '../helpers/sandbox.js';

const IMAGES = 'tests/fixtures/images';
const UPDATE = process.env.UPDATE_GOLDEN_IMAGES === '1' && !process.env.CI;
const open: (Connected | SandboxSession)[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});

/** Decoded, with the share of non-white pixels and the number of distinct colours. */
function inspect(png: Buffer) {
  const image = PNG.sync.read(png);
  let ink = 0;
  const colours = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
    if (r < 245 || g < 245 || b < 245) ink++;
    colours.add((r << 16) | (g << 8) | b);
  }
  return { image, ink: ink / (image.width * image.height), colours: colours.size };
}

function expectPicture(png: Buffer, minWidth: number, minHeight: number) {
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  const { image, ink, colours } = inspect(png);
  expect(image.width).toBeGreaterThanOrEqual(minWidth);
  expect(image.height).toBeGreaterThanOrEqual(minHeight);
  expect(png.length).toBeGreaterThan(10_000);
  expect(ink).toBeGreaterThan(0.03); // not blank
  expect(colours).toBeGreaterThan(30);
}

/** Same size, and under 0.5% of pixels off by more than 40 in a channel. */
function expectLikeGolden(png: Buffer, name: string) {
  const file = join(IMAGES, `${name}.png`);
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`${file} is missing: run UPDATE_GOLDEN_IMAGES=1 npx vitest run tests/charts and review it`);
    writeFileSync(file, png);
    return;
  }
  const golden = PNG.sync.read(readFileSync(file));
  const ours = PNG.sync.read(png);
  expect([ours.width, ours.height]).toEqual([golden.width, golden.height]);
  let off = 0;
  for (let i = 0; i < ours.data.length; i += 4) {
    const d = Math.max(
      Math.abs(ours.data[i]! - golden.data[i]!),
      Math.abs(ours.data[i + 1]! - golden.data[i + 1]!),
      Math.abs(ours.data[i + 2]! - golden.data[i + 2]!),
    );
    if (d > 40) off++;
  }
  expect(off / (ours.width * ours.height)).toBeLessThan(0.005);
}

const imageOf = (content: unknown): Buffer => {
  const block = (content as { type: string; data?: string; mimeType?: string }[]).find((c) => c.type === 'image');
  expect(block?.mimeType).toBe('image/png');
  return Buffer.from(block!.data!, 'base64');
};

describe('tear sheet', () => {
  it('renders from a sandbox backtest over HTTP, with the figures as structured content', async () => {
    const s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay() });
    open.push(s);
    const created = await s.client.callTool({ name: 'create_project', arguments: { name: 'tear sheet', language: 'Py' } });
    const projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
    const run = await s.client.callTool({ name: 'compile_and_backtest', arguments: { projectId } });
    const backtestId = (run.structuredContent as { backtestId: string }).backtestId;
    const r = await s.client.callTool({ name: 'backtest_tear_sheet', arguments: { projectId, backtestId } });
    expect(r.isError).toBeFalsy();
    const figures = r.structuredContent as { total_return: number; max_drawdown: number; monthly_returns: unknown[]; days: number };
    expect(figures.max_drawdown).toBeLessThanOrEqual(0);
    expect(figures.monthly_returns.length).toBeGreaterThan(3);
    expectPicture(imageOf(r.content), 600, 500);
  });

  it('starts from the starting equity, is stamped SIMULATED for a sandbox backtest, and refuses unfinished or errored backtests', async () => {
    const s = await sandboxSession({ timing: { ...FAST_TIMING, backtestRunMs: 1500 } }, { QC_MCP_TOOLS: unrestrictedOverlay() });
    open.push(s);
    const call = async (name: string, args: Record<string, unknown>) => {
      const r = await s.client.callTool({ name, arguments: args });
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
      return r;
    };
    const project = async (main?: string) => {
      const created = await call('create_project', { name: `tear ${Math.random()}`, language: 'Py' });
      const projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
      if (main) await call('update_file_contents', { projectId, name: 'main.py', content: main });
      return projectId;
    };
    // Unfinished: a clear message, not a chart.
    const slowProject = await project();
    const compile = (await call('create_compile', { projectId: slowProject })).structuredContent as { compileId: string };
    await call('wait_for_compile', { projectId: slowProject, compileId: compile.compileId });
    const started = (await call('create_backtest', { projectId: slowProject, compileId: compile.compileId, backtestName: 'slow' })).structuredContent as {
      backtestId?: string;
      backtest?: { backtestId: string };
    };
    const slowId = started.backtestId ?? started.backtest!.backtestId;
    const early = await s.client.callTool({ name: 'backtest_tear_sheet', arguments: { projectId: slowProject, backtestId: slowId } });
    expect(early.isError).toBe(true);
    expect(JSON.stringify(early.content)).toMatch(/has not finished .*wait_for_backtest/);
    expect((early.content as { type: string }[]).some((c) => c.type === 'image')).toBe(false);
    // Errored: the runtime error, not a chart.
    const boom = await project('from AlgorithmImports import *\nclass Boom(QCAlgorithm):\n    def initialize(self):\n        raise KeyError("SPY")\n');
    const failed = (await call('compile_and_backtest', { projectId: boom })).structuredContent as { backtestId: string };
    const errored = await s.client.callTool({ name: 'backtest_tear_sheet', arguments: { projectId: boom, backtestId: failed.backtestId } });
    expect(errored.isError).toBe(true);
    expect(JSON.stringify(errored.content)).toMatch(/ended with a runtime error, so there is no tear sheet: Runtime Error: KeyError/);
    // Finished: returns from the starting equity (100,000), so the total return is End Equity / Start Equity - 1.
    const fine = await project();
    const run = (await call('compile_and_backtest', { projectId: fine })).structuredContent as { backtestId: string };
    const read = (
      (await call('read_backtest', { projectId: fine, backtestId: run.backtestId, include: ['statistics'] })).structuredContent as {
        backtest: { statistics: Record<string, string> };
      }
    ).backtest;
    const r = await call('backtest_tear_sheet', { projectId: fine, backtestId: run.backtestId });
    const figures = r.structuredContent as { total_return: number; starting_equity: number; simulated: boolean; monthly_returns: { return: number }[] };
    expect(figures.starting_equity).toBe(100_000);
    expect(Number(read.statistics['Start Equity'])).toBe(100_000);
    expect(Math.abs(figures.total_return - (Number(read.statistics['End Equity']) / 100_000 - 1))).toBeLessThan(1e-9);
    expect(figures.simulated).toBe(true);
    expect((r.content as { text?: string }[])[0]!.text).toMatch(/^SIMULATED/);
    const png = PNG.sync.read(imageOf(r.content));
    let red = 0;
    for (let y = 0; y < 45; y++)
      for (let x = 0; x < png.width; x++) if (png.data[(y * png.width + x) * 4]! > 150 && png.data[(y * png.width + x) * 4 + 1]! < 100) red++;
    expect(red, 'the SIMULATED stamp under the title').toBeGreaterThan(100);
  });

  it('matches the golden image on generated data', async () => {
    const next = prng(7);
    let equity = 100_000;
    let bench = 100;
    const start = Date.UTC(2021, 0, 4);
    const days = Array.from({ length: 500 }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
    const e = days.map((date) => ({ date, value: (equity *= 1 + 0.0005 + 0.012 * (next() - 0.5)) }));
    const b = days.map((date) => ({ date, value: (bench *= 1 + 0.0003 + 0.01 * (next() - 0.5)) }));
    const { series } = tearSheet(e, b);
    const png = await renderPng(tearSheetSpec('Generated backtest', series));
    expectPicture(png, 600, 500);
    expectLikeGolden(png, 'tear-sheet');
  });
});

describe('research plots', () => {
  it('a correlation heatmap and a cointegration spread with z-score bands, from the golden data', async () => {
    const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: `csv:${resolve(GOLDEN_DIR, 'A')}` }) });
    open.push(c);
    const range = { start_date: '2023-01-01', end_date: '2024-12-31' };
    const corr = await c.client.callTool({
      name: 'calculate_correlation_matrix',
      arguments: { symbols: ['KO', 'PEP', 'MRV', 'QQQ', 'XLE', 'SPY'], plot: true, ...range },
    });
    expect(corr.isError).toBeFalsy();
    const heatmap = imageOf(corr.content);
    expectPicture(heatmap, 200, 200);
    expectLikeGolden(heatmap, 'correlation');
    const coint = await c.client.callTool({ name: 'test_cointegration', arguments: { symbol1: 'KO', symbol2: 'PEP', plot: true, ...range } });
    const spread = imageOf(coint.content);
    expectPicture(spread, 600, 200);
    expectLikeGolden(spread, 'spread');
    const plain = await c.client.callTool({ name: 'test_cointegration', arguments: { symbol1: 'KO', symbol2: 'PEP', ...range } });
    expect((plain.content as { type: string }[]).some((x) => x.type === 'image')).toBe(false);
  });
});
