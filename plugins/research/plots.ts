/** Research plots as Vega-Lite specs (rendered by src/charts/render.ts): a correlation heatmap, and a spread with z-score bands. */
import type { TopLevelSpec } from 'vega-lite';

const WIDTH = 640;

export function correlationHeatmapSpec(symbols: string[], matrix: number[][], method: string): TopLevelSpec {
  const values = symbols.flatMap((a, i) => symbols.map((b, j) => ({ a, b, r: (matrix[i] as number[])[j] as number })));
  const cell = Math.max(14, Math.min(48, Math.floor(560 / symbols.length)));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${method[0]?.toUpperCase()}${method.slice(1)} correlation of daily returns`,
    data: { values },
    width: { step: cell },
    height: { step: cell },
    encoding: { x: { field: 'a', type: 'nominal', sort: symbols, title: null }, y: { field: 'b', type: 'nominal', sort: symbols, title: null } },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'r', type: 'quantitative', scale: { scheme: 'redblue', domain: [-1, 1], reverse: true }, title: 'r' } } },
      ...(symbols.length <= 20
        ? [{ mark: { type: 'text' as const, fontSize: 9 }, encoding: { text: { field: 'r', type: 'quantitative' as const, format: '.2f' } } }]
        : []),
    ],
  } as TopLevelSpec;
}

export function spreadSpec(title: string, dates: string[], spread: number[]): TopLevelSpec {
  const n = spread.length;
  const mean = spread.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(spread.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const bands = [-2, -1, 0, 1, 2].map((k) => ({ y: mean + k * sd, label: k === 0 ? 'mean' : `${k > 0 ? '+' : ''}${k}σ` }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: 220,
    layer: [
      {
        data: { values: dates.map((d, i) => ({ date: d, spread: spread[i] })) },
        mark: { type: 'line', color: '#1f5fa8', strokeWidth: 1.2 },
        encoding: {
          x: { field: 'date', type: 'temporal', title: null, axis: { format: '%b %Y', labelOverlap: true } },
          y: { field: 'spread', type: 'quantitative', scale: { zero: false }, title: 'spread' },
        },
      },
      {
        data: { values: bands },
        mark: { type: 'rule', strokeDash: [4, 3] },
        encoding: {
          y: { field: 'y', type: 'quantitative' },
          color: {
            field: 'label',
            type: 'nominal',
            title: 'z-score',
            scale: { domain: ['-2σ', '-1σ', 'mean', '+1σ', '+2σ'], range: ['#c0392b', '#e59866', '#555555', '#e59866', '#c0392b'] },
          },
        },
      },
    ],
  } as TopLevelSpec;
}
