/**
 * Kalman-filter regression with random-walk coefficients (a dynamic hedge ratio):
 *   y_t = a_t + b_t x_t + e_t,  e_t ~ N(0, R)
 *   [a_t, b_t] = [a_{t-1}, b_{t-1}] + w_t,  w_t ~ N(0, q I),  q = delta / (1 - delta)
 * The state before the first observation is N(0, p0 I). Innovations v_t = y_t - (a + b x_t) use the
 * predicted state (no look-ahead); the hedge series is the filtered b_t after observing t.
 * The same recursion as statsmodels' state-space filter with a known initialisation; R and q by
 * maximum likelihood (Nelder-Mead on their logs) when asked.
 */

export interface KalmanSettings {
  /** Observation noise variance R. */
  obsVar: number;
  /** State noise variance q per coefficient per step. */
  stateVar: number;
  /** Prior variance of each coefficient before the first observation. */
  priorVar: number;
}

export interface KalmanResult {
  intercept: Float64Array;
  hedge: Float64Array;
  /** One-step-ahead prediction error y_t - (a_{t|t-1} + b_{t|t-1} x_t). */
  innovation: Float64Array;
  /** Innovation variance S_t. */
  variance: Float64Array;
  loglik: number;
}

export const deltaToStateVar = (delta: number): number => delta / (1 - delta);

export function kalmanRegression(y: ArrayLike<number>, x: ArrayLike<number>, s: KalmanSettings): KalmanResult {
  const n = y.length;
  const intercept = new Float64Array(n);
  const hedge = new Float64Array(n);
  const innovation = new Float64Array(n);
  const variance = new Float64Array(n);
  // Predicted state and covariance [[p00, p01], [p01, p11]].
  let a = 0;
  let b = 0;
  let p00 = s.priorVar;
  let p01 = 0;
  let p11 = s.priorVar;
  let loglik = 0;
  for (let t = 0; t < n; t++) {
    const xt = x[t] as number;
    const v = (y[t] as number) - a - b * xt;
    // F = [1, x]; P F' = [p00 + p01 x, p01 + p11 x].
    const f0 = p00 + p01 * xt;
    const f1 = p01 + p11 * xt;
    const S = f0 + f1 * xt + s.obsVar;
    const k0 = f0 / S;
    const k1 = f1 / S;
    a += k0 * v;
    b += k1 * v;
    // P - K S K'.
    p00 -= k0 * f0;
    p01 -= k0 * f1;
    p11 -= k1 * f1;
    intercept[t] = a;
    hedge[t] = b;
    innovation[t] = v;
    variance[t] = S;
    loglik -= 0.5 * (Math.log(2 * Math.PI) + Math.log(S) + (v * v) / S);
    p00 += s.stateVar;
    p11 += s.stateVar;
  }
  return { intercept, hedge, innovation, variance, loglik };
}

/** Nelder-Mead minimisation of f from x0 (standard coefficients 1, 2, 0.5, 0.5). */
export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  { step = 0.5, tol = 1e-10, maxIter = 2000 } = {},
): { x: number[]; value: number; iterations: number } {
  const d = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((p) => ({ p, v: f(p) }));
  let iter = 0;
  for (; iter < maxIter; iter++) {
    simplex.sort((u, w) => u.v - w.v);
    const best = simplex[0]!;
    const worst = simplex[d]!;
    if (Math.abs(worst.v - best.v) <= tol * (Math.abs(best.v) + tol)) break;
    const centroid = x0.map((_, j) => simplex.slice(0, d).reduce((s, q) => s + (q.p[j] as number), 0) / d);
    const at = (c: number) => centroid.map((v, j) => v + c * ((worst.p[j] as number) - v));
    const r = { p: at(-1), v: 0 };
    r.v = f(r.p);
    if (r.v < best.v) {
      const e = { p: at(-2), v: 0 };
      e.v = f(e.p);
      simplex[d] = e.v < r.v ? e : r;
    } else if (r.v < simplex[d - 1]!.v) {
      simplex[d] = r;
    } else {
      const c = { p: r.v < worst.v ? at(-0.5) : at(0.5), v: 0 };
      c.v = f(c.p);
      if (c.v < Math.min(r.v, worst.v)) simplex[d] = c;
      else
        simplex = simplex
          .map((q, i) => (i === 0 ? q : { p: q.p.map((v, j) => (best.p[j] as number) + 0.5 * (v - (best.p[j] as number))), v: 0 }))
          .map((q, i) => (i === 0 ? q : { ...q, v: f(q.p) }));
    }
  }
  simplex.sort((u, w) => u.v - w.v);
  return { x: simplex[0]!.p, value: simplex[0]!.v, iterations: iter };
}

/** R and q maximising the likelihood (prior variance fixed), starting from the given settings. */
export function kalmanMle(y: ArrayLike<number>, x: ArrayLike<number>, start: KalmanSettings): { settings: KalmanSettings; loglik: number; iterations: number } {
  const at = (p: number[]): KalmanSettings => ({ obsVar: Math.exp(p[0] as number), stateVar: Math.exp(p[1] as number), priorVar: start.priorVar });
  const fit = nelderMead((p) => -kalmanRegression(y, x, at(p)).loglik, [Math.log(start.obsVar), Math.log(start.stateVar)], {
    step: 1,
    tol: 1e-12,
    maxIter: 5000,
  });
  return { settings: at(fit.x), loglik: -fit.value, iterations: fit.iterations };
}
