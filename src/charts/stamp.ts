/** A chart stamped as simulated: a red line under its title, so a picture cannot pass for real results. */
import type { TopLevelSpec } from 'vega-lite';

export const SIMULATED_STAMP = 'SIMULATED: not real market results';

export function stamped(spec: TopLevelSpec, stamp: string = SIMULATED_STAMP): TopLevelSpec {
  const title = (spec as { title?: unknown }).title;
  const base = typeof title === 'string' ? { text: title } : ((title as Record<string, unknown> | undefined) ?? { text: '' });
  return {
    ...spec,
    title: { anchor: 'start', ...base, subtitle: stamp, subtitleColor: '#c0392b', subtitleFontSize: 13, subtitleFontWeight: 'bold' },
  } as TopLevelSpec;
}
