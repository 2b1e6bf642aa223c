/** Hurst exponent, rolling z-score, PCA and correlation matrices (Pearson; Spearman as Pearson of ranks; Szekely's distance correlation). */
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

/** PCA on the covariance matrix of the columns (as scikit-learn's PCA on the centred data). */
export function pca(columns: ArrayLike<number>[]): PcaResult {
  const p = columns.length;
  const n = columns[0]?.length ?? 0;
  const centred = columns.map((c) => centre(c).values);
  // Covariance in 4x4 blocks of (i, j): each pass over t feeds 16 products from 8 loads.
  const cov = new Float64Array(p * p);
  const scale = 1 / (n - 1);
  const dot = (x: Float64Array, y: Float64Array): number => {
    let acc = 0;
    for (let t = 0; t < n; t++) acc += (x[t] as number) * (y[t] as number);
    return acc;
  };
  const full = p - (p % 4);
  for (let i = 0; i < full; i += 4) {
    const a0 = centred[i] as Float64Array;
    const a1 = centred[i + 1] as Float64Array;
    const a2 = centred[i + 2] as Float64Array;
    const a3 = centred[i + 3] as Float64Array;
    for (let j = 0; j < i; j += 4) {
      const b0 = centred[j] as Float64Array;
      const b1 = centred[j + 1] as Float64Array;
      const b2 = centred[j + 2] as Float64Array;
      const b3 = centred[j + 3] as Float64Array;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let t = 0; t < n; t++) {
        const x0 = a0[t] as number, x1 = a1[t] as number, x2 = a2[t] as number, x3 = a3[t] as number;
        const y0 = b0[t] as number, y1 = b1[t] as number, y2 = b2[t] as number, y3 = b3[t] as number;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      const block = [s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33];
      for (let u = 0; u < 4; u++) for (let v = 0; v < 4; v++) cov[(i + u) * p + j + v] = cov[(j + v) * p + i + u] = (block[u * 4 + v] as number) * scale;
    }
    for (let u = 0; u < 4; u++) for (let v = 0; v <= u; v++) cov[(i + u) * p + i + v] = cov[(i + v) * p + i + u] = dot(centred[i + u] as Float64Array, centred[i + v] as Float64Array) * scale;
  }
  for (let i = full; i < p; i++) for (let j = 0; j <= i; j++) cov[i * p + j] = cov[j * p + i] = dot(centred[i] as Float64Array, centred[j] as Float64Array) * scale;
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

/** Szekely, Rizzo & Bakirov's sample distance correlation (double-centred distance matrices). O(n^2). */
export function distanceCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const centred = (v: ArrayLike<number>): Float64Array => {
    const d = new Float64Array(n * n);
    const rowMean = new Float64Array(n);
    let grand = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = Math.abs((v[i] as number) - (v[j] as number));
        d[i * n + j] = x;
        rowMean[i] = (rowMean[i] as number) + x;
      }
      grand += rowMean[i] as number;
      rowMean[i] = (rowMean[i] as number) / n;
    }
    grand /= n * n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = (d[i * n + j] as number) - (rowMean[i] as number) - (rowMean[j] as number) + grand;
    return d;
  };
  const A = centred(a);
  const B = centred(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < n * n; k++) {
    ab += (A[k] as number) * (B[k] as number);
    aa += (A[k] as number) ** 2;
    bb += (B[k] as number) ** 2;
  }
  const dvar = Math.sqrt((aa / (n * n)) * (bb / (n * n)));
  return dvar > 0 ? Math.sqrt(Math.max(0, ab / (n * n)) / Math.sqrt(dvar)) : 0;
}

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
