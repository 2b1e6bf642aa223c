/**
 * The simulated market's names and planted structure (docs/research.md lists them with the same
 * numbers). 99 US-style stocks in 11 sectors plus SPY, an index ETF that follows the market factor.
 * Prices are not real: every result computed on them is marked simulated.
 */

export const SECTORS: Record<string, string[]> = {
  Technology: ['AAPL', 'MSFT', 'NVDA', 'AVGO', 'ORCL', 'CRM', 'ADBE', 'CSCO', 'INTC', 'AMD', 'QCOM', 'TXN'],
  'Communication Services': ['GOOGL', 'META', 'NFLX', 'DIS', 'CMCSA', 'VZ', 'T', 'TMUS'],
  'Consumer Discretionary': ['AMZN', 'TSLA', 'HD', 'LOW', 'MCD', 'NKE', 'SBUX', 'TGT', 'BKNG', 'TJX'],
  'Consumer Staples': ['KO', 'PEP', 'PG', 'WMT', 'COST', 'CL', 'MDLZ', 'KMB', 'GIS', 'MO'],
  Energy: ['XOM', 'CVX', 'COP', 'EOG', 'SLB', 'PSX', 'MPC', 'OXY'],
  Financials: ['JPM', 'BAC', 'WFC', 'C', 'GS', 'MS', 'V', 'MA', 'AXP', 'BLK', 'SCHW', 'USB'],
  'Health Care': ['JNJ', 'UNH', 'LLY', 'PFE', 'MRK', 'ABBV', 'TMO', 'ABT', 'DHR', 'BMY', 'AMGN'],
  Industrials: ['CAT', 'DE', 'HON', 'UNP', 'UPS', 'BA', 'GE', 'LMT', 'RTX', 'MMM'],
  Materials: ['LIN', 'APD', 'SHW', 'ECL', 'NEM', 'FCX'],
  'Real Estate': ['PLD', 'AMT', 'EQIX', 'SPG', 'O', 'PSA'],
  Utilities: ['NEE', 'DUK', 'SO', 'D', 'AEP', 'EXC'],
};

export const INDEX_ETF = 'SPY';
export const FIRST_DATE = '2015-01-02';
/** Names with minute bars (and hour bars resampled from them). */
export const MINUTE_SYMBOLS = ['SPY', 'AAPL', 'MSFT', 'KO', 'PEP'];

/** Daily market factor: normal with this mean and standard deviation (about 9% a year in log price, 16% volatility). */
export const MARKET = { mean: 0.00035, sd: 0.01 };
/** Daily sector factor standard deviation; the Technology cluster's is twice the others'. */
export const SECTOR_SD = 0.006;
export const CLUSTER = { sector: 'Technology', sd: 0.012 };

/** log(y) = intercept + hedge_ratio * log(x) + s, with s an AR(1) of half-life `half_life` days and stationary sd `spread_sd`. */
export interface PlantedPair {
  y: string;
  x: string;
  hedge_ratio: number;
  half_life: number;
  spread_sd: number;
}
export const PAIRS: PlantedPair[] = [
  { y: 'KO', x: 'PEP', hedge_ratio: 0.8, half_life: 5, spread_sd: 0.03 },
  { y: 'XOM', x: 'CVX', hedge_ratio: 1.2, half_life: 8, spread_sd: 0.04 },
  { y: 'V', x: 'MA', hedge_ratio: 0.9, half_life: 4, spread_sd: 0.025 },
  // A tight pair whose returns are also strongly dependent (distance correlation about 0.9), so it
  // survives workflow A's rolling dCor >= 0.8 screen, which the three pairs above do not (about 0.6).
  { y: 'DUK', x: 'SO', hedge_ratio: 1, half_life: 3, spread_sd: 0.008 },
];

/** log(y) = intercept + sum(weight * log(x)) + s: a mean-reverting three-name spread (Johansen rank 1). */
export const BASKET = {
  y: 'MS',
  legs: [
    { x: 'GS', weight: 0.6 },
    { x: 'JPM', weight: 0.4 },
  ],
  half_life: 10,
  spread_sd: 0.05,
};

/** A trending name: extra drift (per year) and AR(1) momentum in its own daily returns. */
export const TRENDING = { symbol: 'NVDA', extra_drift: 0.25, momentum: 0.15 };

export interface SimName {
  symbol: string;
  sector: string;
}

/** The names of a market of `size` stocks (planted names first, then the rest in sector order; synthetic tickers past 99). */
export function simNames(size: number): SimName[] {
  const sectorOf = new Map<string, string>();
  for (const [sector, names] of Object.entries(SECTORS)) for (const n of names) sectorOf.set(n, sector);
  const planted = [
    ...new Set([
      ...PAIRS.flatMap((p) => [p.x, p.y]),
      BASKET.y,
      ...BASKET.legs.map((l) => l.x),
      TRENDING.symbol,
      ...MINUTE_SYMBOLS.filter((s) => s !== INDEX_ETF),
    ]),
  ];
  const rest = [...sectorOf.keys()].filter((s) => !planted.includes(s));
  const ordered = [...planted, ...rest].map((symbol) => ({ symbol, sector: sectorOf.get(symbol) as string }));
  const sectors = Object.keys(SECTORS);
  for (let i = ordered.length; i < size; i++) {
    const sector = sectors[i % sectors.length] as string;
    ordered.push({ symbol: `SIM${String(i + 1).padStart(3, '0')}`, sector });
  }
  return ordered.slice(0, Math.max(size, planted.length));
}

/** The smallest market that still holds every planted name. */
export const MIN_SIZE = simNames(0).length;
