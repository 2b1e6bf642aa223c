/**
 * Least squares for the research tools, on row-major Float64Arrays.
 * `nestedOls` factors X'X once (Cholesky); every prefix of X's columns (the nested models an
 * information-criterion lag search compares) then has its residual sum of squares from the same
 * forward substitution: RSS_k = y'y - sum_{i<k} z_i^2 with z = L^-1 X'y.
 */

export interface Nested {
  n: number;
  p: number;
  /** Lower-triangular Cholesky factor of X'X, row-major p x p. */
  L: Float64Array;
  /** z = L^-1 X'y. */
  z: Float64Array;
  yty: number;
}

export class SingularError extends Error {
  override name = 'SingularError';
}

export function nestedOls(X: Float64Array, y: Float64Array, n: number, p: number): Nested {
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  let yty = 0;
  for (let r = 0; r < n; r++) {
    const row = r * p;
    const yr = y[r] as number;
    yty += yr * yr;
    for (let i = 0; i < p; i++) {
      const xi = X[row + i] as number;
      xty[i] = (xty[i] as number) + xi * yr;
      for (let j = 0; j <= i; j++) xtx[i * p + j] = (xtx[i * p + j] as number) + xi * (X[row + j] as number);
    }
  }
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = xtx[i * p + j] as number;
      for (let k = 0; k < j; k++) sum -= (L[i * p + k] as number) * (L[j * p + k] as number);
      if (i === j) {
        if (!(sum > 1e-12 * Math.max(1, xtx[i * p + i] as number))) throw new SingularError(`regressors are collinear (column ${i})`);
        L[i * p + i] = Math.sqrt(sum);
      } else {
        L[i * p + j] = sum / (L[j * p + j] as number);
      }
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let sum = xty[i] as number;
    for (let k = 0; k < i; k++) sum -= (L[i * p + k] as number) * (z[k] as number);
    z[i] = sum / (L[i * p + i] as number);
  }
  return { n, p, L, z, yty };
}

/** Residual sum of squares of the model using the first k columns. */
export function prefixRss(fit: Nested, k: number): number {
  let explained = 0;
  for (let i = 0; i < k; i++) explained += (fit.z[i] as number) ** 2;
  return Math.max(0, fit.yty - explained);
}

export interface OlsResult {
  beta: Float64Array;
  /** Standard errors of beta. */
  se: Float64Array;
  rss: number;
  n: number;
  k: number;
}

/** Full solution with the first k columns: coefficients and standard errors. */
export function solvePrefix(fit: Nested, k: number): OlsResult {
  const { L, z, p, n } = fit;
  const beta = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = z[i] as number;
    for (let j = i + 1; j < k; j++) sum -= (L[j * p + i] as number) * (beta[j] as number);
    beta[i] = sum / (L[i * p + i] as number);
  }
  // diag((X'X)^-1) = row norms of L^-1 (columns of L^-T).
  const inv = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    for (let i = c; i < k; i++) {
      let sum = i === c ? 1 : 0;
      for (let j = c; j < i; j++) sum -= (L[i * p + j] as number) * (inv[j * k + c] as number);
      inv[i * k + c] = sum / (L[i * p + i] as number);
    }
  }
  const rss = prefixRss(fit, k);
  const sigma2 = rss / (n - k);
  const se = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = 0;
    for (let r = i; r < k; r++) sum += (inv[r * k + i] as number) ** 2;
    se[i] = Math.sqrt(sigma2 * sum);
  }
  return { beta, se, rss, n, k };
}

/** OLS of y on the columns given (each a Float64Array of length n). */
export function ols(columns: Float64Array[], y: Float64Array): OlsResult {
  const n = y.length;
  const p = columns.length;
  const X = new Float64Array(n * p);
  for (let r = 0; r < n; r++) for (let c = 0; c < p; c++) X[r * p + c] = (columns[c] as Float64Array)[r] as number;
  return solvePrefix(nestedOls(X, y, n, p), p);
}

/** Gaussian log-likelihood of an OLS fit, as statsmodels defines it. */
export const llf = (rss: number, n: number): number => -(n / 2) * (Math.log(2 * Math.PI) + Math.log(rss / n) + 1);
