/**
 * PCA that scales with the number of assets N and observations T, choosing among three solvers:
 * - `gram-of-observations` when T < N: the eigenvectors u of the T x T matrix XXᵀ of the centred
 *   data give the components Xᵀu / |Xᵀu| (the SVD of the data matrix by its smaller side; at most
 *   T - 1 components are non-zero);
 * - `subspace-iteration` when k components are asked for and k is small next to N: a block of
 *   k + 10 vectors multiplied by the covariance matrix and re-orthonormalised until every wanted
 *   Ritz pair's residual |Cv - λv| is below 1e-10 λ₁ (Rayleigh-Ritz each step; randomized SVD with
 *   power iterations run to convergence), so the values are exact, not sketched;
 * - `full-eigen`: every eigenpair of the covariance matrix (symeig.ts); also the fallback when the
 *   iteration has not converged in 300 steps (eigenvalues too close together).
 * Explained variance ratios are λ / trace(C), as scikit-learn's.
 */
import { SymmetricBlockProduct } from './block-product.js';
import { columnMatrix, crossProducts } from './gram.js';
import { centre, covarianceMatrix } from './describe.js';
import { symmetricEigen } from './symeig.js';

export type PcaMethod = 'gram-of-observations' | 'subspace-iteration' | 'full-eigen';

export interface ScaledPca {
  method: PcaMethod;
  explained_variance_ratio: number[];
  /** components[i][j]: loading of asset j on component i (unit vectors, largest loading positive). */
  components: number[][];
}

const oriented = (v: Float64Array | number[]): number[] => {
  let pivot = 0;
  for (const x of v) if (Math.abs(x) > Math.abs(pivot)) pivot = x;
  return Array.from(v, (x) => (pivot < 0 ? -x : x));
};

/** Chooses the solver for k of N components on T observations. */
export function pcaMethod(n: number, t: number, k: number): PcaMethod {
  if (t < n) return 'gram-of-observations';
  if (k + 10 <= n / 4) return 'subspace-iteration';
  return 'full-eigen';
}

/** The top k principal components of the columns (N assets, T observations each). */
export async function scaledPca(
  columns: ArrayLike<number>[],
  k: number,
  method: PcaMethod = pcaMethod(columns.length, columns[0]?.length ?? 0, k),
): Promise<ScaledPca> {
  const n = columns.length;
  const t = columns[0]?.length ?? 0;
  if (method === 'gram-of-observations') return gramOfObservations(columns, n, t, k);
  const cov = await covarianceMatrix(columns);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += cov[i * n + i] as number;
  if (method === 'full-eigen') return scaledPcaFrom(cov, n, k, trace);
  const { values, vectors, converged } = subspaceIteration(cov, n, k);
  if (!converged) return scaledPcaFrom(cov, n, k, trace);
  return { method, explained_variance_ratio: Array.from(values, (v) => Math.max(v, 0) / trace), components: vectors.map(oriented) };
}

function scaledPcaFrom(cov: Float64Array, n: number, k: number, trace: number): ScaledPca {
  const { values, vectors } = symmetricEigen(cov, n);
  const out: ScaledPca = { method: 'full-eigen', explained_variance_ratio: [], components: [] };
  for (let c = n - 1; c >= Math.max(0, n - k); c--) {
    out.explained_variance_ratio.push(Math.max(values[c] as number, 0) / trace);
    out.components.push(oriented(vectors.subarray(c * n, c * n + n)));
  }
  return out;
}

