/**
 * The books of a simulated live deployment: the cash and holdings it was deployed with (or a
 * default SPY position), marked to market by shocks, emptied by a liquidation. Portfolio,
 * runtime statistics, the equity chart and the live list all read their figures from here,
 * so they always agree with each other.
 */

export interface BookHolding {
  symbolId: string;
  symbol: string;
  quantity: number;
  averagePrice: number;
  /** Current mark (the price the sandbox values the position at). */
  price: number;
}

export interface BookOrder {
  id: number;
  symbol: string;
  symbolId: string;
  quantity: number;
  price: number;
  timeMs: number;
  tag: string;
}

export interface LiveBook {
  currency: string;
  cash: number;
  /** Equity at launch: cash plus holdings at their average price. */
  startEquity: number;
  holdings: BookHolding[];
  /** Equity after each change (launch, shocks, liquidation), for the Strategy Equity chart. */
  marks: { ms: number; equity: number }[];
  /** Orders the sandbox placed (liquidations). */
  orders: BookOrder[];
}

interface GivenHolding {
  symbolId?: unknown;
  symbol?: unknown;
  quantity?: unknown;
  averagePrice?: unknown;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** With nothing given, the sandbox's template algorithm: $100,000, about 95% of it in SPY. */
const DEFAULT_CASH = 100_000;
const DEFAULT_PRICE = 400;

export function openBook(brokerage: Record<string, unknown>, nowMs: number): LiveBook {
  const givenHoldings = Array.isArray(brokerage.holdings) ? (brokerage.holdings as GivenHolding[]) : undefined;
  const givenCash = Array.isArray(brokerage.cash) ? (brokerage.cash as { amount?: unknown; currency?: unknown }[]) : undefined;
  let holdings: BookHolding[];
  let cash: number;
  let currency = 'USD';
  const opening: BookOrder[] = [];
  if (givenHoldings === undefined && givenCash === undefined) {
    const quantity = Math.floor((DEFAULT_CASH * 0.95) / DEFAULT_PRICE);
    holdings = [{ symbolId: 'SPY R735QTJ8XC9X', symbol: 'SPY', quantity, averagePrice: DEFAULT_PRICE, price: DEFAULT_PRICE }];
    cash = DEFAULT_CASH - quantity * DEFAULT_PRICE;
    opening.push({ id: 1, symbol: 'SPY', symbolId: 'SPY R735QTJ8XC9X', quantity, price: DEFAULT_PRICE, timeMs: nowMs, tag: 'simulated' });
  } else {
    holdings = (givenHoldings ?? [])
      .filter((h) => Number(h.quantity) !== 0)
      .map((h) => {
        const symbol = String(h.symbol ?? String(h.symbolId ?? '').split(' ')[0]);
        const averagePrice = Number(h.averagePrice ?? 0);
        return { symbolId: String(h.symbolId ?? symbol), symbol, quantity: Number(h.quantity ?? 0), averagePrice, price: averagePrice };
      });
    cash = (givenCash ?? []).reduce((sum, c) => sum + Number(c.amount ?? 0), 0);
    const first = givenCash?.find((c) => typeof c.currency === 'string');
    if (first) currency = String(first.currency);
  }
  const book: LiveBook = { currency, cash, startEquity: 0, holdings, marks: [], orders: opening };
  book.startEquity = equityOf(book);
  book.marks.push({ ms: nowMs, equity: book.startEquity });
  return book;
}

export const holdingsValue = (book: LiveBook): number => book.holdings.reduce((sum, h) => sum + h.quantity * h.price, 0);
export const equityOf = (book: LiveBook): number => book.cash + holdingsValue(book);
const unrealized = (book: LiveBook): number => book.holdings.reduce((sum, h) => sum + (h.price - h.averagePrice) * h.quantity, 0);

/**
 * Move the equity by `pct` percent now, by marking every holding by the same factor.
 * Returns a problem when it cannot (no positions to mark, or a loss larger than the holdings).
 */
export function shockBook(book: LiveBook, pct: number, nowMs: number): string | undefined {
  const value = holdingsValue(book);
  if (value === 0) return 'The deployment holds no positions, so its equity cannot move.';
  const factor = 1 + (equityOf(book) * pct) / 100 / value;
  if (!(factor > 0)) return `A ${pct}% move would take the holdings below zero.`;
  for (const h of book.holdings) h.price = h.price * factor;
  book.marks.push({ ms: nowMs, equity: equityOf(book) });
  return undefined;
}

/** Sell everything at its mark: cash grows by the holdings' value, no positions remain. */
export function liquidateBook(book: LiveBook, nowMs: number, firstOrderId: number): void {
  book.holdings.forEach((h, i) => {
    book.orders.push({
      id: firstOrderId + i,
      symbol: h.symbol,
      symbolId: h.symbolId,
      quantity: -h.quantity,
      price: round2(h.price),
      timeMs: nowMs,
      tag: 'Liquidated',
    });
    book.cash += h.quantity * h.price;
  });
  book.holdings = [];
  book.marks.push({ ms: nowMs, equity: equityOf(book) });
}

/** The portfolio as /live/portfolio/read answers it: holdings keyed by symbol id, cash by currency. */
export function portfolioView(book: LiveBook) {
  const holdings = Object.fromEntries(
    book.holdings.map((h) => [
      h.symbolId,
      {
        a: h.averagePrice,
        q: h.quantity,
        p: round2(h.price),
        v: round2(h.quantity * h.price),
        u: round2((h.price - h.averagePrice) * h.quantity),
        up: h.averagePrice === 0 ? 0 : round2(((h.price - h.averagePrice) / h.averagePrice) * 100),
      },
    ]),
  );
  const symbol = book.currency === 'USD' ? '$' : book.currency;
  return {
    holdings,
    cash: {
      [book.currency]: {
        symbol: book.currency,
        amount: round2(book.cash),
        conversionRate: 1,
        currencySymbol: symbol,
        valueInAccountCurrency: round2(book.cash),
      },
    },
  };
}

const money = (x: number): string => `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`;

/** Runtime statistics in the API's string form, from the same figures as the portfolio. */
export function bookRuntimeStatistics(book: LiveBook): Record<string, string> {
  const equity = equityOf(book);
  const volume = book.orders.reduce((sum, o) => sum + Math.abs(o.quantity * o.price), 0);
  return {
    Equity: money(equity),
    Fees: money(0),
    Holdings: money(holdingsValue(book)),
    'Net Profit': money(equity - book.startEquity),
    Return: `${(book.startEquity === 0 ? 0 : ((equity - book.startEquity) / book.startEquity) * 100).toFixed(3)}%`,
    Unrealized: money(unrealized(book)),
    Volume: money(volume),
  };
}
