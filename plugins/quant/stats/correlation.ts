/**
 * Correlation matrices through the blocked XᵀX kernel (gram.ts, two threads over shared memory):
 * each column is standardised (Pearson) or ranked then standardised (Spearman, as pandas) once into
 * one flat Float64Array, and the matrix is the cross products of those columns. The most and least
 * correlated pairs come from a bounded selection over the upper triangle: no per-pair objects, no sort.
 */
import { columnMatrix, crossProducts } from './gram.js';

export type CorrelationMethod = 'pearson' | 'spearman';

/** Ranks with ties averaged (pandas' rank(method="average")) written into out[offset..]: one native sort, then binary search. */
export function rankInto(x: ArrayLike<number>, out: Float64Array, offset = 0): void {
  const n = x.length;
  const sorted = new Float64Array(n);
  for (let t = 0; t < n; t++) sorted[t] = x[t] as number;
  sorted.sort();
  for (let t = 0; t < n; t++) {
    const v = x[t] as number;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    let last = lo;
    if (last + 1 < n && sorted[last + 1] === v) {
      let top = n;
      let bottom = last;
      while (bottom + 1 < top) {
        const mid = (bottom + top) >>> 1;
        if (sorted[mid] === v) bottom = mid;
        else top = mid;
      }
      last = bottom;
    }
    out[offset + t] = (lo + last) / 2 + 1;
  }
}

/** Centres the n values at data[offset..] and scales them to unit norm (a constant column becomes NaN, as pandas gives NaN). */
function standardiseAt(data: Float64Array, offset: number, n: number): void {
  let mean = 0;
  for (let t = 0; t < n; t++) mean += data[offset + t] as number;
  mean /= n;
  let ss = 0;
  for (let t = 0; t < n; t++) {
    const d = (data[offset + t] as number) - mean;
    data[offset + t] = d;
    ss += d * d;
  }
  const scale = 1 / Math.sqrt(ss);
  for (let t = 0; t < n; t++) data[offset + t] = (data[offset + t] as number) * scale;
}

/** The p x p correlation matrix (row-major) of the columns, all of one length. */
export async function correlationMatrix(columns: ArrayLike<number>[], method: CorrelationMethod = 'pearson'): Promise<Float64Array> {
  const p = columns.length;
  const n = columns[0]?.length ?? 0;
  const z = columnMatrix(p, n);
  for (let i = 0; i < p; i++) {
    const c = columns[i] as ArrayLike<number>;
    if (method === 'spearman') rankInto(c, z, i * n);
    else z.set(c, i * n);
    standardiseAt(z, i * n, n);
  }
  const out = await crossProducts(z, p, n);
  for (let i = 0; i < p; i++) if (!Number.isNaN(out[i * p + i])) out[i * p + i] = 1;
  return out;
}

/** Rows of a flat p x p matrix, as the tools return it. */
export function rowsOf(matrix: Float64Array, p: number): number[][] {
  return Array.from({ length: p }, (_, i) => Array.from(matrix.subarray(i * p, i * p + p)));
}

export interface PairValue {
  i: number;
  j: number;
  value: number;
}

/**
 * The k largest and k smallest off-diagonal values of a symmetric matrix (pairs i < j, NaN skipped),
 * in the order a stable descending sort of the pairs in (i, j) order gives: `most` from its head,
 * `least` from its tail reversed. k is small, so each side is a sorted buffer of k entries that a
 * pair enters only when it beats the current k-th: O(pairs) with a rare O(k) insertion.
 */
export function extremePairs(matrix: Float64Array, p: number, k: number): { most: PairValue[]; least: PairValue[] } {
  const most: PairValue[] = [];
  const least: PairValue[] = [];
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      const value = matrix[i * p + j] as number;
      if (Number.isNaN(value)) continue;
      // Ties: an earlier pair stays ahead in `most`; a later pair comes first in `least`.
      if (most.length < k || value > (most[most.length - 1] as PairValue).value) {
        let at = most.length;
        while (at > 0 && value > (most[at - 1] as PairValue).value) at--;
        most.splice(at, 0, { i, j, value });
        if (most.length > k) most.pop();
      }
      if (least.length < k || value <= (least[least.length - 1] as PairValue).value) {
        let at = least.length;
        while (at > 0 && value <= (least[at - 1] as PairValue).value) at--;
        least.splice(at, 0, { i, j, value });
        if (least.length > k) least.pop();
      }
    }
  }
  return { most, least };
}
