/** Hurst exponent, rolling z-score, PCA and correlation (Pearson, Spearman, Szekely's distance correlation). */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

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

/** PCA on the covariance matrix of the columns (as scikit-learn's PCA on the centred data). */
export function pca(columns: number[][]): PcaResult {
  const p = columns.length;
  const n = columns[0]?.length ?? 0;
  const means = columns.map((c) => c.reduce((a, b) => a + b, 0) / n);
  const cov = new Matrix(p, p);
  for (let i = 0; i < p; i++) {
    const ci = columns[i] as number[];
    for (let j = 0; j <= i; j++) {
      const cj = columns[j] as number[];
      let s = 0;
      for (let t = 0; t < n; t++) s += ((ci[t] as number) - (means[i] as number)) * ((cj[t] as number) - (means[j] as number));
      cov.set(i, j, s / (n - 1));
      cov.set(j, i, s / (n - 1));
    }
  }
  const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => [Math.max(v, 0), i] as const).sort((a, b) => b[0] - a[0]);
  const total = order.reduce((s, [v]) => s + v, 0);
  const vectors = evd.eigenvectorMatrix;
  return {
    explained_variance_ratio: order.map(([v]) => v / total),
    components: order.map(([, i]) => {
      const v = Array.from({ length: p }, (_, r) => vectors.get(r, i));
      // A fixed sign (largest loading positive) so results are stable across runs.
      const pivot = v.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
      return pivot < 0 ? v.map((x) => -x) : v;
    }),
  };
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
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

export const spearman = (a: ArrayLike<number>, b: ArrayLike<number>): number => pearson(ranks(a), ranks(b));

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
