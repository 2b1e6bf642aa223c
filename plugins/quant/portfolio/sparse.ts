/**
 * Sparse index tracking by majorisation–minimisation (Benidis, Feng & Palomar, IEEE TSP 2018).
 *
 * Objective: f(w) = (1/T) Σ_t φ_M((r_b,t − x_tᵀw)⁺) + λ Σ_i ρ(w_i), where φ_M is Huber's function
 * (z² up to M, then M(2|z| − M)) applied to the shortfall against the benchmark, and
 * ρ(w) = log(1 + w/p) / log(1 + u/p) is the log-sparsity penalty (u = max_weight, so ρ(u) = 1).
 * Constraints: Σ w = 1, 0 ≤ w ≤ u.
 *
 * Each iteration majorises at w_k: the penalty by its tangent (slope d_i = 1 / (log(1 + u/p)(p + w_i))),
 * each day's downside Huber term by a weighted square α_t (c_t − x_tᵀw)² (α_t = M / z_t above M, else 1;
 * target shifted by min(z_t, 0)), and the resulting quadratic by λ_max(XᵀX/T)·‖w‖², which bounds it
 * because α_t ≤ 1. The surrogate's minimiser is a projection onto the capped simplex, so every step
 * is closed-form and f never increases (the tests check it at each iteration).
 */
import { crossProductRows } from '../stats/gram.js';
import { symmetricEigen } from '../stats/symeig.js';

export interface SparseOptions {
  lambda: number;
  maxWeight: number;
  huberM: number;
  /** Shape of the log penalty: smaller is closer to counting non-zeros. */
  p: number;
  maxIterations: number;
  /** Stop when no weight moves more than this. */
  tolerance: number;
}

export interface SparseResult {
  weights: Float64Array;
  iterations: number;
  converged: boolean;
  /** f(w) at the start and after every iteration. */
  objective: number[];
}

/** argmin ‖w − v‖ subject to Σ w = 1, 0 ≤ w ≤ u: w = clip(v − τ, 0, u), τ exact from the breakpoints. */
export function projectCappedSimplex(v: Float64Array, u: number): Float64Array<ArrayBuffer> {
  const n = v.length;
  const points = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    points[i] = v[i]!;
    points[n + i] = v[i]! - u;
  }
  points.sort().reverse();
  const mass = (tau: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.min(u, Math.max(0, v[i]! - tau));
    return s;
  };
  let tau = points[0]!;
  let previous = mass(tau);
  for (let k = 1; k < points.length && previous < 1; k++) {
    const t1 = points[k]!;
    const f1 = mass(t1);
    if (f1 >= 1) {
      tau = f1 === previous ? t1 : tau + ((1 - previous) * (t1 - tau)) / (f1 - previous);
      break;
    }
    tau = t1;
    previous = f1;
  }
  return Float64Array.from(v, (x) => Math.min(u, Math.max(0, x - tau)));
}

const huber = (z: number, m: number): number => (Math.abs(z) <= m ? z * z : m * (2 * Math.abs(z) - m));

