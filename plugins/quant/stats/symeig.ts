/**
 * Eigendecomposition of a symmetric matrix on flat Float64Arrays: Householder reduction to
 * tridiagonal form (the symmetric product done by rows, as BLAS dsymv does), eigenvalues by
 * implicit QL without vectors, eigenvectors of the tridiagonal matrix by inverse iteration with
 * re-orthogonalisation inside clusters, and the Householder reflectors applied to those vectors
 * directly (never forming Q). Hand-written because ml-matrix's array-of-arrays solver made PCA of
 * 300 assets ~6x slower than scikit-learn; `npm run bench` measures it, and tests/research/symeig.test.ts checks residuals and orthogonality.
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
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
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
  // The reflectors stay in place: row i holds u_i in columns 0..i-1, and d[i] = |u_i|^2 / 2 (0: none).
  const reflectorH = Float64Array.from(d);
  for (let i = 0; i < n; i++) d[i] = a[i * n + i] as number;
  e[0] = 0;

  // Eigenvalues of the tridiagonal matrix (diagonal d, off-diagonal e[1..n-1]) by implicit QL, no vectors.
  const diag = Float64Array.from(d);
  const off = new Float64Array(n);
  for (let i = 1; i < n; i++) off[i - 1] = e[i] as number;
  qlValues(diag, off, n);
  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => (diag[x] as number) - (diag[y] as number));
  const values = Float64Array.from(order, (k) => diag[k] as number);

  // Eigenvectors of the tridiagonal matrix by inverse iteration, re-orthogonalised within clusters
  // (after LAPACK dstein), then carried back to the original basis by the reflectors.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i] as number) + Math.abs(e[i] as number) + Math.abs(i + 1 < n ? (e[i + 1] as number) : 0));
  // Orthogonality lost by inverse iteration is about eps * norm / gap: re-orthogonalise below 1e-5 * norm.
  const clusterGap = 1e-5 * norm;
  const y = new Float64Array(n * n); // row k: eigenvector k of the tridiagonal matrix
  const work = new TridiagonalSolver(d, e, n);
  let clusterStart = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0 && (values[k] as number) - (values[k - 1] as number) > clusterGap) clusterStart = k;
    const shift = values[k] as number;
    work.factor(shift, Number.EPSILON * norm);
    const x = y.subarray(k * n, k * n + n);
    for (let i = 0; i < n; i++) x[i] = 1 + ((i * 2654435761 + k * 40503) % 1000) / 1000;
    for (let iteration = 0; iteration < 3; iteration++) {
      work.solve(x);
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
  }
  // Back-transform v = P_{n-1} ... P_1 y with P_i = I - u_i u_i^T / h_i, applied to eight vectors
  // at a time so each reflector row is loaded once per block (cheaper than forming Q, then Q y).
  const vectors = y;
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const y0 = k * n,
      y1 = y0 + n,
      y2 = y1 + n,
      y3 = y2 + n,
      y4 = y3 + n,
      y5 = y4 + n,
      y6 = y5 + n,
      y7 = y6 + n;
    for (let i = 1; i < n; i++) {
      const h = reflectorH[i] as number;
      if (h === 0) continue;
      const ui = i * n;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0,
        s4 = 0,
        s5 = 0,
        s6 = 0,
        s7 = 0;
      for (let j = 0; j < i; j++) {
        const u = a[ui + j] as number;
        s0 += u * (y[y0 + j] as number);
        s1 += u * (y[y1 + j] as number);
        s2 += u * (y[y2 + j] as number);
        s3 += u * (y[y3 + j] as number);
        s4 += u * (y[y4 + j] as number);
        s5 += u * (y[y5 + j] as number);
        s6 += u * (y[y6 + j] as number);
        s7 += u * (y[y7 + j] as number);
      }
      s0 /= h;
      s1 /= h;
      s2 /= h;
      s3 /= h;
      s4 /= h;
      s5 /= h;
      s6 /= h;
      s7 /= h;
      for (let j = 0; j < i; j++) {
        const u = a[ui + j] as number;
        y[y0 + j] = (y[y0 + j] as number) - s0 * u;
        y[y1 + j] = (y[y1 + j] as number) - s1 * u;
        y[y2 + j] = (y[y2 + j] as number) - s2 * u;
        y[y3 + j] = (y[y3 + j] as number) - s3 * u;
        y[y4 + j] = (y[y4 + j] as number) - s4 * u;
        y[y5 + j] = (y[y5 + j] as number) - s5 * u;
        y[y6 + j] = (y[y6 + j] as number) - s6 * u;
        y[y7 + j] = (y[y7 + j] as number) - s7 * u;
      }
    }
  }
  for (; k < n; k++) {
    const yk = k * n;
    for (let i = 1; i < n; i++) {
      const h = reflectorH[i] as number;
      if (h === 0) continue;
      const ui = i * n;
      let s = 0;
      for (let j = 0; j < i; j++) s += (a[ui + j] as number) * (y[yk + j] as number);
      s /= h;
      for (let j = 0; j < i; j++) y[yk + j] = (y[yk + j] as number) - s * (a[ui + j] as number);
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

  /** Solves in place: x holds b on entry and the solution on return. */
  solve(x: Float64Array): void {
    const { n, u0, u1, u2, mult, swapped } = this;
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
  }
}
