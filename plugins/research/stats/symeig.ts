/**
 * Eigendecomposition of a symmetric matrix on flat Float64Arrays: Householder reduction to
 * tridiagonal form, then the implicit QL algorithm with shifts (the classical EISPACK approach).
 * Hand-written because ml-matrix's array-of-arrays version made PCA of 300 assets ~3x slower
 * than the reference; `npm run bench` shows the difference. Eigenvectors are kept as rows so
 * every rotation touches two contiguous rows.
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
        for (let j = 0; j <= l; j++) {
          a[j * n + i] = (a[i * n + j] as number) / h;
          // The leading block is kept symmetric (see the update below), so row j holds a[k][j] too.
          g = 0;
          const row = j * n;
          for (let k = 0; k <= l; k++) g += (a[row + k] as number) * (a[i * n + k] as number);
          e[j] = g / h;
          f += (e[j] as number) * (a[i * n + j] as number);
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = a[i * n + j] as number;
          const gj = (e[j] as number) - hh * fj;
          e[j] = gj;
          for (let k = 0; k <= j; k++) {
            const value = (a[j * n + k] as number) - (fj * (e[k] as number) + gj * (a[i * n + k] as number));
            a[j * n + k] = value;
            a[k * n + j] = value; // mirror, so later passes read rows only
          }
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

  // z holds the eigenvectors as rows: z[k][*] = column k of the transform.
  const z = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) z[c * n + r] = a[r * n + c] as number;

  // Implicit QL with Wilkinson-style shifts.
  for (let i = 1; i < n; i++) e[i - 1] = e[i] as number;
  e[n - 1] = 0;
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
        g = (d[m] as number) - (d[l] as number) + (e[l] as number) / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let underflow = false;
        for (i = m - 1; i >= l; i--) {
          let f = s * (e[i] as number);
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
          const rowA = (i + 1) * n;
          const rowB = i * n;
          for (let k = 0; k < n; k++) {
            f = z[rowA + k] as number;
            const zi = z[rowB + k] as number;
            z[rowA + k] = s * zi + c * f;
            z[rowB + k] = c * zi - s * f;
          }
        }
        if (underflow) continue;
        d[l] = (d[l] as number) - p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }

  // Sort ascending.
  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => (d[x] as number) - (d[y] as number));
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((k, rank) => {
    values[rank] = d[k] as number;
    vectors.set(z.subarray(k * n, k * n + n), rank * n);
  });
  return { values, vectors };
}
