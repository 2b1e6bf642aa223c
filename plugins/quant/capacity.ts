/**
 * Symbol caps that follow capacity. Each research tool has a ceiling on how many symbols one call
 * takes (the list's `max` in its input schema, CAPS below) and, where the work grows with pairs or
 * with the matrix, a compute budget checked on the data actually loaded: a session (instance_name)
 * is held to the same ceiling and the same budget as a direct list, so it cannot bypass either.
 * docs/research.md ("Budgets, caps and solvers") gives the numbers and what they cost.
 */
import { ToolError } from '../../src/tool/results.js';

/** Most symbols one call takes, per tool family (the schema's max and the session's ceiling). */
export const CAPS = { johansen: 12, perSymbol: 50, matrix: 500, pairs: 500 } as const;

/** Engle-Granger screens and distance correlation: pairs x rows (about 30 s on two cores at 2,520 rows, 200 symbols). */
export const PAIR_ROWS_BUDGET = 50_000_000;
/** Pearson/Spearman/PCA/covariance: symbols² x rows (about 5 s for 1,400 symbols x 2,520 rows). */
export const MATRIX_BUDGET = 5_000_000_000;

export type Cost = 'pairs' | 'matrix';

/** The most symbols that fit the budget at this many rows. */
export function symbolsWithin(cost: Cost, rows: number): number {
  const r = Math.max(rows, 1);
  return cost === 'pairs' ? Math.floor((1 + Math.sqrt(1 + (8 * PAIR_ROWS_BUDGET) / r)) / 2) : Math.floor(Math.sqrt(MATRIX_BUDGET / r));
}

/** Throws a ToolError naming the cap when n symbols over rows rows exceed the ceiling or the budget. */
export function checkCapacity(tool: string, n: number, rows: number, max: number, cost?: Cost): void {
  if (n > max) throw new ToolError(`${tool} takes at most ${max} symbols; this call has ${n}. Pass symbols (a subset of the session) or split the universe.`);
  if (!cost) return;
  const within = symbolsWithin(cost, rows);
  if (n > within) {
    const what =
      cost === 'pairs'
        ? `${(n * (n - 1)) / 2} pairs x ${rows} rows is over the budget of ${PAIR_ROWS_BUDGET.toLocaleString('en-US')} pair-rows`
        : `${n}² x ${rows} rows is over the budget of ${MATRIX_BUDGET.toLocaleString('en-US')}`;
    throw new ToolError(`${tool}: ${what}; at ${rows} rows it takes at most ${within} symbols. Shorten the dates or pass fewer symbols.`);
  }
}
