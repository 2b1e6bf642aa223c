/**
 * Distance correlation against R's energy package (scripts/golden/dcor_golden.R): every pair of the
 * golden sets, identity, scale and shift invariance, ties, a non-linear relation; the O(n log n)
 * algorithm against the O(n²) definition on small inputs; and 100,000 rows.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { biasCorrectedDistanceCorrelation, distanceCorrelation, distanceCorrelationNaive } from '../../plugins/quant/stats/dcor.js';
import { distanceCorrelationMatrix } from '../../plugins/quant/stats/dcor-matrix.js';
import { distanceCorrelation as exported } from '../../plugins/quant/stats/describe.js';
import { simpleReturns } from '../../plugins/quant/stats/describe.js';
import { closes, GOLDEN_DIR } from '../helpers/golden.js';

interface EnergySet {
  symbols: string[];
  dcor: number[][];
  bcdcor: number[][];
  self: number;
  scaled: number;
  shifted_scaled: number;
  ties: { rounded_decimals: number; dcor: number; bcdcor: number };
}
const energy = JSON.parse(readFileSync(`${GOLDEN_DIR}/dcor-energy.json`, 'utf8')) as {
  sets: Record<string, EnergySet>;
  nonlinear: { x: number[]; y: number[]; pearson: number; dcor: number; bcdcor: number };
};

describe.each(Object.keys(energy.sets))('set %s against energy::dcor and energy::bcdcor', (set) => {
  const ref = energy.sets[set]!;
  const r = simpleReturns(ref.symbols.map((s) => closes(set, s)));

  it('every pair equals energy::dcor and energy::bcdcor to 1e-10', () => {
    for (let i = 0; i < r.length; i++) {
      for (let j = 0; j < r.length; j++) {
        expect(Math.abs(distanceCorrelation(r[i]!, r[j]!) - ref.dcor[i]![j]!), `${ref.symbols[i]}/${ref.symbols[j]}`).toBeLessThan(1e-10);
        expect(Math.abs(biasCorrectedDistanceCorrelation(r[i]!, r[j]!) - ref.bcdcor[i]![j]!), `bc ${ref.symbols[i]}/${ref.symbols[j]}`).toBeLessThan(1e-10);
      }
    }
  });

  it('is 1 for a series against itself and against a scaled copy, and unchanged by scale and shift', () => {
    const [a, b] = [r[0]!, r[1]!];
    expect(ref.self).toBe(1);
    expect(Math.abs(distanceCorrelation(a, a) - 1)).toBeLessThan(1e-12);
    expect(
      Math.abs(
        distanceCorrelation(
          a,
          a.map((v) => 10 * v),
        ) - ref.scaled,
      ),
    ).toBeLessThan(1e-12);
    expect(
      Math.abs(
        distanceCorrelation(
          a,
          b.map((v) => 0.5 + 3 * v),
        ) - ref.shifted_scaled,
      ),
    ).toBeLessThan(1e-10);
    expect(
      Math.abs(
        distanceCorrelation(
          a.map((v) => 10 * v),
          b,
        ) - distanceCorrelation(a, b),
      ),
    ).toBeLessThan(1e-12);
  });

  it('handles ties (returns rounded to 3 decimals)', () => {
    const rounded = r[0]!.map((v) => Number(v.toFixed(ref.ties.rounded_decimals)));
    expect(Math.abs(distanceCorrelation(rounded, r[1]!) - ref.ties.dcor)).toBeLessThan(1e-10);
    expect(Math.abs(biasCorrectedDistanceCorrelation(rounded, r[1]!) - ref.ties.bcdcor)).toBeLessThan(1e-10);
  });
});

describe('distance correlation', () => {
  it('sees a non-linear relation Pearson misses, as energy::dcor does (1,500 points)', () => {
    const { x, y, pearson, dcor, bcdcor } = energy.nonlinear;
    expect(Math.abs(pearson)).toBeLessThan(0.1);
    expect(dcor).toBeGreaterThan(0.4);
    expect(Math.abs(distanceCorrelation(x, y) - dcor)).toBeLessThan(1e-10);
    expect(Math.abs(biasCorrectedDistanceCorrelation(x, y) - bcdcor)).toBeLessThan(1e-10);
  });

  it('the O(n log n) algorithm equals the O(n²) definition on small inputs, ties included', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
    for (const n of [2, 3, 5, 17, 64, 200]) {
      for (let rep = 0; rep < 5; rep++) {
        const x = Array.from({ length: n }, rand);
        const y = rep % 2 === 0 ? x.map((v) => Math.sin(4 * v) + 0.3 * rand()) : x.map(() => Math.round(rand() * 4)); // the odd ones are all ties
        expect(Math.abs(distanceCorrelation(x, y) - distanceCorrelationNaive(x, y)), `n=${n} rep=${rep}`).toBeLessThan(1e-12);
      }
    }
  });

  it('keeps the exported signature of describe.ts, and a constant series gives 0', () => {
    expect(exported).toBe(distanceCorrelation);
    expect(distanceCorrelation([1, 2, 3, 4], [5, 5, 5, 5])).toBe(0);
    expect(distanceCorrelationNaive([1, 2, 3, 4], [5, 5, 5, 5])).toBe(0);
  });

  it('runs on 100,000 rows: 1 against a scaled copy, near 0 for independent series', () => {
    let seed = 99;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
    const x = Float64Array.from({ length: 100_000 }, rand);
    const y = Float64Array.from({ length: 100_000 }, rand);
    expect(
      Math.abs(
        distanceCorrelation(
          x,
          x.map((v) => 7 * v - 2),
        ) - 1,
      ),
    ).toBeLessThan(1e-9);
    expect(distanceCorrelation(x, y)).toBeLessThan(0.02);
  });
});

describe('the distance-correlation matrix on the worker pool', () => {
  it('equals the pairwise statistic for every pair (40 series x 600 rows, spread over the pool)', async () => {
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
    const base = Float64Array.from({ length: 600 }, rand);
    const series = Array.from({ length: 40 }, (_, i) => base.map((v) => (i % 3 === 0 ? v * v : v) + (0.2 + i / 40) * rand()));
    const m = await distanceCorrelationMatrix(series, new AbortController().signal);
    for (let i = 0; i < 40; i++) {
      expect(m[i * 40 + i]).toBe(1);
      for (let j = i + 1; j < 40; j++) {
        const want = distanceCorrelation(series[i]!, series[j]!);
        expect([m[i * 40 + j], m[j * 40 + i]]).toEqual([want, want]);
      }
    }
  });
});
