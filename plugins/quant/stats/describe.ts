/** Hurst exponent, rolling z-score, PCA and correlation matrices (Pearson; Spearman as Pearson of ranks; distance correlation in dcor.ts). */
import { columnMatrix, crossProducts } from './gram.js';
import { symmetricEigen } from './symeig.js';

/** Slope of log(std(x[t+tau] - x[t])) on log(tau), tau = 2..min(100, n/2), population std. */
export function hurst(x: ArrayLike<number>): number {
  const n = x.length;
  const last = Math.min(100, Math.floor(n / 2));
  const lx: number[] = [];
  const ly: number[] = [];
  for (let tau = 2; tau <= last; tau++) {
    let sum = 0;
    let sumSq = 0;
    const m = n - tau;
    for (let t = 0; t < m; t++) {
      const d = (x[t + tau] as number) - (x[t] as number);
      sum += d;
      sumSq += d * d;
    }
    const mean = sum / m;
    lx.push(Math.log(tau));
    ly.push(0.5 * Math.log(Math.max(sumSq / m - mean * mean, 1e-300)));
  }
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += ((lx[i] as number) - mx) * ((ly[i] as number) - my);
    den += ((lx[i] as number) - mx) ** 2;
  }
  return num / den;
}

/** The latest rolling z-score of x over `lookback` points (sample std). */
export function zScore(x: ArrayLike<number>, lookback: number): number {
  const n = x.length;
  let sum = 0;
  for (let t = n - lookback; t < n; t++) sum += x[t] as number;
  const mean = sum / lookback;
  let ss = 0;
  for (let t = n - lookback; t < n; t++) ss += ((x[t] as number) - mean) ** 2;
  const sd = Math.sqrt(ss / (lookback - 1));
  return sd === 0 ? 0 : ((x[n - 1] as number) - mean) / sd;
}

/** Simple returns of each column (rows are dates). */
export function simpleReturns(columns: number[][]): number[][] {
  return columns.map((c) => c.slice(1).map((v, i) => v / (c[i] as number) - 1));
}

export interface PcaResult {
  explained_variance_ratio: number[];
  /** components[i][j]: loading of asset j on component i (unit vectors). */
  components: number[][];
}

/** A column minus its mean, and its sum of squares. */
export function centre(column: ArrayLike<number>): { values: Float64Array; sumSquares: number } {
  const n = column.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += column[t] as number;
  mean /= n;
  const values = new Float64Array(n);
  let sumSquares = 0;
  for (let t = 0; t < n; t++) {
    const d = (column[t] as number) - mean;
    values[t] = d;
    sumSquares += d * d;
  }
  return { values, sumSquares };
}

/** Sample covariance matrix (ddof 1) of the columns, row-major: centred once, then XᵀX on two threads (gram.ts). */
export async function covarianceMatrix(columns: ArrayLike<number>[]): Promise<Float64Array> {
  const p = columns.length;
  const n = (columns[0] as ArrayLike<number>).length;
  const centred = columnMatrix(p, n);
  columns.forEach((c, i) => centred.set(centre(c).values, i * n));
  const out = await crossProducts(centred, p, n);
  for (let k = 0; k < out.length; k++) out[k] = (out[k] as number) / (n - 1);
  return out;
}

/** Correlation from a covariance matrix (p x p, row-major). */
export function correlationFrom(cov: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) out[i * p + j] = i === j ? 1 : (cov[i * p + j] as number) / Math.sqrt((cov[i * p + i] as number) * (cov[j * p + j] as number));
  return out;
}

/** PCA on the covariance matrix of the columns (as scikit-learn's PCA on the centred data). */
export async function pca(columns: ArrayLike<number>[]): Promise<PcaResult> {
  const p = columns.length;
  const cov = await covarianceMatrix(columns);
  const { values, vectors } = symmetricEigen(cov, p);
  const ratios: number[] = [];
  const components: number[][] = [];
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  for (let k = p - 1; k >= 0; k--) {
    ratios.push(Math.max(values[k] as number, 0) / total);
    const v = Array.from(vectors.subarray(k * p, k * p + p));
    // A fixed sign (largest loading positive) so results are stable across runs.
    const pivot = v.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
    components.push(pivot < 0 ? v.map((x) => -x) : v);
  }
  return { explained_variance_ratio: ratios, components };
}

/** Ranks with ties averaged (as pandas' rank(method="average")). */
export function ranks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((i, j) => (x[i] as number) - (x[j] as number));
  const out = new Float64Array(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1] as number] === x[order[i] as number]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k] as number] = rank;
    i = j + 1;
  }
  return out;
}

/** Székely, Rizzo & Bakirov's sample distance correlation, O(n log n) (dcor.ts). */
export { distanceCorrelation } from './dcor.js';

/** Pearson correlation matrix: every column standardised once, then one dot product per pair. */
export function pearsonMatrix(columns: ArrayLike<number>[]): number[][] {
  const p = columns.length;
  const n = columns[0]?.length ?? 0;
  const z = columns.map((c) => {
    const { values, sumSquares } = centre(c);
    const scale = 1 / Math.sqrt(sumSquares);
    for (let t = 0; t < n; t++) values[t] = (values[t] as number) * scale;
    return values;
  });
  const m = Array.from({ length: p }, () => new Array<number>(p).fill(1));
  for (let i = 0; i < p; i++) {
    const zi = z[i] as Float64Array;
    for (let j = i + 1; j < p; j++) {
      const zj = z[j] as Float64Array;
      let s = 0;
      for (let t = 0; t < n; t++) s += (zi[t] as number) * (zj[t] as number);
      (m[i] as number[])[j] = s;
      (m[j] as number[])[i] = s;
    }
  }
  return m;
}
