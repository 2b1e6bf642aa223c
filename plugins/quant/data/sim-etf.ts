/**
 * The simulated index ETF's constituent files, in LEAN's ETF universe format
 * (ticker,security id,last update,weight,shares held,market value): one file on the first trading
 * day of each month, weighted by market capitalisation (fixed shares outstanding times the previous
 * trading day's close). Security ids are placeholders ("<TICKER> SIM"): the simulated names have no
 * LEAN security identifiers. Market value is left empty, as in LEAN's own files.
 */
import { ToolError } from '../../../src/tool/results.js';
import type { SimMarket } from './sim-market.js';
import { INDEX_ETF } from './sim-universe.js';

/** Fund size used for "shares held" (shares = weight x this / price). */
const FUND_ASSETS = 4e11;

export function simEtfDays(market: SimMarket): string[] {
  const out: string[] = [];
  for (let t = 1; t < market.dates.length; t++) {
    if ((market.dates[t] as string).slice(0, 7) !== (market.dates[t - 1] as string).slice(0, 7)) out.push((market.dates[t] as string).replace(/-/g, ''));
  }
  return out;
}

export function simEtfFile(market: SimMarket, day: string): string {
  const date = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`;
  const t = market.dates.indexOf(date);
  if (t < 1) throw new ToolError(`The simulated ${INDEX_ETF} has no constituent file for ${date}.`);
  const lastUpdate = (market.dates[t - 1] as string).replace(/-/g, '');
  const rows = market.names.map((n) => {
    const price = market.daily(n.symbol).close[t - 1] as number;
    return { symbol: n.symbol, price, cap: market.shares(n.symbol) * price };
  });
  const total = rows.reduce((s, r) => s + r.cap, 0);
  return rows
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
    .map((r) => {
      const weight = r.cap / total;
      return `${r.symbol},${r.symbol} SIM,${lastUpdate},${weight.toFixed(8)},${Math.round((weight * FUND_ASSETS) / r.price)},`;
    })
    .join('\n');
}
