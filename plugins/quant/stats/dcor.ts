/**
 * Distance correlation of two univariate series (Székely, Rizzo & Bakirov 2007) in O(n log n) time
 * and O(n) memory (the bivariate algorithm of Huo & Székely 2016; Chaudhuri & Hu 2019 sort the
 * same way), and the O(n²) definition it is checked against.
 *
 * With a_ij = |x_i − x_j|, row sums a_i. and grand sum a.. (likewise b for y):
 *   V-statistic   dCov²_n = S1/n² − 2 S2/n³ + a.. b../n⁴, S1 = Σ_ij a_ij b_ij, S2 = Σ_i a_i. b_i.
 *   U-statistic   Ω_n     = [S1 − 2 S2/(n−2) + a.. b../((n−1)(n−2))] / (n(n−3))   (bias-corrected)
 *   dCor_n = √(dCov²_n(x,y) / √(dCov²_n(x,x) dCov²_n(y,y))), 0 when either variance is 0.
 * Row sums come from one sort and prefix sums; S1 from a pass in x order with Fenwick trees over
 * y ranks (the pairs below and above y_j carry Σ1, Σx, Σy, Σxy). The series are first standardised
 * (dCor is invariant to shifts and scale), which keeps the sums well conditioned.
 */

export interface DistanceTerms {
  n: number;
  /** Σ_ij a_ij b_ij, Σ_i a_i. b_i., a.. b.. for (x, y), (x, x), (y, y). */
  xy: [number, number, number];
  xx: [number, number, number];
  yy: [number, number, number];
}

/** (v − mean) / sd (population); a constant series becomes all zeros. */
function standardise(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[i] as number;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((v[i] as number) - mean) ** 2;
  const scale = ss > 0 ? 1 / Math.sqrt(ss / n) : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((v[i] as number) - mean) * scale;
  return out;
}

/** Indices that sort v ascending. */
function argsort(v: Float64Array): Uint32Array {
  const idx = new Uint32Array(v.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((i, j) => (v[i] as number) - (v[j] as number));
}

/** a_i. = Σ_j |v_i − v_j| for every i, from the sorted order: v_(k)(2k − n) + S − 2 P_k (0-based k, P_k the sum before k). */
function rowSums(v: Float64Array, order: Uint32Array): Float64Array {
  const n = v.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += v[i] as number;
  const out = new Float64Array(n);
  let before = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const x = v[i] as number;
    out[i] = x * (2 * k - n) + total - 2 * before;
    before += x;
  }
  return out;
}

/** Σ_ij |x_i − x_j| |y_i − y_j| over ordered pairs, in O(n log n). */
function crossSum(x: Float64Array, y: Float64Array, xOrder: Uint32Array, yOrder: Uint32Array): number {
  const n = x.length;
  const rank = new Uint32Array(n);
  for (let k = 0; k < n; k++) rank[yOrder[k] as number] = k;
  // Four Fenwick trees (1-based) over y ranks: count, Σx, Σy, Σxy of the points already passed in x order.
  const c = new Float64Array(n + 1);
  const sx = new Float64Array(n + 1);
  const sy = new Float64Array(n + 1);
  const sxy = new Float64Array(n + 1);
  let tx = 0;
  let ty = 0;
  let txy = 0;
  let total = 0;
  for (let k = 0; k < n; k++) {
    const j = xOrder[k] as number;
    const xj = x[j] as number;
    const yj = y[j] as number;
    const r = rank[j] as number;
    // Prefix over ranks < r: the earlier points with y_i <= y_j (ties contribute 0 either way).
    let l0 = 0;
    let lx = 0;
    let ly = 0;
    let lxy = 0;
    for (let q = r; q > 0; q -= q & -q) {
      l0 += c[q] as number;
      lx += sx[q] as number;
      ly += sy[q] as number;
      lxy += sxy[q] as number;
    }
    const g0 = k - l0;
    const gx = tx - lx;
    const gy = ty - ly;
    const gxy = txy - lxy;
    // Σ_i (x_j − x_i)(y_j − y_i) over the lower group, minus the same over the upper group.
    total += xj * yj * (l0 - g0) - xj * (ly - gy) - yj * (lx - gx) + (lxy - gxy);
    for (let q = r + 1; q <= n; q += q & -q) {
      c[q] = (c[q] as number) + 1;
      sx[q] = (sx[q] as number) + xj;
      sy[q] = (sy[q] as number) + yj;
      sxy[q] = (sxy[q] as number) + xj * yj;
    }
    tx += xj;
    ty += yj;
    txy += xj * yj;
  }
  return 2 * total;
}

/** Σ_ij (v_i − v_j)² = 2n Σ v² − 2 (Σ v)². */
function selfSquares(v: Float64Array): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i] as number;
    s2 += (v[i] as number) ** 2;
  }
  return 2 * v.length * s2 - 2 * s * s;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return s;
}

/** The three sums of each V/U-statistic, in O(n log n) time and O(n) memory, on the standardised series. */
export function distanceTerms(a: ArrayLike<number>, b: ArrayLike<number>): DistanceTerms {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`distance correlation needs series of equal length (${n} and ${b.length})`);
  const x = standardise(a);
  const y = standardise(b);
  const xo = argsort(x);
  const yo = argsort(y);
  const ax = rowSums(x, xo);
  const by = rowSums(y, yo);
  const axx = sum(ax);
  const byy = sum(by);
  return {
    n,
    xy: [crossSum(x, y, xo, yo), dot(ax, by), axx * byy],
    xx: [selfSquares(x), dot(ax, ax), axx * axx],
    yy: [selfSquares(y), dot(by, by), byy * byy],
  };
}

const vStat = (n: number, [s1, s2, s3]: [number, number, number]): number => s1 / (n * n) - (2 * s2) / (n * n * n) + s3 / (n * n * n * n);
const uStat = (n: number, [s1, s2, s3]: [number, number, number]): number => (s1 - (2 * s2) / (n - 2) + s3 / ((n - 1) * (n - 2))) / (n * (n - 3));

/** Sample distance correlation (V-statistic, as energy::dcor): 1 for identical series, invariant to scale and shift. */
export function distanceCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const t = distanceTerms(a, b);
  const vx = vStat(t.n, t.xx);
  const vy = vStat(t.n, t.yy);
  if (!(vx > 0 && vy > 0)) return 0;
  return Math.sqrt(Math.min(1, Math.max(0, vStat(t.n, t.xy) / Math.sqrt(vx * vy))));
}

/** Bias-corrected squared distance correlation (U-statistic, as energy::bcdcor); may be negative. Needs n > 3. */
export function biasCorrectedDistanceCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const t = distanceTerms(a, b);
  if (t.n < 4) throw new RangeError('the bias-corrected distance correlation needs at least 4 observations');
  const ux = uStat(t.n, t.xx);
  const uy = uStat(t.n, t.yy);
  if (!(ux > 0 && uy > 0)) return 0;
  return uStat(t.n, t.xy) / Math.sqrt(ux * uy);
}

/** The O(n²) definition (double-centred distance matrices), for tests and the benchmark on small inputs. */
export function distanceCorrelationNaive(a: ArrayLike<number>, b: ArrayLike<number>): number {
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
  return dvar > 0 ? Math.sqrt(Math.max(0, ab / (n * n)) / dvar) : 0;
}
