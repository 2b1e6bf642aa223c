/**
 * Alpha inference: OLS of strategy returns on a constant and benchmark/factor columns, and the
 * p-value of alpha from Politis and Romano's (1994) stationary bootstrap: rows (y_t, X_t) are
 * resampled jointly in blocks of geometric length (mean `blockLength`, wrapping around the end);
 * p = share of draws with |alpha* - alpha| >= |alpha| (two-sided, the bootstrap distribution
 * re-centred at the estimate to impose alpha = 0). Seeded, so a run is reproducible.
 */
import { ols } from './ols.js';

/** A small seeded generator (mulberry32): uniform doubles in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One stationary-bootstrap index sequence of length n. */
export function stationaryIndices(n: number, blockLength: number, random: () => number): Int32Array {
  const out = new Int32Array(n);
  const p = 1 / blockLength;
  let i = Math.floor(random() * n);
  for (let t = 0; t < n; t++) {
    if (t > 0) i = random() < p ? Math.floor(random() * n) : (i + 1) % n;
    out[t] = i;
  }
  return out;
}

export interface AlphaInference {
  alpha: number;
  betas: number[];
  alpha_se: number;
  alpha_t: number;
  r_squared: number;
  p_value_bootstrap: number;
  bootstrap_se: number;
  n_boot: number;
  block_length: number;
  n_obs: number;
}

const withConstant = (factors: ArrayLike<number>[], rows: ArrayLike<number>, n: number): Float64Array[] => [
  new Float64Array(n).fill(1),
  ...factors.map((f) => Float64Array.from(rows as ArrayLike<number>, (r) => f[r] as number)),
];

export function alphaInference(
  y: ArrayLike<number>,
  factors: ArrayLike<number>[],
  opts: { nBoot: number; blockLength: number; seed: number; onProgress?: (done: number, total: number) => void },
): AlphaInference {
  const n = y.length;
  const all = Int32Array.from({ length: n }, (_, t) => t);
  const yy = Float64Array.from(y);
  const fit = ols(withConstant(factors, all, n), yy);
  let mean = 0;
  for (const v of yy) mean += v;
  mean /= n;
  let tss = 0;
  for (const v of yy) tss += (v - mean) ** 2;
  const alpha = fit.beta[0] as number;
  const random = seededRandom(opts.seed);
  let extreme = 0;
  let sum = 0;
  let sumSq = 0;
  for (let b = 0; b < opts.nBoot; b++) {
    const idx = stationaryIndices(n, opts.blockLength, random);
    const star = ols(
      withConstant(factors, idx, n),
      Float64Array.from(idx, (t) => yy[t] as number),
    ).beta[0] as number;
    if (Math.abs(star - alpha) >= Math.abs(alpha)) extreme++;
    sum += star;
    sumSq += star * star;
    if (opts.onProgress && (b + 1) % 100 === 0) opts.onProgress(b + 1, opts.nBoot);
  }
  const bootMean = sum / opts.nBoot;
  return {
    alpha,
    betas: Array.from(fit.beta.subarray(1)),
    alpha_se: fit.se[0] as number,
    alpha_t: alpha / (fit.se[0] as number),
    r_squared: tss > 0 ? 1 - fit.rss / tss : 0,
    p_value_bootstrap: extreme / opts.nBoot,
    bootstrap_se: Math.sqrt(Math.max(0, sumSq / opts.nBoot - bootMean * bootMean) * (opts.nBoot / (opts.nBoot - 1))),
    n_boot: opts.nBoot,
    block_length: opts.blockLength,
    n_obs: n,
  };
}
