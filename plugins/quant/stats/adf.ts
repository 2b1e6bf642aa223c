/**
 * Augmented Dickey-Fuller and Engle-Granger, defined as statsmodels defines them:
 * - maxlag = ceil(12 (n/100)^(1/4)), capped at n/2 - ntrend - 1;
 * - lag order chosen by AIC, every order fitted on the same sample (the one maxlag leaves);
 * - the chosen order refitted on all the observations it allows; the statistic is the t-value of
 *   the lagged level; p-value and critical values from MacKinnon's response surfaces.
 * Engle-Granger: OLS of y on [x, const], then ADF without a constant on the residuals; p-value and
 * critical values for two variables with a constant.
 */
import { llf, nestedOls, ols, prefixRss, solvePrefix } from './ols.js';
import { mackinnonCrit, mackinnonP, type Regression } from './mackinnon.js';

export interface AdfResult {
  statistic: number;
  p_value: number;
  used_lag: number;
  n_obs: number;
  critical_values: { '1%': number; '5%': number; '10%': number };
  aic: number;
}

export class StatsInputError extends Error {
  override name = 'StatsInputError';
}

/** Design for lag order k over the last m observations of diff(x): [level, diff lags 1..k] (+ const first when trend). */
function design(x: Float64Array, lags: number, m: number, withConst: boolean): { X: Float64Array; y: Float64Array; p: number } {
  const n = x.length;
  const p = lags + 1 + (withConst ? 1 : 0);
  const X = new Float64Array(m * p);
  const y = new Float64Array(m);
  // Row r corresponds to diff index t = (n - 1 - m) + r, i.e. dx_t = x[t+1] - x[t].
  for (let r = 0; r < m; r++) {
    const t = n - 1 - m + r;
    y[r] = (x[t + 1] as number) - (x[t] as number);
    let c = 0;
    if (withConst) X[r * p + c++] = 1;
    X[r * p + c++] = x[t] as number;
    for (let j = 1; j <= lags; j++) X[r * p + c++] = (x[t - j + 1] as number) - (x[t - j] as number);
  }
  return { X, y, p };
}

export function adfuller(series: ArrayLike<number>, regression: 'c' | 'n' = 'c', maxlagOverride?: number): AdfResult {
  const x = Float64Array.from(series);
  const n = x.length;
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    if (!Number.isFinite(v)) throw new StatsInputError('the series has missing or non-finite values');
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (max === min) throw new StatsInputError('the series is constant');
  const ntrend = regression === 'c' ? 1 : 0;
  const withConst = regression === 'c';
  let maxlag = maxlagOverride ?? Math.ceil(12 * (n / 100) ** 0.25);
  maxlag = Math.min(Math.floor(n / 2) - ntrend - 1, maxlag);
  if (maxlag < 0) throw new StatsInputError('the sample is too short for the test');

  // Lag search: every order on the same m = n - 1 - maxlag rows; AIC = -2 llf + 2 k.
  const mSearch = n - 1 - maxlag;
  const full = design(x, maxlag, mSearch, withConst);
  const fit = nestedOls(full.X, full.y, mSearch, full.p);
  const startCols = ntrend + 1;
  let bestLag = 0;
  let bestAic = Infinity;
  for (let lag = 0; lag <= maxlag; lag++) {
    const k = startCols + lag;
    const aic = -2 * llf(prefixRss(fit, k), mSearch) + 2 * k;
    // Strictly smaller wins, so ties go to the shorter lag (as min over (aic, lag) does).
    if (aic < bestAic) {
      bestAic = aic;
      bestLag = lag;
    }
  }
  // Refit the chosen order on every row it allows.
  const m = n - 1 - bestLag;
  const final = design(x, bestLag, m, withConst);
  const result = solvePrefix(nestedOls(final.X, final.y, m, final.p), final.p);
  const levelIndex = withConst ? 1 : 0;
  const statistic = (result.beta[levelIndex] as number) / (result.se[levelIndex] as number);
  return {
    statistic,
    p_value: mackinnonP(statistic, regression as Regression, 1),
    used_lag: bestLag,
    n_obs: m,
    critical_values: mackinnonCrit(regression as Regression, 1, m),
    aic: bestAic,
  };
}

export interface CointResult {
  statistic: number;
  p_value: number;
  critical_values: { '1%': number; '5%': number; '10%': number };
  hedge_ratio: number;
  intercept: number;
  half_life: number | null;
  is_cointegrated: boolean;
  n_obs: number;
  residuals: Float64Array;
}

/** Half-life of mean reversion: -ln 2 / lambda from OLS  ds_t = a + lambda s_{t-1}. Null when not mean-reverting. */
export function halfLife(series: ArrayLike<number>): number | null {
  const n = series.length;
  const lagged = new Float64Array(n - 1);
  const delta = new Float64Array(n - 1);
  for (let t = 1; t < n; t++) {
    lagged[t - 1] = series[t - 1] as number;
    delta[t - 1] = (series[t] as number) - (series[t - 1] as number);
  }
  const fit = ols([new Float64Array(n - 1).fill(1), lagged], delta);
  const lambda = fit.beta[1] as number;
  return lambda < 0 ? -Math.LN2 / lambda : null;
}

/** Engle-Granger: y on [x, 1], ADF (no constant) on the residuals. */
export function engleGranger(y: ArrayLike<number>, x: ArrayLike<number>): CointResult {
  const n = y.length;
  const yy = Float64Array.from(y);
  const xx = Float64Array.from(x);
  const first = ols([xx, new Float64Array(n).fill(1)], yy);
  const slope = first.beta[0] as number;
  const intercept = first.beta[1] as number;
  const residuals = new Float64Array(n);
  for (let t = 0; t < n; t++) residuals[t] = (yy[t] as number) - slope * (xx[t] as number) - intercept;
  const adf = adfuller(residuals, 'n');
  const pValue = mackinnonP(adf.statistic, 'c', 2);
  return {
    statistic: adf.statistic,
    p_value: pValue,
    critical_values: mackinnonCrit('c', 2, n - 1),
    hedge_ratio: slope,
    intercept,
    half_life: halfLife(residuals),
    is_cointegrated: pValue < 0.05,
    n_obs: n,
    residuals,
  };
}
