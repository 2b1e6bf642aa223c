/** Golden tests: our statistics against statsmodels, scikit-learn and pandas, on two data sets of different shapes. */
import { describe, expect, it } from 'vitest';
import { adfuller, engleGranger } from '../../plugins/quant/stats/adf.js';
import { closes, golden, near, SETS } from '../helpers/golden.js';

describe.each(SETS)('data set %s', (set) => {
  const g = golden(set);
  const log = (s: string) => closes(set, s).map(Math.log);

  it.each(g.symbols)('ADF on log prices of %s matches statsmodels adfuller(regression="c", autolag="AIC")', (symbol) => {
    const ours = adfuller(log(symbol), 'c');
    const ref = g.adf[symbol]!;
    expect(ours.used_lag).toBe(ref.used_lag);
    expect(ours.n_obs).toBe(ref.n_obs);
    expect(near(ours.statistic, ref.statistic, 1e-6), `${ours.statistic} vs ${ref.statistic}`).toBe(true);
    expect(Math.abs(ours.p_value - ref.p_value)).toBeLessThan(1e-4);
    for (const k of ['1%', '5%', '10%'] as const) expect(near(ours.critical_values[k], ref.critical_values[k]!, 1e-9)).toBe(true);
  });

  it.each(Object.keys(g.coint))('Engle-Granger %s matches statsmodels coint(trend="c", autolag="aic")', (key) => {
    const [a, b, transform] = key.split('|') as [string, string, string];
    const series = (s: string) => (transform === 'log' ? log(s) : closes(set, s));
    const ours = engleGranger(series(a), series(b));
    const ref = g.coint[key]!;
    expect(near(ours.statistic, ref.statistic, 1e-6), `${ours.statistic} vs ${ref.statistic}`).toBe(true);
    expect(Math.abs(ours.p_value - ref.p_value)).toBeLessThan(1e-4);
    expect(near(ours.hedge_ratio, ref.hedge_ratio, 1e-8)).toBe(true);
    for (const k of ['1%', '5%', '10%'] as const) expect(near(ours.critical_values[k], ref.critical_values[k]!, 1e-9)).toBe(true);
    if (ref.half_life === null) expect(ours.half_life).toBeNull();
    else expect(near(ours.half_life!, ref.half_life, 1e-6)).toBe(true);
  });
});

import { johansen } from '../../plugins/quant/stats/johansen.js';
import { distanceCorrelation, hurst, pca, pearsonMatrix, ranks, simpleReturns } from '../../plugins/quant/stats/describe.js';
import { halfLife } from '../../plugins/quant/stats/adf.js';

describe.each(SETS)('data set %s, continued', (set) => {
  const g = golden(set);
  const log = (s: string) => closes(set, s).map(Math.log);

  it.each(g.symbols)('half-life and Hurst of %s follow the stated definitions', (symbol) => {
    const ref = g.adf[symbol]!;
    if (ref.half_life === null) expect(halfLife(log(symbol))).toBeNull();
    else expect(near(halfLife(log(symbol))!, ref.half_life, 1e-6)).toBe(true);
    expect(near(hurst(log(symbol)), ref.hurst, 1e-9)).toBe(true);
  });

  it.each(Object.keys(g.johansen))('Johansen (det_order|k_ar_diff = %s) matches statsmodels coint_johansen', (key) => {
    const [det, k] = key.split('|').map(Number) as [-1 | 0 | 1, number];
    const three = g.symbols.slice(0, 3);
    const levels = log(three[0]!).map((_, t) => three.map((s) => log(s)[t]!));
    const ours = johansen(levels, det, k);
    const ref = g.johansen[key]!;
    ours.eigenvalues.forEach((v, i) => expect(near(v, ref.eigenvalues[i]!, 1e-6)).toBe(true));
    ours.trace_statistics.forEach((v, i) => expect(near(v, ref.trace[i]!, 1e-6), `${v} vs ${ref.trace[i]}`).toBe(true));
    ours.max_eigen_statistics.forEach((v, i) => expect(near(v, ref.max_eigen[i]!, 1e-6)).toBe(true));
    expect(ours.trace_critical_values).toEqual(ref.trace_cv);
    expect(ours.max_eigen_critical_values).toEqual(ref.max_eigen_cv);
    // Eigenvectors are defined up to sign.
    for (let c = 0; c < three.length; c++) {
      const sign = Math.sign(ours.eigenvectors[0]![c]!) === Math.sign(ref.eigenvectors[0]![c]!) ? 1 : -1;
      for (let r = 0; r < three.length; r++) expect(near(sign * ours.eigenvectors[r]![c]!, ref.eigenvectors[r]![c]!, 1e-5)).toBe(true);
    }
  });

  const returns = () => simpleReturns(g.symbols.map((s) => closes(set, s)));

  it('PCA explained variance matches scikit-learn; loadings match up to sign', async () => {
    const ours = await pca(returns());
    ours.explained_variance_ratio.forEach((v, i) => expect(near(v, g.pca.explained_variance_ratio[i]!, 1e-6)).toBe(true));
    ours.components.slice(0, 3).forEach((row, i) => {
      const ref = g.pca.components[i]!;
      const sign = Math.sign(row[0]!) === Math.sign(ref[0]!) ? 1 : -1;
      row.forEach((v, j) => expect(near(sign * v, ref[j]!, 1e-5)).toBe(true));
    });
  });

  it('Pearson and Spearman match pandas; distance correlation matches the Szekely reference', () => {
    const r = returns();
    const pearson = pearsonMatrix(r);
    const spearman = pearsonMatrix(r.map((column) => ranks(column)));
    for (let i = 0; i < r.length; i++) {
      for (let j = 0; j < r.length; j++) {
        expect(near(pearson[i]![j]!, g.correlation.pearson[i]![j]!, 1e-9)).toBe(true);
        expect(near(spearman[i]![j]!, g.correlation.spearman[i]![j]!, 1e-9)).toBe(true);
        if (j >= i) expect(near(distanceCorrelation(r[i]!, r[j]!), g.correlation.distance[i]![j]!, 1e-9)).toBe(true);
      }
    }
  });
});
