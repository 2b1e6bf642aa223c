/** What the studies tools share: thinning long series for output, factor files from the data folder, and maths errors as isError. */
import { readFileSync, existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ToolError } from '../../src/tool/results.js';
import type { ToolContext } from '../../src/tool/tool.js';
import { FactorFileError, joinFactors, parseFactorCsv, type FactorTable } from '../quant/stats/factors.js';
import { ConstructionError } from '../quant/portfolio/long-short.js';

/** Indices of at most `max` evenly spaced points, always keeping the last. */
export function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round(((n - 1) * k) / (max - 1)));
  return out;
}

export const factorFiles = z
  .array(
    z.object({
      file: z.string().min(1).max(200).describe('Path in the data folder'),
      percent: z.boolean().default(true).describe('Values are in percent'),
    }),
  )
  .max(5)
  .describe('CSV: Kenneth French layout or date,NAME columns');

/** Factor files named relative to QC_MCP_FACTOR_DIR or the csv:/lean: data folder, parsed and joined on dates. */
export function readFactors(ctx: ToolContext, files: { file: string; percent: boolean }[]): FactorTable {
  const m = /^(csv|lean):(.+)$/.exec(ctx.settings.data ?? '');
  const dir = ctx.settings.factorDir ?? m?.[2];
  if (!dir)
    throw new ToolError('Factor files are read from QC_MCP_FACTOR_DIR, else the data folder: set QC_MCP_FACTOR_DIR, or QC_MCP_DATA to csv:DIR or lean:DIR.');
  const root = resolve(dir);
  try {
    return joinFactors(
      files.map(({ file, percent }) => {
        const path = resolve(root, file);
        const rel = relative(root, path);
        if (rel.startsWith('..') || isAbsolute(rel)) throw new ToolError(`factor file ${file} is outside the data folder ${root}.`);
        if (!existsSync(path)) throw new ToolError(`factor file ${file} not found in the data folder ${root}.`);
        return parseFactorCsv(readFileSync(path, 'utf8'), file, percent);
      }),
    );
  } catch (error) {
    if (error instanceof FactorFileError) throw new ToolError(error.message);
    throw error;
  }
}

/** Construction errors (caps, betas) as messages the agent can act on. */
export async function constructing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ConstructionError) throw new ToolError(`Infeasible: ${error.message}.`);
    throw error;
  }
}

/** Bars a year for annualising, by resolution (US equities: 6.5 h a day). */
export const PERIODS = { daily: 252, hour: 252 * 7, minute: 252 * 390 } as const;

export const num = (x: number, digits = 6): number => Number(x.toPrecision(digits));

/**
 * Numbers whose bounds zod checks at call time but tools/list does not spell out (the bounds are in
 * the error message when broken): the studies tools have many settings and the listing stays small.
 */
export function real(def: number | undefined, min: number, max: number, open = false) {
  const inRange = (v: number) => (open ? v > min : v >= min) && v <= max;
  const base = z.number().refine(inRange, `must be ${open ? 'above' : 'at least'} ${min} and at most ${max}`);
  return def === undefined ? base : base.default(def);
}
export function int(def: number | undefined, min: number, max: number) {
  const base = z.number().refine((v) => Number.isInteger(v) && v >= min && v <= max, `must be an integer from ${min} to ${max}`);
  return def === undefined ? base : base.default(def);
}

export const nBoot = (def: number, min: number, max: number) => int(def, min, max).describe('Bootstrap resamples');
export const blockLength = real(10, 1, 1e4).describe('Mean bootstrap block, bars');
export const seed = int(1, 0, 2 ** 31).describe('Random seed');
