/**
 * Likelihood-ratio tests for a shift in the mean and/or volatility of a return series, under the
 * Gaussian i.i.d. model r_t ~ N(mu, sigma^2) (null) against N(mu_1, sigma_1^2) before the break and
 * N(mu_2, sigma_2^2) from it on (maximum-likelihood estimates, variances divided by the count):
 * - mean:       H0 one mean, one variance; H1 two means, one variance.   LR = n ln(s0 / s_pooled), 1 df
 * - volatility: H0 two means, one variance; H1 two means, two variances.  LR = n ln s_pooled - k ln s1 - (n-k) ln s2, 1 df
 * - both:       H0 one mean, one variance; H1 two of each.                LR = n ln s0 - k ln s1 - (n-k) ln s2, 2 df
 * A given break: p from chi-square(df). An unknown break: the supremum of LR over breaks in
 * [trim n, (1 - trim) n] (Andrews 1993), p from seeded Monte-Carlo draws of the same statistic on
 * Gaussian i.i.d. series (the statistic is location-scale invariant, so this is its exact null law
 * up to Monte-Carlo error).
 */
import { seededRandom } from './bootstrap.js';

export const SHIFTS = ['mean', 'volatility', 'both'] as const;
export type Shift = (typeof SHIFTS)[number];
export const DF: Record<Shift, number> = { mean: 1, volatility: 1, both: 2 };

/** erfc by Numerical Recipes' Chebyshev fit (relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Survival function of chi-square with 1 or 2 degrees of freedom. */
export const chi2Sf = (x: number, df: number): number => (x <= 0 ? 1 : df === 2 ? Math.exp(-x / 2) : erfc(Math.sqrt(x / 2)));

/** Prefix sums of r and r^2, so every split costs O(1). */
function prefix(r: ArrayLike<number>): { s: Float64Array; q: Float64Array } {
  const n = r.length;
  const s = new Float64Array(n + 1);
  const q = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) {
    s[t + 1] = (s[t] as number) + (r[t] as number);
    q[t + 1] = (q[t] as number) + (r[t] as number) ** 2;
  }
  return { s, q };
}

/** LR at break k (the first k observations before it). */
function lrAt(p: { s: Float64Array; q: Float64Array }, n: number, k: number, shift: Shift): number {
  const ss = (from: number, to: number) => {
    const m = to - from;
    const sum = (p.s[to] as number) - (p.s[from] as number);
    return Math.max((p.q[to] as number) - (p.q[from] as number) - (sum * sum) / m, 1e-300);
  };
  const s0 = ss(0, n) / n;
  const s1 = ss(0, k) / k;
  const s2 = ss(k, n) / (n - k);
  const pooled = (ss(0, k) + ss(k, n)) / n;
  if (shift === 'mean') return n * Math.log(s0 / pooled);
  if (shift === 'volatility') return n * Math.log(pooled) - k * Math.log(s1) - (n - k) * Math.log(s2);
  return n * Math.log(s0) - k * Math.log(s1) - (n - k) * Math.log(s2);
}

export function lrStatistic(r: ArrayLike<number>, k: number, shift: Shift): number {
  return lrAt(prefix(r), r.length, k, shift);
}

/** The supremum over breaks k in [ceil(trim n), floor((1 - trim) n)] and where it is attained. */
export function supLr(r: ArrayLike<number>, shift: Shift, trim: number): { statistic: number; k: number } {
  const n = r.length;
  const p = prefix(r);
  let best = -Infinity;
  let at = -1;
  for (let k = Math.max(2, Math.ceil(trim * n)); k <= Math.min(n - 2, Math.floor((1 - trim) * n)); k++) {
    const v = lrAt(p, n, k, shift);
    if (v > best) {
      best = v;
      at = k;
    }
  }
  return { statistic: best, k: at };
}

/** Standard normal draws (Box-Muller) from the seeded generator. */
export function normals(n: number, random: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let t = 0; t < n; t += 2) {
    const u = 1 - random();
    const v = random();
    const rad = Math.sqrt(-2 * Math.log(u));
    out[t] = rad * Math.cos(2 * Math.PI * v);
    if (t + 1 < n) out[t + 1] = rad * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export interface RegimeTest {
  shift: Shift;
  statistic: number;
  break_index: number;
  df: number;
  p_value: number;
  null_distribution: string;
  mean_before: number;
  mean_after: number;
  vol_before: number;
  vol_after: number;
}

export function regimeTest(
  r: ArrayLike<number>,
  shift: Shift,
  opts: { breakIndex?: number | undefined; trim: number; nSim: number; seed: number },
): RegimeTest {
  const n = r.length;
  let statistic: number;
  let k: number;
  let p: number;
  let law: string;
  if (opts.breakIndex !== undefined) {
    k = opts.breakIndex;
    statistic = lrStatistic(r, k, shift);
    p = chi2Sf(statistic, DF[shift]);
    law = `chi-square(${DF[shift]}) at the given break`;
  } else {
    ({ statistic, k } = supLr(r, shift, opts.trim));
    const random = seededRandom(opts.seed);
    let above = 0;
    for (let i = 0; i < opts.nSim; i++) if (supLr(normals(n, random), shift, opts.trim).statistic >= statistic) above++;
    p = (above + 1) / (opts.nSim + 1);
    law = `sup-LR over breaks in [${opts.trim}, ${1 - opts.trim}] of the sample; Monte-Carlo null from ${opts.nSim} Gaussian i.i.d. series (seeded)`;
  }
  const seg = (from: number, to: number) => {
    let m = 0;
    for (let t = from; t < to; t++) m += r[t] as number;
    m /= to - from;
    let v = 0;
    for (let t = from; t < to; t++) v += ((r[t] as number) - m) ** 2;
    return { m, sd: Math.sqrt(v / (to - from)) };
  };
  const a = seg(0, k);
  const b = seg(k, n);
  return {
    shift,
    statistic,
    break_index: k,
    df: DF[shift],
    p_value: p,
    null_distribution: law,
    mean_before: a.m,
    mean_after: b.m,
    vol_before: a.sd,
    vol_after: b.sd,
  };
}
