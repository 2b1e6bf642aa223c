/** Golden tests: our statistics against statsmodels, scikit-learn and pandas, on two data sets of different shapes. */
import { describe, expect, it } from 'vitest';
import { adfuller, engleGranger } from '../../plugins/research/stats/adf.js';
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
