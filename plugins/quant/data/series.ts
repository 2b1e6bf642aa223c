/** A price series and the sources that load them: the types every data module shares (source.ts builds the sources). */
import type { ToolContext } from '../../../src/tool/tool.js';

export type Resolution = 'daily' | 'hour' | 'minute';
export const FIELDS = ['open', 'high', 'low', 'close', 'volume', 'adj_close'] as const;
export type Field = (typeof FIELDS)[number];

export interface Series {
  symbol: string;
  /** YYYY-MM-DD for daily data, YYYY-MM-DDTHH:MM for intraday; ascending, unique. */
  dates: string[];
  /** The price analyses use: adj_close when the source has it, else close. */
  price: number[];
  fields: Partial<Record<Field, number[]>>;
  /** Minutes per bar for intraday data (1 minute, 60 hour, or a resampled size); absent for daily bars. */
  bar_minutes?: number;
  /** What the prices are ("simulated" for the sim: market); set by the source or when loaded. */
  data_source?: PriceSource['kind'];
}

export interface PriceSource {
  describe: string;
  /** What the data is: "simulated" for sim:, else the source's kind. */
  kind: 'csv' | 'lean' | 'objectstore' | 'simulated';
  load(symbol: string, start: string, end: string, resolution: Resolution, ctx: ToolContext): Promise<Series>;
}
