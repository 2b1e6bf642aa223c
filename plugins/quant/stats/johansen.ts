/**
 * Johansen's cointegration test, defined as statsmodels' coint_johansen(endog, det_order, k_ar_diff):
 * detrend the levels (polynomial of det_order; -1 = none), regress the differences and the lagged
 * levels on k_ar_diff lagged differences, and solve the eigenproblem of the residual moment
 * matrices (S_k0 S_00^-1 S_0k v = lambda S_kk v). Trace and maximum-eigenvalue statistics with the
 * 90/95/99% critical values of the published tables.
 */
import type { Matrix } from 'ml-matrix';
import { lazyRequire } from '../../../src/util/lazy-require.js';
import tables from './reference-tables.json' with { type: 'json' };
import { StatsInputError } from './adf.js';

/** ml-matrix loads on the first Johansen test, not at start-up (about a fifth of a cold start). */
const ml = lazyRequire<typeof import('ml-matrix')>('ml-matrix');

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
  const V = new (ml().Matrix)(n, order + 1);
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? -1 : -1 + (2 * i) / (n - 1);
    for (let j = 0; j <= order; j++) V.set(i, j, t ** (order - j));
  }
  return residual(y, V);
}

function residual(y: Matrix, x: Matrix): Matrix {
  if (x.columns === 0) return y;
  return ml().Matrix.sub(y, x.mmul(ml().pseudoInverse(x).mmul(y)));
}

/** Smallest eigenvalue of a correlation matrix below which the series count as collinear (1 − R² of the best fit). */
export const COLLINEAR_TOLERANCE = 1e-8;

/**
 * Throws a StatsInputError naming the series when the columns of m (residual levels or differences)
 * are (nearly) linearly dependent: a column with no variation left, or a correlation matrix whose
 * smallest eigenvalue is below COLLINEAR_TOLERANCE (the symbols named are those its eigenvector loads on).
 */