/** Modified Gram-Schmidt on the l columns of q (column c at c * n), in place. */
function orthonormalise(q: Float64Array, n: number, l: number): void {
  for (let c = 0; c < l; c++) {
    for (let d = 0; d < c; d++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (q[c * n + i] as number) * (q[d * n + i] as number);
      for (let i = 0; i < n; i++) q[c * n + i] = (q[c * n + i] as number) - dot * (q[d * n + i] as number);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (q[c * n + i] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) q[c * n + i] = (q[c * n + i] as number) / norm;
  }
}

/** Subspace iteration checks convergence every this many products. */
const CHECK_EVERY = 3;

/** The k largest eigenpairs of the symmetric n x n matrix c, descending. */
export function subspaceIteration(
  c: Float64Array,
  n: number,
  k: number,
  maxIterations = 300,
): { values: Float64Array; vectors: Float64Array[]; converged: boolean } {
  const l = Math.min(n, k + 10);
  let q = new Float64Array(l * n);
  // A fixed pseudo-random start (xorshift), so runs repeat.
  let s = 0x2545f491;
  for (let i = 0; i < q.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    q[i] = (s >>> 0) / 4294967296 - 0.5;
  }
  orthonormalise(q, n, l);
  let y = new Float64Array(l * n);
  const product = new SymmetricBlockProduct(c, n, l);
  const small = new Float64Array(l * l);
  const ritz = new Float64Array(l * n);
  let values = new Float64Array(k);
  const vectors: Float64Array[] = [];
  for (let it = 0; it < maxIterations; it++) {
    product.multiply(q, y);
    // Plain steps between the checks: the check (Rayleigh-Ritz and residuals) costs as much as a product.
    if (it % CHECK_EVERY !== CHECK_EVERY - 1 && it < maxIterations - 1) {
      const next = y;
      y = q;
      q = next;
      orthonormalise(q, n, l);
      continue;
    }
    // Rayleigh-Ritz: B = Qᵀ C Q, its eigenvectors rotate Q into Ritz vectors.
    for (let a = 0; a < l; a++) {
      for (let b = 0; b <= a; b++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (q[a * n + i] as number) * (y[b * n + i] as number);
        small[a * l + b] = small[b * l + a] = dot;
      }
    }
    const eig = symmetricEigen(small, l);
    ritz.fill(0);
    const cRitz = new Float64Array(l * n);
    for (let r = 0; r < l; r++) {
      const src = l - 1 - r; // descending
      for (let a = 0; a < l; a++) {
        const w = eig.vectors[src * l + a] as number;
        if (w === 0) continue;
        for (let i = 0; i < n; i++) {
          ritz[r * n + i] = (ritz[r * n + i] as number) + w * (q[a * n + i] as number);
          cRitz[r * n + i] = (cRitz[r * n + i] as number) + w * (y[a * n + i] as number);
        }
      }
    }
    const top = Math.abs(eig.values[l - 1] as number) || 1;
    let converged = true;
    values = new Float64Array(k);
    for (let r = 0; r < k; r++) {
      const lambda = eig.values[l - 1 - r] as number;
      values[r] = lambda;
      let res = 0;
      for (let i = 0; i < n; i++) res += ((cRitz[r * n + i] as number) - lambda * (ritz[r * n + i] as number)) ** 2;
      if (Math.sqrt(res) > 1e-10 * top) converged = false;
    }
    if (converged) {
      for (let r = 0; r < k; r++) vectors.push(ritz.slice(r * n, r * n + n));
      return { values, vectors, converged };
    }
    // Next block: C times the Ritz vectors, orthonormalised.
    const next = y;
    y = q;
    q = next;
    q.set(cRitz);
    orthonormalise(q, n, l);
  }
  return { values, vectors, converged: false };
}

/** T < N: eigenvectors of the T x T Gram matrix of the centred observations, mapped back to assets. */
async function gramOfObservations(columns: ArrayLike<number>[], n: number, t: number, k: number): Promise<ScaledPca> {
  // Rows of the centred data (observation s at s * n), so XXᵀ is the cross products of those rows.
  const rows = columnMatrix(t, n);
  let trace = 0;
  columns.forEach((col, j) => {
    const { values, sumSquares } = centre(col);
    trace += sumSquares;
    for (let s = 0; s < t; s++) rows[s * n + j] = values[s] as number;
  });
  const gram = await crossProducts(rows, t, n);
  const { values, vectors } = symmetricEigen(gram, t);
  const out: ScaledPca = { method: 'gram-of-observations', explained_variance_ratio: [], components: [] };
  for (let c = t - 1; c >= Math.max(0, t - k); c--) {
    const lambda = Math.max(values[c] as number, 0);
    out.explained_variance_ratio.push(lambda / trace);
    const v = new Float64Array(n);
    for (let s = 0; s < t; s++) {
      const u = vectors[c * t + s] as number;
      if (u === 0) continue;
      for (let j = 0; j < n; j++) v[j] = (v[j] as number) + u * (rows[s * n + j] as number);
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += (v[j] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < n; j++) v[j] = (v[j] as number) / norm;
    out.components.push(oriented(v));
  }
  return out;
}
