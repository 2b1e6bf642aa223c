/** Multiple-testing corrections of a family of p-values (as statsmodels' multipletests). */

export const CORRECTIONS = ['none', 'bonferroni', 'fdr_bh'] as const;
export type Correction = (typeof CORRECTIONS)[number];

/** Bonferroni: min(1, m p). */
export function bonferroni(p: ArrayLike<number>): Float64Array {
  const m = p.length;
  return Float64Array.from(p, (v) => Math.min(1, v * m));
}

/** Benjamini-Hochberg step-up adjusted p-values: min over j >= rank of m p_(j) / j, capped at 1. */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const m = p.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => (p[a] as number) - (p[b] as number));
  const out = new Float64Array(m);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const i = order[k] as number;
    running = Math.min(running, ((p[i] as number) * m) / (k + 1));
    out[i] = running;
  }
  return out;
}

export function adjust(p: ArrayLike<number>, method: Correction): Float64Array {
  if (method === 'bonferroni') return bonferroni(p);
  if (method === 'fdr_bh') return benjaminiHochberg(p);
  return Float64Array.from(p);
}