/** x[i][t]: asset i's return on day t; benchmark[t] the index's. */
export function sparseTracking(x: Float64Array[], benchmark: Float64Array, o: SparseOptions): SparseResult {
  const n = x.length;
  const T = benchmark.length;
  const scale = Math.log(1 + o.maxWeight / o.p);
  const columns = new Float64Array(n * T);
  x.forEach((xi, i) => columns.set(xi, i * T));
  const gram = new Float64Array(n * n);
  crossProductRows(columns, n, T, gram, 0, n);
  for (let k = 0; k < gram.length; k++) gram[k] = gram[k]! / T;
  const lmax = symmetricEigen(gram, n).values[n - 1]!;
  let w: Float64Array<ArrayBuffer> = new Float64Array(n).fill(1 / n);
  const fitted = new Float64Array(T);
  const fit = (weights: Float64Array): void => {
    fitted.fill(0);
    for (let i = 0; i < n; i++) {
      const wi = weights[i]!;
      if (wi === 0) continue;
      const xi = x[i]!;
      for (let t = 0; t < T; t++) fitted[t] = fitted[t]! + wi * xi[t]!;
    }
  };
  const objective = (weights: Float64Array): number => {
    let risk = 0;
    for (let t = 0; t < T; t++) risk += huber(Math.max(benchmark[t]! - fitted[t]!, 0), o.huberM);
    let penalty = 0;
    for (let i = 0; i < n; i++) penalty += Math.log(1 + weights[i]! / o.p) / scale;
    return risk / T + o.lambda * penalty;
  };
  fit(w);
  const history = [objective(w)];
  const weighted = new Float64Array(T);
  const v = new Float64Array(n);
  let converged = false;
  let iterations = 0;
  while (iterations < o.maxIterations) {
    iterations++;
    // Residual weights of the surrogate: α_t (x_tᵀw − target_t), target_t = r_b,t − min(z_t, 0).
    for (let t = 0; t < T; t++) {
      const z = benchmark[t]! - fitted[t]!;
      const alpha = z > o.huberM ? o.huberM / z : 1;
      weighted[t] = alpha * (fitted[t]! - (benchmark[t]! - Math.min(z, 0)));
    }
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      let g = 0;
      for (let t = 0; t < T; t++) g += xi[t]! * weighted[t]!;
      const q = (2 / T) * g - 2 * lmax * w[i]! + o.lambda / (scale * (o.p + w[i]!));
      v[i] = -q / (2 * lmax);
    }
    const next = projectCappedSimplex(v, o.maxWeight);
    let step = 0;
    for (let i = 0; i < n; i++) step = Math.max(step, Math.abs(next[i]! - w[i]!));
    w = next;
    fit(w);
    history.push(objective(w));
    if (step <= o.tolerance) {
      converged = true;
      break;
    }
  }
  return { weights: w, iterations, converged, objective: history };
}

export interface CountSearch extends SparseResult {
  /** The lambda chosen: the smallest found (to a factor of 10^0.02) that leaves at most maxAssets names. */
  lambda: number;
  /** Solves run while searching. */
  evaluations: number;
}

const activeCount = (w: Float64Array): number => w.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);

/**
 * The sparsest-enough portfolio for a target number of names: bisection on log10(lambda) for the
 * smallest lambda whose solution holds at most maxAssets non-zero weights (the count falls as lambda
 * rises). Brackets from 1e-9 upwards by factors of 10 up to 1; stops when the bracket is narrower
 * than 0.02 in log10 or the count equals maxAssets.
 */
export function sparseTrackingMaxAssets(x: Float64Array[], benchmark: Float64Array, o: Omit<SparseOptions, 'lambda'>, maxAssets: number): CountSearch {
  let evaluations = 0;
  const solve = (logLambda: number) => {
    evaluations++;
    return { logLambda, result: sparseTracking(x, benchmark, { ...o, lambda: 10 ** logLambda }) };
  };
  let low = solve(-9);
  if (activeCount(low.result.weights) <= maxAssets) return { ...low.result, lambda: 10 ** low.logLambda, evaluations };
  let high = low;
  for (let e = -8; e <= 0; e++) {
    high = solve(e);
    if (activeCount(high.result.weights) <= maxAssets) break;
    low = high;
  }
  if (activeCount(high.result.weights) > maxAssets) return { ...high.result, lambda: 10 ** high.logLambda, evaluations };
  while (high.logLambda - low.logLambda > 0.02 && activeCount(high.result.weights) !== maxAssets) {
    const mid = solve((low.logLambda + high.logLambda) / 2);
    if (activeCount(mid.result.weights) <= maxAssets) high = mid;
    else low = mid;
  }
  return { ...high.result, lambda: 10 ** high.logLambda, evaluations };
}
