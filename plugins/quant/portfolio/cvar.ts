/**
 * Minimum CVaR (Rockafellar & Uryasev 2000) on historical scenarios, solved with HiGHS (the
 * `highs` package): minimise ζ + Σ u_t / ((1 − α) T) subject to u_t ≥ −r_tᵀw − ζ, u ≥ 0,
 * Σ w = 1, 0 ≤ w ≤ max_weight and, optionally, 252 · mean(r)ᵀw ≥ target_return.
 */
import type highsModule from 'highs';

// The package's types are CommonJS-flavoured (the default import types as the module), while the ESM
// build Node loads exports the loader as its default. Loaded on the first solve, not at start-up.
type HighsLoader = typeof highsModule.default;
type HighsRuntime = Awaited<ReturnType<HighsLoader>>;
let runtime: Promise<HighsRuntime> | undefined;
const highs = (): Promise<HighsRuntime> => (runtime ??= import('highs').then((m) => (m.default as unknown as HighsLoader)()));

export class InfeasibleError extends Error {
  override name = 'InfeasibleError';
}

export interface CvarResult {
  weights: Float64Array;
  /** Expected loss beyond VaR, a positive daily fraction. */
  cvar: number;
  /** Historical VaR of the optimal portfolio: the smallest loss ℓ with P(L ≤ ℓ) ≥ α over the scenarios. */
  var: number;
  status: string;
}

/** returns[i][t]: asset i's simple return in scenario t. */
export async function minimizeCvar(returns: ArrayLike<number>[], alpha: number, maxWeight: number, targetReturn?: number): Promise<CvarResult> {
  const n = returns.length;
  const T = (returns[0] as ArrayLike<number>).length;
  const solver = await highs();
  const numCols = n + 1 + T;
  const hasTarget = targetReturn !== undefined;
  const numRows = T + 1 + (hasTarget ? 1 : 0);
  const colCost = new Float64Array(numCols);
  colCost[n] = 1;
  colCost.fill(1 / ((1 - alpha) * T), n + 1);
  const colLower = new Float64Array(numCols);
  colLower[n] = -solver.infinity;
  const colUpper = new Float64Array(numCols).fill(solver.infinity);
  colUpper.fill(maxWeight, 0, n);
  const rowLower = new Float64Array(numRows).fill(-solver.infinity);
  const rowUpper = new Float64Array(numRows);
  const nonZeros = T * (n + 2) + n + (hasTarget ? n : 0);
  const starts = new Int32Array(numRows + 1);
  const indices = new Int32Array(nonZeros);
  const values = new Float64Array(nonZeros);
  let k = 0;
  for (let t = 0; t < T; t++) {
    starts[t] = k;
    for (let i = 0; i < n; i++) {
      indices[k] = i;
      values[k++] = -(returns[i] as ArrayLike<number>)[t]!;
    }
    indices[k] = n;
    values[k++] = -1;
    indices[k] = n + 1 + t;
    values[k++] = -1;
  }
  starts[T] = k;
  for (let i = 0; i < n; i++) {
    indices[k] = i;
    values[k++] = 1;
  }
  rowLower[T] = rowUpper[T] = 1;
  if (hasTarget) {
    starts[T + 1] = k;
    for (let i = 0; i < n; i++) {
      let m = 0;
      const r = returns[i] as ArrayLike<number>;
      for (let t = 0; t < T; t++) m += r[t]!;
      indices[k] = i;
      values[k++] = (m / T) * 252;
    }
    rowLower[T + 1] = targetReturn;
    rowUpper[T + 1] = solver.infinity;
  }
  starts[numRows] = k;
  const status = solver.constants.modelStatus;
  return solver.withModel(
    { numCols, numRows, colCost, colLower, colUpper, rowLower, rowUpper, matrix: { format: 'csr', numRows, numCols, starts, indices, values } },
    (model) => {
      model.options.set('output_flag', false);
      model.run();
      const code = model.getModelStatus();
      if (code === status.infeasible || code === status.unboundedOrInfeasible) throw new InfeasibleError('the constraints cannot all hold');
      if (code !== status.optimal) throw new Error(`HiGHS stopped with model status ${code}`);
      const x = model.getSolution().colValue;
      const weights = Float64Array.from(x.subarray(0, n));
      const losses = Float64Array.from({ length: T }, (_, t) => {
        let s = 0;
        for (let i = 0; i < n; i++) s -= weights[i]! * (returns[i] as ArrayLike<number>)[t]!;
        return s;
      }).sort();
      return { weights, cvar: model.getObjectiveValue(), var: losses[Math.ceil(alpha * T) - 1]!, status: 'optimal' };
    },
  );
}
