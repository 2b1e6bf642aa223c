/** Each PCA solver (pca-solvers.ts) against scikit-learn's PCA on the golden sets, and the solver choice. */
import { describe, expect, it } from 'vitest';
import { simpleReturns } from '../../plugins/quant/stats/describe.js';
import { pcaMethod, scaledPca } from '../../plugins/quant/stats/pca-solvers.js';
import { closes, golden, near, SETS } from '../helpers/golden.js';

describe.each(SETS)('data set %s', (set) => {
  const g = golden(set);
  const r = simpleReturns(g.symbols.map((s) => closes(set, s)));
  // The observations' Gram is T x T: set B's long history makes it slow, so it runs on set A only.
  it.each(set === 'A' ? (['full-eigen', 'subspace-iteration', 'gram-of-observations'] as const) : (['full-eigen', 'subspace-iteration'] as const))(
    '%s matches scikit-learn (ratios 1e-6, loadings up to sign 1e-5)',
    async (method) => {
      const k = 2;
      const ours = await scaledPca(r, k, method);
      expect(ours.method).toBe(method);
      expect(ours.components).toHaveLength(k);
      ours.explained_variance_ratio.forEach((v, i) => expect(near(v, g.pca.explained_variance_ratio[i]!, 1e-6), `${method} ratio ${i}`).toBe(true));
      ours.components.forEach((row, i) => {
        const ref = g.pca.components[i]!;
        const sign = Math.sign(row[0]!) === Math.sign(ref[0]!) ? 1 : -1;
        row.forEach((v, j) => expect(near(sign * v, ref[j]!, 1e-5), `${method} loading ${i},${j}`).toBe(true));
      });
    },
  );
});

describe('solver choice', () => {
  it('uses the observations Gram when T < N, subspace iteration for a few of many, the full solver otherwise', () => {
    expect(pcaMethod(1000, 250, 10)).toBe('gram-of-observations');
    expect(pcaMethod(1000, 2520, 10)).toBe('subspace-iteration');
    expect(pcaMethod(1000, 2520, 1000)).toBe('full-eigen');
    expect(pcaMethod(20, 2520, 5)).toBe('full-eigen');
  });
});
