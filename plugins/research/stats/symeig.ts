/**
 * Eigendecomposition of a symmetric matrix on flat Float64Arrays: Householder reduction to
 * tridiagonal form (the symmetric product done by rows, as BLAS dsymv does), eigenvalues by
 * implicit QL without vectors, eigenvectors of the tridiagonal matrix by inverse iteration with
 * re-orthogonalisation inside clusters, and one back-transform. Hand-written because ml-matrix's
 * array-of-arrays solver made PCA of 300 assets ~6x slower than scikit-learn; `npm run bench`
 * measures it, and tests/research/symeig.test.ts checks residuals and orthogonality.
 */

export interface SymEig {
  /** Ascending. */
  values: Float64Array;
  /** vectors[k * n + i]: component i of the eigenvector of values[k] (row k). */
  vectors: Float64Array;
}

export function symmetricEigen(matrix: Float64Array, n: number): SymEig {
  const a = Float64Array.from(matrix); // row-major, becomes the accumulated transform
  const d = new Float64Array(n);
  const e = new Float64Array(n);

  // Householder tridiagonalisation (lower triangle), accumulating the transform in `a`.
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[i * n + k] as number);
      if (scale === 0) {
        e[i] = a[i * n + l] as number;
      } else {
        for (let k = 0; k <= l; k++) {
          a[i * n + k] = (a[i * n + k] as number) / scale;
          h += (a[i * n + k] as number) ** 2;
        }
        let f = a[i * n + l] as number;
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[i * n + l] = f - g;
        f = 0;
        // p = A u over the lower triangle, by rows (a dot and an axpy per row, as BLAS dsymv does).
        const ui = i * n;
        for (let j = 0; j <= l; j++) {
          a[j * n + i] = (a[ui + j] as number) / h;
          e[j] = 0;
        }
        for (let j = 0; j <= l; j++) {
          const row = j * n;
          const uj = a[ui + j] as number;
          let dot = 0;
          for (let k = 0; k < j; k++) {
            const ajk = a[row + k] as number;
            dot += ajk * (a[ui + k] as number);
            e[k] = (e[k] as number) + ajk * uj;
          }
          e[j] = (e[j] as number) + dot + (a[row + j] as number) * uj;
        }
        for (let j = 0; j <= l; j++) {
          e[j] = (e[j] as number) / h;
          f += (e[j] as number) * (a[ui + j] as number);
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = a[i * n + j] as number;
          const gj = (e[j] as number) - hh * fj;
          e[j] = gj;
          const row = j * n;
          for (let k = 0; k <= j; k++) a[row + k] = (a[row + k] as number) - (fj * (e[k] as number) + gj * (a[ui + k] as number));
        }
      }
    } else {
      e[i] = a[i * n + l] as number;
    }
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  const gvec = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = i - 1;
    if (d[i] !== 0) {
      // g_j = sum_k a[i][k] a[k][j], then a[k][j] -= g_j a[k][i]: both as sweeps along rows.
      gvec.fill(0, 0, l + 1);
      for (let k = 0; k <= l; k++) {
        const aik = a[i * n + k] as number;
        const row = k * n;
        for (let j = 0; j <= l; j++) gvec[j] = (gvec[j] as number) + aik * (a[row + j] as number);
      }
      for (let k = 0; k <= l; k++) {
        const aki = a[k * n + i] as number;
        const row = k * n;
        for (let j = 0; j <= l; j++) a[row + j] = (a[row + j] as number) - (gvec[j] as number) * aki;
      }
    }
    d[i] = a[i * n + i] as number;
    a[i * n + i] = 1;
    for (let j = 0; j <= l; j++) {
      a[j * n + i] = 0;
      a[i * n + j] = 0;
    }
  }

  // Eigenvalues of the tridiagonal matrix (diagonal d, off-diagonal e[1..n-1]) by implicit QL, no vectors.
  const diag = Float64Array.from(d);
  const off = new Float64Array(n);
  for (let i = 1; i < n; i++) off[i - 1] = e[i] as number;
  qlValues(diag, off, n);
  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => (diag[x] as number) - (diag[y] as number));
  const values = Float64Array.from(order, (k) => diag[k] as number);

  // Eigenvectors of the tridiagonal matrix by inverse iteration, re-orthogonalised within clusters
  // (after LAPACK dstein), then back-transformed once with the Householder basis.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i] as number) + Math.abs(e[i] as number) + Math.abs(i + 1 < n ? (e[i + 1] as number) : 0));
  // Orthogonality lost by inverse iteration is about eps * norm / gap: re-orthogonalise below 1e-5 * norm.
  const clusterGap = 1e-5 * norm;
  const y = new Float64Array(n * n); // row k: eigenvector k of the tridiagonal matrix
  const work = new TridiagonalSolver(d, e, n);
  const seed = new Float64Array(n);
  let clusterStart = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0 && (values[k] as number) - (values[k - 1] as number) > clusterGap) clusterStart = k;
    const shift = values[k] as number;
    work.factor(shift, Number.EPSILON * norm);
    for (let i = 0; i < n; i++) seed[i] = 1 + ((i * 2654435761 + k * 40503) % 1000) / 1000;
    let x: Float64Array = seed;
    for (let iteration = 0; iteration < 3; iteration++) {
      x = work.solve(x);
      // Remove the components along earlier vectors of the same cluster.
      for (let j = clusterStart; j < k; j++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += (x[i] as number) * (y[j * n + i] as number);
        for (let i = 0; i < n; i++) x[i] = (x[i] as number) - dot * (y[j * n + i] as number);
      }
      let length = 0;
      for (let i = 0; i < n; i++) length += (x[i] as number) ** 2;
      length = Math.sqrt(length);
      for (let i = 0; i < n; i++) x[i] = (x[i] as number) / length;
    }
    y.set(x, k * n);
  }
  // Back-transform: vector k = A y_k, where A (now the Householder basis) is row-major.
  // Four eigenvectors per pass over each row of A.
  const vectors = new Float64Array(n * n);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const y0 = k * n;
    const y1 = y0 + n;
    const y2 = y1 + n;
    const y3 = y2 + n;
    for (let r = 0; r < n; r++) {
      const row = r * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let c = 0; c < n; c++) {
        const arc = a[row + c] as number;
        s0 += arc * (y[y0 + c] as number);
        s1 += arc * (y[y1 + c] as number);
        s2 += arc * (y[y2 + c] as number);
        s3 += arc * (y[y3 + c] as number);
      }
      vectors[y0 + r] = s0;
      vectors[y1 + r] = s1;
      vectors[y2 + r] = s2;
      vectors[y3 + r] = s3;
    }
  }
  for (; k < n; k++) {
    const yk = k * n;
    for (let r = 0; r < n; r++) {
      const row = r * n;
      let s = 0;
      for (let c = 0; c < n; c++) s += (a[row + c] as number) * (y[yk + c] as number);
      vectors[yk + r] = s;
    }
  }
  return { values, vectors };
}

