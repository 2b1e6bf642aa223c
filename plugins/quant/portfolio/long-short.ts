/**
 * Long/short construction: per-name caps on a book's weights, a beta-neutral split of gross exposure
 * between the long and the short book, and ex-ante volatility targeting.
 */

export class ConstructionError extends Error {
  override name = 'ConstructionError';
}

/**
 * Weights summing to 1 with none above cap: capped names are fixed at the cap and the excess is
 * redistributed to the others in proportion to their weights, until none exceeds it.
 */
export function capWeights(weights: ArrayLike<number>, cap: number): Float64Array {
  const n = weights.length;
  if (cap * n < 1 - 1e-12)
    throw new ConstructionError(`a cap of ${cap} on ${n} names cannot hold a fully invested book (needs at least ${(1 / n).toPrecision(4)})`);
  const w = Float64Array.from(weights);
  const fixed = new Uint8Array(n);
  for (let round = 0; round < n; round++) {
    let over = false;
    for (let i = 0; i < n; i++) if (!fixed[i] && (w[i] as number) > cap + 1e-15) over = true;
    if (!over) break;
    for (let i = 0; i < n; i++) if (!fixed[i] && (w[i] as number) > cap) fixed[i] = 1;
    let freeMass = 0;
    let freeCount = 0;
    for (let i = 0; i < n; i++) if (!fixed[i]) (freeMass += w[i] as number), freeCount++;
    const remaining = 1 - cap * (n - freeCount);
    for (let i = 0; i < n; i++) w[i] = fixed[i] ? cap : freeMass > 0 ? ((w[i] as number) * remaining) / freeMass : remaining / Math.max(1, freeCount);
  }
  return w;
}

/**
 * Gross split g_long + g_short = 1 with g_long beta_long = g_short beta_short (net beta 0), where
 * beta_long and beta_short are the books' betas at unit weight. Both must be positive.
 */
export function betaNeutralSplit(betaLong: number, betaShort: number): { long: number; short: number } {
  if (!(betaLong > 0) || !(betaShort > 0))
    throw new ConstructionError(
      `beta-neutral sizing needs both books to have positive beta (long ${betaLong.toPrecision(4)}, short ${betaShort.toPrecision(4)})`,
    );
  return { long: betaShort / (betaLong + betaShort), short: betaLong / (betaLong + betaShort) };
}

/** sqrt(w' C w) for a row-major covariance. */
export function portfolioVol(w: ArrayLike<number>, cov: Float64Array): number {
  const p = w.length;
  let v = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) v += (w[i] as number) * (w[j] as number) * (cov[i * p + j] as number);
  return Math.sqrt(Math.max(v, 0));
}
