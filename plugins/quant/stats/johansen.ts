/**
 * Johansen's cointegration test, defined as statsmodels' coint_johansen(endog, det_order, k_ar_diff):
 * detrend the levels (polynomial of det_order; -1 = none), regress the differences and the lagged
 * levels on k_ar_diff lagged differences, and solve the eigenproblem of the residual moment
 * matrices (S_k0 S_00^-1 S_0k v = lambda S_kk v). Trace and maximum-eigenvalue statistics with the
 * 90/95/99% critical values of the published tables.
 */
import { EigenvalueDecomposition, Matrix, CholeskyDecomposition, pseudoInverse, inverse } from 'ml-matrix';
import tables from './reference-tables.json' with { type: 'json' };
import { StatsInputError } from './adf.js';

export interface JohansenResult {
  eigenvalues: number[];
  /** Columns are the cointegrating vectors, normalised so that v' S_kk v = I. */
  eigenvectors: number[][];
  trace_statistics: number[];
  max_eigen_statistics: number[];
  /** Per rank r = 0..k-1: [90%, 95%, 99%]. */
  trace_critical_values: number[][];
  max_eigen_critical_values: number[][];
  /** The number of cointegrating relations the trace test accepts at 5%. */
  rank_5pct: number;
}

/** Residuals of a polynomial trend fit of the given order (-1: unchanged), on linspace(-1, 1) like numpy's vander. */
function detrend(y: Matrix, order: number): Matrix {
  if (order === -1) return y;
  const n = y.rows;
  const V = new Matrix(n, order + 1);
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? -1 : -1 + (2 * i) / (n - 1);
    for (let j = 0; j <= order; j++) V.set(i, j, t ** (order - j));
  }
  return residual(y, V);
}

function residual(y: Matrix, x: Matrix): Matrix {
  if (x.columns === 0) return y;
  return Matrix.sub(y, x.mmul(pseudoInverse(x).mmul(y)));
}

export function johansen(levels: number[][], detOrder: -1 | 0 | 1, kArDiff: number): JohansenResult {
  const nobs = levels.length;
  const neqs = levels[0]?.length ?? 0;
  if (neqs < 2 || neqs > 12) throw new StatsInputError('Johansen needs between 2 and 12 series');
  if (nobs < 3 * (kArDiff + neqs) + 10) throw new StatsInputError(`too few observations (${nobs}) for ${neqs} series and ${kArDiff} lagged differences`);
  const f = detOrder > -1 ? 0 : detOrder;
  const x = detrend(new Matrix(levels), detOrder);
  const dx = new Matrix(nobs - 1, neqs);
  for (let t = 1; t < nobs; t++) for (let j = 0; j < neqs; j++) dx.set(t - 1, j, x.get(t, j) - x.get(t - 1, j));
  // z: k_ar_diff lags of dx (lagmat trim='forward', then drop the first k rows).
  const rows = dx.rows - kArDiff;
  const z = new Matrix(rows, neqs * kArDiff);
  for (let t = 0; t < rows; t++) {
    for (let lag = 1; lag <= kArDiff; lag++) for (let j = 0; j < neqs; j++) z.set(t, (lag - 1) * neqs + j, dx.get(t + kArDiff - lag, j));
  }
  const zd = detrend(z, f);
  const dxShort = detrend(dx.subMatrix(kArDiff, dx.rows - 1, 0, neqs - 1), f);
  const r0t = residual(dxShort, zd);
  const lx = detrend(x.subMatrix(1, x.rows - kArDiff - 1, 0, neqs - 1), f);
  const rkt = residual(lx, zd);
  const t = rkt.rows;
  const skk = rkt.transpose().mmul(rkt).div(t);
  const sk0 = rkt.transpose().mmul(r0t).div(t);
  const s00 = r0t.transpose().mmul(r0t).div(t);
  const sig = sk0.mmul(inverse(s00)).mmul(sk0.transpose());
  // Generalised symmetric eigenproblem via skk = L L': C = L^-1 sig L^-T.
  const chol = new CholeskyDecomposition(skk);
  if (!chol.isPositiveDefinite()) throw new StatsInputError('the series are collinear');
  const L = chol.lowerTriangularMatrix;
  const Linv = inverse(L);
  const C = Linv.mmul(sig).mmul(Linv.transpose());
  const sym = Matrix.add(C, C.transpose()).div(2);
  const evd = new EigenvalueDecomposition(sym, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const eigenvalues = order.map(([v]) => v);
  const V = Linv.transpose().mmul(evd.eigenvectorMatrix);
  const eigenvectors = Array.from({ length: neqs }, (_, r) => order.map(([, i]) => V.get(r, i)));
  const table = (tables.johansen as Record<string, { trace: number[][]; max_eigen: number[][] }>)[String(detOrder)]!;
  const trace: number[] = [];
  const maxEigen: number[] = [];
  const traceCv: number[][] = [];
  const maxCv: number[][] = [];
  for (let i = 0; i < neqs; i++) {
    trace.push(-t * eigenvalues.slice(i).reduce((s, a) => s + Math.log(1 - a), 0));
    maxEigen.push(-t * Math.log(1 - (eigenvalues[i] as number)));
    traceCv.push(table.trace[neqs - i - 1] as number[]);
    maxCv.push(table.max_eigen[neqs - i - 1] as number[]);
  }
  let rank = 0;
  while (rank < neqs && (trace[rank] as number) > ((traceCv[rank] as number[])[1] as number)) rank++;
  return {
    eigenvalues,
    eigenvectors,
    trace_statistics: trace,
    max_eigen_statistics: maxEigen,
    trace_critical_values: traceCv,
    max_eigen_critical_values: maxCv,
    rank_5pct: rank,
  };
}
