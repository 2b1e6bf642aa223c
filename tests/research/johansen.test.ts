/**
 * Johansen beyond the statsmodels golden values (tests/research/stats.test.ts): the unrestricted-constant
 * case against R's urca::ca.jo (scripts/golden/johansen_urca.R), the deterministic case each det_order
 * computes and the table it uses, and degenerate inputs: collinear, constant and missing series.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StatsInputError } from '../../plugins/quant/stats/adf.js';
import { johansen, johansenTest, JOHANSEN_CASES } from '../../plugins/quant/stats/johansen.js';
import { closes, golden, GOLDEN_DIR, near, SETS } from '../helpers/golden.js';

type Stats = { eigenvalues: number[]; trace: number[]; max_eigen: number[] };
const urca = JSON.parse(readFileSync(`${GOLDEN_DIR}/johansen-urca.json`, 'utf8')) as {
  sets: Record<string, { symbols: string[]; cases: Record<string, Stats> }>;
};

describe.each(SETS)('set %s', (set) => {
  const ref = urca.sets[set]!;
  const logs = ref.symbols.map((s) => closes(set, s).map(Math.log));

  it.each([1, 2])('det_order 0 (unrestricted constant) equals urca ca.jo(ecdet="none", K=%i+1) to 1e-8', (k) => {
    const ours = johansenTest(logs, ref.symbols, 0, k);
    const r = ref.cases[`none|${k}`]!;
    ours.eigenvalues.forEach((v, i) => expect(near(v, r.eigenvalues[i]!, 1e-8), `eigenvalue ${i}: ${v} vs ${r.eigenvalues[i]}`).toBe(true));
    ours.trace_statistics.forEach((v, i) => expect(near(v, r.trace[i]!, 1e-8), `trace ${i}: ${v} vs ${r.trace[i]}`).toBe(true));
    ours.max_eigen_statistics.forEach((v, i) => expect(near(v, r.max_eigen[i]!, 1e-8), `max ${i}`).toBe(true));
  });

  it("det_order 1 (statsmodels' detrending) is close to, but not, urca's restricted trend (case 4), as documented", () => {
    const ours = johansenTest(logs, ref.symbols, 1, 1);
    const r = ref.cases['trend|1']!;
    const gaps = ours.trace_statistics.map((v, i) => Math.abs(v - r.trace[i]!) / r.trace[i]!);
    expect(Math.max(...gaps)).toBeGreaterThan(1e-6);
    expect(ours.deterministic.model).toMatch(/not equal/);
  });
});

describe('deterministic cases and tables', () => {
  it('each det_order names its textbook case and cites the critical-value table it uses', () => {
    const g = golden('A');
    const logs = g.symbols.slice(0, 3).map((s) => closes('A', s).map(Math.log));
    expect(JOHANSEN_CASES[-1].name).toBe('no constant');
    expect(JOHANSEN_CASES[0].name).toBe('unrestricted constant');
    expect(JOHANSEN_CASES[1].name).toBe('trend');
    for (const det of [-1, 0, 1] as const) {
      const r = johansenTest(logs, g.symbols.slice(0, 3), det, 1);
      expect(r.deterministic).toEqual(JOHANSEN_CASES[det]);
      expect(r.deterministic.critical_values).toMatch(/MacKinnon, Haug & Michelis \(1999/);
    }
    // The tables themselves: with one common trend left (last row), case 3 and case 5 are chi-squared(1)
    // quantiles and case 1 is not (MacKinnon-Haug-Michelis 1999).
    expect(johansenTest(logs, g.symbols.slice(0, 3), 0, 1).trace_critical_values.at(-1)).toEqual([2.7055, 3.8415, 6.6349]);
    expect(johansenTest(logs, g.symbols.slice(0, 3), -1, 1).trace_critical_values.at(-1)).toEqual([2.9762, 4.1296, 6.9406]);
    expect(johansenTest(logs, g.symbols.slice(0, 3), 1, 1).trace_critical_values.at(-1)).toEqual([2.7055, 3.8415, 6.6349]);
  });
});

describe('degenerate inputs', () => {
  const a = closes('A', 'KO');
  const c = closes('A', 'MRV');
  const wobble = (i: number) => 1e-9 * Math.sin(i * i * 0.37);
  const levels = (cols: number[][]) => cols[0]!.map((_, t) => cols.map((x) => x[t]!));

  it.each([
    ['raw prices, one series twice the other', [a, a.map((v) => 2 * v), c], 0],
    ['log prices, one series twice the other', [a.map(Math.log), a.map((v) => Math.log(2 * v)), c.map(Math.log)], 0],
    ['log prices without a constant', [a.map(Math.log), a.map((v) => Math.log(2 * v)), c.map(Math.log)], -1],
    ['nearly collinear (noise 1e-9)', [a, a.map((v, i) => 3 * v + 5 + wobble(i)), c], 1],
  ] as const)('%s: an error naming the two symbols', (_label, cols, det) => {
    expect(() => johansenTest(cols as unknown as number[][], ['KO', 'KO2', 'MRV'], det, 1)).toThrow(StatsInputError);
    expect(() => johansenTest(cols as unknown as number[][], ['KO', 'KO2', 'MRV'], det, 1)).toThrow(/^KO, KO2 are collinear/);
  });

  it('a sum of two others names all three', () => {
    expect(() => johansenTest([a, c, a.map((v, i) => v + c[i]!)], ['KO', 'MRV', 'SUM'], 0, 1)).toThrow(/^KO, MRV, SUM are collinear/);
  });

  it('an exact linear trend under det_order 1 is named', () => {
    expect(() => johansen(levels([a, a.map((_, i) => 0.5 * i), c]), 1, 1, ['KO', 'LINE', 'MRV'])).toThrow(/^LINE has no variation left/);
  });

  it('constant and all-missing series are left out with a note naming them; the rest is tested', () => {
    const r = johansenTest([a.map(Math.log), a.map(() => 4), c.map(Math.log), a.map(() => Number.NaN)], ['KO', 'FLAT', 'MRV', 'EMPTY'], 0, 1);
    expect(r.symbols).toEqual(['KO', 'MRV']);
    expect(r.notes.join(' ')).toMatch(/FLAT is constant \(4\)/);
    expect(r.notes.join(' ')).toMatch(/EMPTY has no values/);
    const direct = johansenTest([a.map(Math.log), c.map(Math.log)], ['KO', 'MRV'], 0, 1);
    expect(r.trace_statistics).toEqual(direct.trace_statistics);
    expect(r.trace_statistics.every(Number.isFinite)).toBe(true);
  });

  it('fewer than two varying series, or some missing values, is an error naming them', () => {
    expect(() => johansenTest([a, a.map(() => 4)], ['KO', 'FLAT'], 0, 1)).toThrow(/at least 2 series that vary; FLAT does not/);
    expect(() => johansenTest([a, c.map((v, i) => (i === 3 ? Number.NaN : v))], ['KO', 'GAPPY'], 0, 1)).toThrow(/GAPPY has 1 missing values/);
  });
});
