/**
 * What a client sees of every input, with every toolset on: a one-line description that gives the
 * unit or format where the value has one, and schemas inside the strict single-type subset of JSON
 * Schema that common clients enforce. Outputs that need interpreting (signals, expected returns)
 * say what they mean.
 */
import type { Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { allEnabledOverlay } from '../helpers/overlay.js';

type Schema = Record<string, unknown>;

/** Every property schema of an input schema, at every depth (objects, array items, map values, anyOf branches). */
function properties(schema: unknown, path: string): { path: string; name: string; schema: Schema }[] {
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Schema;
  const out: { path: string; name: string; schema: Schema }[] = [];
  for (const [name, child] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) {
    out.push({ path: `${path}.${name}`, name, schema: child as Schema }, ...properties(child, `${path}.${name}`));
  }
  if (s.items) out.push(...properties(s.items, `${path}[]`));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.push(...properties(s.additionalProperties, `${path}{}`));
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    for (const [i, branch] of ((s[key] as unknown[] | undefined) ?? []).entries()) out.push(...properties(branch, `${path}|${i}`));
  return out;
}

/** Every subschema (property, items, map values, branches), for the strict-subset rules. */
function subschemas(schema: unknown, path: string): { path: string; schema: Schema }[] {
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Schema;
  const out = [{ path, schema: s }];
  for (const [name, child] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) out.push(...subschemas(child, `${path}.${name}`));
  if (s.items !== undefined) out.push(...subschemas(s.items, `${path}[]`));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.push(...subschemas(s.additionalProperties, `${path}{}`));
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    for (const [i, branch] of ((s[key] as unknown[] | undefined) ?? []).entries()) out.push(...subschemas(branch, `${path}|${key}${i}`));
  return out;
}

/** Inputs whose value has a unit or format, by name, and the words their description must use. */
const UNITS: [RegExp, RegExp][] = [
  [/(^|_)date$/, /YYYY-MM-DD/],
  [/(^timeout|_s$)/, /seconds?/i],
  [/^(project|backtest|compile|optimization|algorithm|organization|node|version|collaborator|collaboratorUser)Ids?$/, /\bids?\b/i],
  [/^(symbols?|symbol[12]|tickers?|benchmark_symbol|etf_ticker|portfolio_symbols|pairs)$/, /ticker/i],
  [
    /^(max_weight|min_weight|per_name_cap|pair_pct|min_return|max_volatility|target_return|target_volatility|risk_free_rate|p_value_threshold|trim|alpha)$/,
    /fraction|percent|%/i,
  ],
  [/^max_gross$/, /multiple of|fraction/i],
  [/^capital$/, /currency/i],
  [/^cost_bps$/, /basis points/i],
  [/^step$/, /\b(bars|increment)\b/i],
  [/^(lookback|lookback_period|window|confirm_bars|bar_minutes|skip|block_length|k_ar_diff|max_half_life|periods_per_year)$/, /\b(bars?|minutes)\b/i],
  [/_z$/, /std dev/i],
  [/^(start|end)$/, /index|unix time/i],
  [/^(startLine|endLine)$/, /line/i],
  [/^(offset|limit)$/, /items|symbols/i],
];

let all: Connected;
let tools: Tool[];
beforeAll(async () => {
  all = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_TOOLS: allEnabledOverlay() }) });
  tools = (await all.client.listTools()).tools;
});
afterAll(async () => {
  await all.close();
});

describe('tool inputs, every toolset on', () => {
  it('every property at every depth has a one-line description', () => {
    const missing: string[] = [];
    for (const tool of tools) {
      for (const { path, schema } of properties(tool.inputSchema, tool.name)) {
        const text = schema.description;
        if (typeof text !== 'string' || text.trim() === '' || /\n/.test(text) || text.length > 160) missing.push(`${path}: ${JSON.stringify(text)}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('a date, time, fraction, amount, bar count, id or ticker says its unit or format', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const tool of tools) {
      for (const { path, name, schema } of properties(tool.inputSchema, tool.name)) {
        for (const [pattern, unit] of UNITS) {
          if (!pattern.test(name)) continue;
          checked++;
          if (!unit.test(String(schema.description ?? ''))) problems.push(`${path}: ${JSON.stringify(schema.description)} lacks ${unit}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(150); // the table matches what the tools really have
  });

  it('schemas stay inside the strict single-type subset: no type lists, no untyped or bare {} subschemas', () => {
    const problems: string[] = [];
    for (const tool of tools) {
      for (const { path, schema } of subschemas(tool.inputSchema, tool.name)) {
        if (Array.isArray(schema.type)) problems.push(`${path}: type list ${JSON.stringify(schema.type)}`);
        if (!['type', 'anyOf', 'oneOf', 'enum', 'const', '$ref'].some((k) => k in schema)) problems.push(`${path}: no type (${JSON.stringify(schema)})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('weights accept a map or a list, as an anyOf of two typed schemas', () => {
    const weights = (tools.find((t) => t.name === 'calculate_portfolio_performance')?.inputSchema.properties as Record<string, Schema>).weights as Schema;
    expect((weights.anyOf as Schema[]).map((b) => b.type)).toEqual(['object', 'array']);
  });
});

describe('tool outputs that need interpreting', () => {
  const output = (tool: string, ...path: string[]): Schema => {
    let node = tools.find((t) => t.name === tool)?.outputSchema as Schema;
    for (const key of path) node = (key === '[]' ? node.items : (node.properties as Record<string, Schema>)[key]) as Schema;
    return node;
  };

  it('a mean-reversion signal says what long means in positions and when it fires', () => {
    const text = String(output('analyze_mean_reversion', 'results', '[]', 'signal').description);
    expect(text).toMatch(/long \(z <= -entry_z\): buy a/);
    expect(text).toMatch(/sell b worth hedge_ratio x the value of a/);
  });

  it("a simulated pairs trade's side says which leg is bought and how large each leg is", () => {
    const text = String(output('simulate_pairs_trading', 'trades', '[]', 'side').description);
    expect(text).toMatch(/long_spread: buy Y worth notional\/\(1\+\|hedge_ratio\|\), sell X worth hedge_ratio x that/);
  });

  it('an expected return gives its period and form, and weights say they are fractions', () => {
    expect(output('minimize_cvar', 'expected_return').description).toMatch(/annual.*fraction/i);
    expect(output('minimize_cvar', 'weights').description).toMatch(/fractions of capital/i);
    expect(output('calculate_portfolio_performance', 'max_drawdown').description).toMatch(/fraction/);
  });
});
