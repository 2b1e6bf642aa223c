/** The XᵀX correlation path (correlation.ts): pandas' values on the golden sets, the helper-thread path on wide inputs, and the bounded pair selection. */
import { describe, expect, it } from 'vitest';
import { correlationMatrix, extremePairs, rankInto } from '../../plugins/quant/stats/correlation.js';
import { pearsonMatrix, ranks, simpleReturns } from '../../plugins/quant/stats/describe.js';
import { prng } from '../../src/sandbox/simulate.js';
import { closes, golden, near, SETS } from '../helpers/golden.js';

describe.each(SETS)('data set %s', (set) => {
  const g = golden(set);
  const r = simpleReturns(g.symbols.map((s) => closes(set, s)));
  it.each(['pearson', 'spearman'] as const)('%s matrix matches pandas', async (method) => {
    const p = r.length;
    const m = await correlationMatrix(r, method);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) expect(near(m[i * p + j]!, g.correlation[method][i]![j]!, 1e-9), `${i},${j}`).toBe(true);
  });
});

describe('wide inputs (the helper thread takes half of the rows)', () => {
  const next = prng(21);
  const columns = Array.from({ length: 130 }, () => Array.from({ length: 250 }, () => Math.round((next() - 0.5) * 40) / 1000));
  it('pearson and spearman equal the per-pair loop on the same columns', async () => {
    for (const method of ['pearson', 'spearman'] as const) {
      const ours = await correlationMatrix(columns, method);
      const loop = pearsonMatrix(method === 'spearman' ? columns.map((c) => ranks(c)) : columns);
      for (let i = 0; i < 130; i++) for (let j = 0; j < 130; j++) expect(Math.abs(ours[i * 130 + j]! - loop[i]![j]!)).toBeLessThan(1e-12);
    }
  });
  it('ranks average ties exactly as the sort-based ranks', () => {
    for (const c of columns.slice(0, 10)) {
      const out = new Float64Array(c.length);
      rankInto(c, out);
      expect(Array.from(out)).toEqual(Array.from(ranks(c)));
    }
  });
});

describe('extremePairs', () => {
  it('gives the head and reversed tail of a stable descending sort of all pairs, ties included, NaN skipped', () => {
    const next = prng(7);
    for (const p of [2, 3, 4, 9, 40]) {
      for (const k of [1, 5, 12]) {
        const m = new Float64Array(p * p);
        for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) m[i * p + j] = m[j * p + i] = next() < 0.05 ? Number.NaN : Math.round(next() * 8) / 8;
        const pairs: { i: number; j: number; value: number }[] = [];
        for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) if (!Number.isNaN(m[i * p + j])) pairs.push({ i, j, value: m[i * p + j]! });
        pairs.sort((x, y) => y.value - x.value);
        const { most, least } = extremePairs(m, p, k);
        expect(most).toEqual(pairs.slice(0, k));
        expect(least).toEqual(pairs.slice(-k).reverse());
      }
    }
  });
});
