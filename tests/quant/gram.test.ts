/** XᵀX split between this thread and the helper worker equals the plain sums, for every shape of split. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { columnMatrix, crossProducts } from '../../plugins/quant/stats/gram.js';
import { kernelColumns, kernelMemoryOf, kernelResult, kernelRows } from '../../plugins/quant/stats/gram-kernel.js';
import { prng } from '../../src/sandbox/simulate.js';

function naive(data: Float64Array, p: number, n: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += data[i * n + t]! * data[j * n + t]!;
      out[i * p + j] = s;
    }
  return out;
}

describe('crossProducts', () => {
  // 130 and 67 leave remainders after the 4x4 blocks; 64 is the smallest shape sent to the helper.
  for (const [p, n] of [
    [130, 57],
    [67, 40],
    [64, 3],
    [10, 25],
  ] as const) {
    it(`${p} columns of ${n}: shared (helper) and private memory both equal the plain sums`, async () => {
      const next = prng(p * 1000 + n);
      const shared = columnMatrix(p, n);
      for (let k = 0; k < shared.length; k++) shared[k] = next() - 0.5;
      const expected = naive(shared, p, n);
      const fromShared = await crossProducts(shared, p, n);
      const fromPrivate = await crossProducts(Float64Array.from(shared), p, n);
      for (const got of [fromShared, fromPrivate]) {
        let worst = 0;
        for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(got[k]! - expected[k]!));
        expect(worst).toBeLessThan(1e-12);
      }
    });
  }

  it('large products run on both helpers, and concurrent calls each get their own answer', async () => {
    const make = (p: number, n: number, seed: number) => {
      const next = prng(seed);
      const d = columnMatrix(p, n);
      for (let k = 0; k < d.length; k++) d[k] = next() - 0.5;
      return d;
    };
    // 200² x 600 / 2 = 12M multiply-adds: over the threshold for taking both halves off this thread.
    const a = make(200, 600, 1);
    const b = make(132, 700, 2);
    const [ga, gb] = await Promise.all([crossProducts(a, 200, 600), crossProducts(b, 132, 700)]);
    for (const [got, expected] of [
      [ga, naive(a, 200, 600)],
      [gb, naive(b, 132, 700)],
    ] as const) {
      let worst = 0;
      for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(got[k]! - expected[k]!));
      expect(worst).toBeLessThan(1e-11);
    }
  });

  it('a script that awaits the helper gets its answer and then exits (the helper neither strands nor holds the process)', () => {
    const script = `import { columnMatrix, crossProducts } from ${JSON.stringify(new URL('../../plugins/quant/stats/gram.ts', import.meta.url).href)};
const d = columnMatrix(100, 10); d.fill(1);
const out = await crossProducts(d, 100, 10);
console.log(out[99 * 100 + 99], out[5]);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('10 10');
  });

  it('the committed SIMD kernel is the compile of gram-kernel.wat', () => {
    const run = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('column matrices live in a kernel memory, and the SIMD kernel by bands of rows equals the plain sums (odd lengths, p mod 4 rows)', () => {
    expect(kernelMemoryOf(columnMatrix(8, 3))).toBeDefined();
    for (const [p, n, bands] of [
      [13, 9, [0, 4, 13]],
      [103, 1031, [0, 72, 103]],
      [5, 1, [0, 5]],
    ] as const) {
      const next = prng(p + n);
      const data = kernelColumns(p, n)!;
      for (let k = 0; k < data.length; k++) data[k] = next() - 0.5;
      const memory = kernelMemoryOf(data)!;
      for (let b = 0; b + 1 < bands.length; b++) kernelRows(memory, p, n, bands[b]!, bands[b + 1]!);
      const got = kernelResult(memory, p, n);
      const expected = naive(data, p, n);
      let worst = 0;
      for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(got[k]! - expected[k]!));
      expect(worst).toBeLessThan(1e-12);
    }
  });
});