/** Implicit QL on a tridiagonal matrix, eigenvalues only (diagonal d; off-diagonal e[i] joins i and i+1). */
function qlValues(d: Float64Array, e: Float64Array, n: number): void {
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m] as number) + Math.abs(d[m + 1] as number);
        if (Math.abs(e[m] as number) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iter++ === 60) throw new Error('symmetric eigensolver did not converge');
        let g = ((d[l + 1] as number) - (d[l] as number)) / (2 * (e[l] as number));
        let r = Math.hypot(g, 1);
        g = (d[m] as number) - (d[l] as number) + (e[l] as number) / (g + (g >= 0 ? r : -r));
        let s = 1;
        let c = 1;
        let p = 0;
        let underflow = false;
        for (let i = m - 1; i >= l; i--) {
          const f = s * (e[i] as number);
          const b = c * (e[i] as number);
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] = (d[i + 1] as number) - p;
            e[m] = 0;
            underflow = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = (d[i + 1] as number) - p;
          r = ((d[i] as number) - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (underflow) continue;
        d[l] = (d[l] as number) - p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}

/**
 * (T - shift I) x = b for the tridiagonal T (diagonal d, e[i] joining i-1 and i), by Gaussian
 * elimination with partial pivoting; a zero pivot is replaced by a tiny one (inverse iteration
 * wants the near-singular solve).
 */
class TridiagonalSolver {
  private readonly u0: Float64Array; // diagonal of U
  private readonly u1: Float64Array; // first superdiagonal
  private readonly u2: Float64Array; // second superdiagonal (from pivoting)
  private readonly mult: Float64Array;
  private readonly swapped: Uint8Array;

  constructor(
    private readonly d: Float64Array,
    private readonly e: Float64Array,
    private readonly n: number,
  ) {
    this.u0 = new Float64Array(n);
    this.u1 = new Float64Array(n);
    this.u2 = new Float64Array(n);
    this.mult = new Float64Array(n);
    this.swapped = new Uint8Array(n);
  }

  factor(shift: number, tiny: number): void {
    const { d, e, n, u0, u1, u2, mult, swapped } = this;
    for (let i = 0; i < n; i++) {
      u0[i] = (d[i] as number) - shift;
      u1[i] = i + 1 < n ? (e[i + 1] as number) : 0;
      u2[i] = 0;
    }
    for (let i = 0; i < n - 1; i++) {
      const sub = e[i + 1] as number;
      if (Math.abs(u0[i] as number) >= Math.abs(sub)) {
        swapped[i] = 0;
        const m = (u0[i] as number) === 0 ? 0 : sub / (u0[i] as number);
        mult[i] = m;
        u0[i + 1] = (u0[i + 1] as number) - m * (u1[i] as number);
      } else {
        swapped[i] = 1;
        const m = (u0[i] as number) / sub;
        mult[i] = m;
        const rowDiag = u0[i + 1] as number;
        const rowSuper = u1[i + 1] as number;
        u0[i] = sub;
        u0[i + 1] = (u1[i] as number) - m * rowDiag;
        u1[i] = rowDiag;
        u2[i] = rowSuper;
        u1[i + 1] = -m * rowSuper;
      }
      if (u0[i] === 0) u0[i] = tiny;
    }
    if (u0[n - 1] === 0) u0[n - 1] = tiny;
  }

  solve(b: Float64Array): Float64Array {
    const { n, u0, u1, u2, mult, swapped } = this;
    const x = Float64Array.from(b);
    for (let i = 0; i < n - 1; i++) {
      if (swapped[i]) {
        const top = x[i] as number;
        x[i] = x[i + 1] as number;
        x[i + 1] = top - (mult[i] as number) * (x[i] as number);
      } else {
        x[i + 1] = (x[i + 1] as number) - (mult[i] as number) * (x[i] as number);
      }
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i] as number;
      if (i + 1 < n) s -= (u1[i] as number) * (x[i + 1] as number);
      if (i + 2 < n) s -= (u2[i] as number) * (x[i + 2] as number);
      x[i] = s / (u0[i] as number);
    }
    return x;
  }
}
