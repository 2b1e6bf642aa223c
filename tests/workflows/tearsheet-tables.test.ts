/**
 * The tear sheet PDF's tables against pandas (scripts/golden/tearsheet_golden.py): drawdown periods as
 * pyfolio defines them (peak, trough, recovery, depth, days) and monthly returns with each year's
 * compounded total, on a seeded equity curve with ties at its running peak.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drawdownPeriods, monthlyGrid } from '../../plugins/workflows/tearsheet-pdf.js';
import { tearSheet } from '../../plugins/workflows/tearsheet.js';

const G = JSON.parse(readFileSync('tests/fixtures/tearsheet/golden.json', 'utf8')) as {
  equity: { date: string; value: number }[];
  drawdowns: { peak: string; trough: string; recovery: string | null; depth: number; days: number }[];
  monthly: { month: string; return: number }[];
  years: Record<string, number>;
};

describe('tear sheet tables', () => {
  it('drawdown periods equal pandas: dates and days exactly, depth to 1e-12', () => {
    const ours = drawdownPeriods(G.equity);
    expect(ours).toHaveLength(G.drawdowns.length);
    ours.forEach((p, i) => {
      const g = G.drawdowns[i]!;
      expect({ peak: p.peak, trough: p.trough, recovery: p.recovery, days: p.days }).toEqual({
        peak: g.peak,
        trough: g.trough,
        recovery: g.recovery,
        days: g.days,
      });
      expect(Math.abs(p.depth - g.depth)).toBeLessThan(1e-12);
    });
    // The curve ends under water: the deepest period has no recovery and counts days to the last date.
    expect(ours[0]!.recovery).toBeNull();
  });

  it('monthly returns and the compounded year equal pandas', () => {
    const monthly = tearSheet(G.equity, []).figures.monthly_returns;
    expect(monthly.map((m) => m.month)).toEqual(G.monthly.map((m) => m.month));
    monthly.forEach((m, i) => expect(Math.abs(m.return - G.monthly[i]!.return)).toBeLessThan(1e-12));
    const grid = monthlyGrid(monthly);
    expect(grid.map((row) => row[0])).toEqual(Object.keys(G.years));
    for (const row of grid) expect(row[13]).toBe(`${(G.years[row[0] as string]! * 100).toFixed(1)}%`);
    // Each month in its own column (1 = January).
    const first = G.monthly[0]!;
    expect(grid[0]![Number(first.month.slice(5, 7))]).toBe(`${(first.return * 100).toFixed(1)}%`);
  });
});