function checkFullRank(m: Matrix, names: readonly string[], what: string): void {
  const cross = m.transpose().mmul(m);
  const k = cross.rows;
  const diag = Array.from({ length: k }, (_, i) => cross.get(i, i));
  const top = Math.max(...diag);
  const flat = diag.map((d, i) => (d <= top * 1e-24 || !(d > 0) ? names[i] : undefined)).filter((x): x is string => x !== undefined);
  if (flat.length > 0)
    throw new StatsInputError(
      `${flat.join(', ')} ${flat.length === 1 ? 'has' : 'have'} no variation left in its ${what} once the deterministic terms and lagged differences are removed (for example an exact trend under det_order 1); drop ${flat.length === 1 ? 'it' : 'them'}.`,
    );
  const corr = new (ml().Matrix)(k, k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) corr.set(i, j, cross.get(i, j) / Math.sqrt((diag[i] as number) * (diag[j] as number)));
  const evd = new (ml().EigenvalueDecomposition)(corr, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  let low = 0;
  for (let i = 1; i < k; i++) if ((values[i] as number) < (values[low] as number)) low = i;
  const smallest = values[low] as number;
  if (smallest >= COLLINEAR_TOLERANCE) return;
  const v = evd.eigenvectorMatrix.getColumn(low);
  const peak = Math.max(...v.map(Math.abs));
  const involved = names.filter((_, i) => Math.abs(v[i] as number) > 0.01 * peak);
  throw new StatsInputError(
    `${involved.join(', ')} are collinear: once the deterministic terms and lagged differences are removed, one of their ${what} is a linear combination of the others (smallest eigenvalue of their correlation matrix ${smallest.toExponential(1)}, below ${COLLINEAR_TOLERANCE}). Johansen needs distinct stochastic series: drop one of ${involved.join(', ')} (typically a scaled or shifted copy of another).`,
  );
}

export function johansen(levels: number[][], detOrder: -1 | 0 | 1, kArDiff: number, names?: readonly string[]): JohansenResult {
  const nobs = levels.length;
  const neqs = levels[0]?.length ?? 0;
  if (neqs < 2 || neqs > 12) throw new StatsInputError('Johansen needs between 2 and 12 series');
  if (nobs < 3 * (kArDiff + neqs) + 10) throw new StatsInputError(`too few observations (${nobs}) for ${neqs} series and ${kArDiff} lagged differences`);
  const f = detOrder > -1 ? 0 : detOrder;
  const x = detrend(new (ml().Matrix)(levels), detOrder);
  const dx = new (ml().Matrix)(nobs - 1, neqs);
  for (let t = 1; t < nobs; t++) for (let j = 0; j < neqs; j++) dx.set(t - 1, j, x.get(t, j) - x.get(t - 1, j));
  // z: k_ar_diff lags of dx (lagmat trim='forward', then drop the first k rows).
  const rows = dx.rows - kArDiff;
  const z = new (ml().Matrix)(rows, neqs * kArDiff);
  for (let t = 0; t < rows; t++) {
    for (let lag = 1; lag <= kArDiff; lag++) for (let j = 0; j < neqs; j++) z.set(t, (lag - 1) * neqs + j, dx.get(t + kArDiff - lag, j));
  }
  const zd = detrend(z, f);
  const dxShort = detrend(dx.subMatrix(kArDiff, dx.rows - 1, 0, neqs - 1), f);
  const r0t = residual(dxShort, zd);
  const lx = detrend(x.subMatrix(1, x.rows - kArDiff - 1, 0, neqs - 1), f);
  const rkt = residual(lx, zd);
  const labels = names ?? Array.from({ length: neqs }, (_, i) => `series ${i + 1}`);
  checkFullRank(r0t, labels, 'differences');
  checkFullRank(rkt, labels, 'levels');
  const t = rkt.rows;
  const skk = rkt.transpose().mmul(rkt).div(t);
  const sk0 = rkt.transpose().mmul(r0t).div(t);
  const s00 = r0t.transpose().mmul(r0t).div(t);
  const sig = sk0.mmul(ml().inverse(s00)).mmul(sk0.transpose());
  // Generalised symmetric eigenproblem via skk = L L': C = L^-1 sig L^-T.
  const chol = new (ml().CholeskyDecomposition)(skk);
  if (!chol.isPositiveDefinite()) throw new StatsInputError('the series are collinear');
  const L = chol.lowerTriangularMatrix;
  const Linv = ml().inverse(L);
  const C = Linv.mmul(sig).mmul(Linv.transpose());
  const sym = ml().Matrix.add(C, C.transpose()).div(2);
  const evd = new (ml().EigenvalueDecomposition)(sym, { assumeSymmetric: true });
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

export interface JohansenTest extends JohansenResult {
  /** The symbols tested (constant or all-missing ones are left out and named in notes). */
  symbols: string[];
  notes: string[];
  deterministic: JohansenCase;
}

/**
 * The test on named series (one array per symbol, aligned): series that are constant or have no
 * values are left out with a note naming them (an error when fewer than two remain), a series with
 * some missing values is an error naming it, and collinear series are an error naming them.
 */
export function johansenTest(columns: number[][], symbols: readonly string[], detOrder: -1 | 0 | 1, kArDiff: number): JohansenTest {
  const notes: string[] = [];
  const keep: number[] = [];
  const dropped: string[] = [];
  columns.forEach((c, i) => {
    const name = symbols[i] as string;
    const missing = c.filter((v) => !Number.isFinite(v)).length;
    if (missing === c.length) {
      notes.push(`${name} has no values in the range and was left out.`);
      dropped.push(name);
    } else if (missing > 0) {
      throw new StatsInputError(
        `${name} has ${missing} missing values among ${c.length}; Johansen needs complete rows: fill or drop them, or leave ${name} out.`,
      );
    } else if (c.every((v) => v === c[0])) {
      notes.push(`${name} is constant (${c[0]}) over the range and was left out: a constant has no stochastic trend to share.`);
      dropped.push(name);
    } else keep.push(i);
  });
  if (keep.length < 2)
    throw new StatsInputError(
      `Johansen needs at least 2 series that vary; ${dropped.join(', ')} ${dropped.length === 1 ? 'does' : 'do'} not (${notes.join(' ')})`,
    );
  const names = keep.map((i) => symbols[i] as string);
  const levels = (columns[keep[0] as number] as number[]).map((_, t) => keep.map((i) => (columns[i] as number[])[t] as number));
  return { ...johansen(levels, detOrder, kArDiff, names), symbols: names, notes, deterministic: JOHANSEN_CASES[detOrder] };
}

export interface JohansenCase {
  det_order: -1 | 0 | 1;
  /** The textbook name of the deterministic terms. */
  name: string;
  /** What the computation does, and the case numbering of Johansen (1995) / MacKinnon, Haug & Michelis (1999). */
  model: string;
  critical_values: string;
}

const MHM = 'MacKinnon, Haug & Michelis (1999, J. Applied Econometrics 14:563-577), as tabulated in statsmodels';

/**
 * The deterministic terms of each det_order, as statsmodels' coint_johansen computes them. Cases are numbered
 * as in MacKinnon, Haug & Michelis (1999): 1 none, 2 restricted constant, 3 unrestricted constant,
 * 4 restricted trend, 5 unrestricted trend. Case 2 (restricted constant) is not offered: statsmodels has no
 * such det_order (R's urca::ca.jo(ecdet = "const") computes it).
 */
export const JOHANSEN_CASES: Record<-1 | 0 | 1, JohansenCase> = {
  [-1]: { det_order: -1, name: 'no constant', model: 'case 1: no deterministic terms (Johansen H2)', critical_values: `${MHM}, case 1` },
  0: {
    det_order: 0,
    name: 'unrestricted constant',
    model: 'case 3: a constant outside the cointegrating relations (Johansen H1; urca ca.jo ecdet="none")',
    critical_values: `${MHM}, case 3`,
  },
  1: {
    det_order: 1,
    name: 'trend',
    model:
      'levels detrended by a linear trend and differences demeaned before the reduced-rank regression: close to case 4 (trend restricted to the cointegrating relations, urca ecdet="trend") but not equal to it',
    critical_values: `${MHM}, case 5 (the table statsmodels attaches to det_order 1)`,
  },
};
