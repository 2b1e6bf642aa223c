/**
 * Hierarchical risk parity (López de Prado 2016): agglomerative linkage of the correlation
 * distance d = √((1 − ρ)/2) (or of d̃, the distance between its columns, as the paper does), leaves in dendrogram order (quasi-diagonalisation), then recursive
 * bisection of that order with inverse-variance weights inside each half. The linkage is the
 * nearest-neighbour chain with Lance–Williams updates, its merges sorted by height and relabelled
 * as scipy.cluster.hierarchy.linkage does, so the leaf order is the one scipy gives.
 */

export const LINKAGES = ['single', 'complete', 'average', 'ward'] as const;
export type Linkage = (typeof LINKAGES)[number];

export interface Merge {
  left: number;
  right: number;
  height: number;
  size: number;
}

/** Linkage of a full n x n distance matrix (row-major); merges as scipy's Z (cluster n + k is merge k). */
export function linkage(distances: Float64Array, n: number, method: Linkage): Merge[] {
  const d = Float64Array.from(distances);
  const size = new Float64Array(n).fill(1);
  const raw: { x: number; y: number; height: number; size: number }[] = [];
  const chain: number[] = [];
  for (let merged = 0; merged < n - 1; merged++) {
    if (chain.length === 0) {
      for (let i = 0; i < n; i++)
        if (size[i]! > 0) {
          chain.push(i);
          break;
        }
    }
    let x = 0;
    let y = 0;
    let best = 0;
    for (;;) {
      x = chain[chain.length - 1]!;
      y = chain.length >= 2 ? chain[chain.length - 2]! : -1;
      best = y >= 0 ? d[x * n + y]! : Infinity;
      for (let i = 0; i < n; i++) {
        if (size[i] === 0 || i === x) continue;
        const v = d[x * n + i]!;
        if (v < best) {
          best = v;
          y = i;
        }
      }
      if (chain.length >= 2 && y === chain[chain.length - 2]) break;
      chain.push(y);
    }
    chain.pop();
    chain.pop();
    if (x > y) [x, y] = [y, x];
    const nx = size[x]!;
    const ny = size[y]!;
    raw.push({ x, y, height: best, size: nx + ny });
    size[x] = 0;
    size[y] = nx + ny;
    for (let i = 0; i < n; i++) {
      const ni = size[i]!;
      if (ni === 0 || i === y) continue;
      const dx = d[i * n + x]!;
      const dy = d[i * n + y]!;
      let v: number;
      if (method === 'single') v = Math.min(dx, dy);
      else if (method === 'complete') v = Math.max(dx, dy);
      else if (method === 'average') v = (nx * dx + ny * dy) / (nx + ny);
      else v = Math.sqrt(((nx + ni) * dx * dx + (ny + ni) * dy * dy - ni * best * best) / (nx + ny + ni));
      d[i * n + y] = d[y * n + i] = v;
    }
  }
  // Stable sort by height, then name clusters by union-find as scipy's label() does.
  const order = raw.map((_, k) => k).sort((a, b) => raw[a]!.height - raw[b]!.height || a - b);
  const parent = Int32Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  return order.map((k, step) => {
    const m = raw[k]!;
    const a = find(m.x);
    const b = find(m.y);
    parent[a] = parent[b] = n + step;
    return { left: Math.min(a, b), right: Math.max(a, b), height: m.height, size: m.size };
  });
}

/** Leaves in dendrogram order (left before right, from the root). */
export function leafOrder(merges: Merge[], n: number): number[] {
  if (n === 1) return [0];
  const out: number[] = [];
  const stack = [n + merges.length - 1];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node < n) out.push(node);
    else {
      const m = merges[node - n]!;
      stack.push(m.right, m.left);
    }
  }
  return out;
}

/** Inverse-variance weights of a cluster, and the cluster's variance under them. */
function clusterVariance(cov: Float64Array, p: number, items: number[]): number {
  let total = 0;
  for (const i of items) total += 1 / cov[i * p + i]!;
  let variance = 0;
  for (const i of items) for (const j of items) variance += (1 / cov[i * p + i]! / total) * (1 / cov[j * p + j]! / total) * cov[i * p + j]!;
  return variance;
}

/** d = √((1 − ρ)/2), clipped to [0, 1], with a zero diagonal (p x p, row-major). */
export function correlationDistance(corr: ArrayLike<number>, p: number): Float64Array {
  const dist = new Float64Array(p * p);
  for (let k = 0; k < p * p; k++) dist[k] = Math.sqrt(Math.min(1, Math.max(0, (1 - corr[k]!) / 2)));
  for (let i = 0; i < p; i++) dist[i * p + i] = 0;
  return dist;
}

/**
 * d̃_ij = √(Σ_k (d_ki − d_kj)²): the Euclidean distance between columns i and j of d, the distance
 * the paper clusters on (López de Prado 2016, §3 and its code, which hands the full d to scipy's
 * linkage so that scipy measures Euclidean distances between its rows).
 */
export function distanceOfDistances(dist: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += (dist[k * p + i]! - dist[k * p + j]!) ** 2;
      out[i * p + j] = out[j * p + i] = Math.sqrt(s);
    }
  }
  return out;
}

/** What the linkage clusters on: d itself, or d̃ (the distance between the columns of d). */
export const HRP_DISTANCES = ['d', 'd_tilde'] as const;
export type HrpDistance = (typeof HRP_DISTANCES)[number];

export interface HrpResult {
  weights: Float64Array;
  order: number[];
}

/** HRP weights from the covariance and correlation matrices (p x p, row-major). */
export function hrp(cov: Float64Array, corr: Float64Array, p: number, method: Linkage, distance: HrpDistance = 'd'): HrpResult {
  const d = correlationDistance(corr, p);
  const order = leafOrder(linkage(distance === 'd_tilde' ? distanceOfDistances(d, p) : d, p, method), p);
  const weights = new Float64Array(p).fill(1);
  let clusters = [order];
  while (clusters.length > 0) {
    clusters = clusters.flatMap((c) => (c.length > 1 ? [c.slice(0, c.length >> 1), c.slice(c.length >> 1)] : []));
    for (let k = 0; k < clusters.length; k += 2) {
      const left = clusters[k]!;
      const right = clusters[k + 1]!;
      const v0 = clusterVariance(cov, p, left);
      const v1 = clusterVariance(cov, p, right);
      const alpha = 1 - v0 / (v0 + v1);
      for (const i of left) weights[i] = weights[i]! * alpha;
      for (const i of right) weights[i] = weights[i]! * (1 - alpha);
    }
  }
  return { weights, order };
}
