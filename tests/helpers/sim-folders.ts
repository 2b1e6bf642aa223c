/**
 * Folders written from the simulated market for the workflow tests: LEAN-format daily zips (and the
 * index ETF's constituents file) so the same workflows run on lean:DIR, and factor files in Kenneth
 * French's published daily CSV layout (plus an AQR-style date,NAME file) built from simulated names,
 * so a known factor exposure is planted in some names by the market's own construction.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { SimMarket } from '../../plugins/quant/data/sim-market.js';
import { BASKET, INDEX_ETF, PAIRS } from '../../plugins/quant/data/sim-universe.js';
import { SimSource } from '../../plugins/quant/data/sim-source.js';
import { simEtfFile } from '../../plugins/quant/data/sim-etf.js';
import { writeOverlay } from './overlay.js';

export const SIM_END = '2024-12-31';
export const SIM_SPEC = `sim:end=${SIM_END}`;
export const market = (): SimMarket => new SimSource(`end=${SIM_END}`).market;

/** LEAN's equity/usa/daily/<sym>.zip for each symbol (prices x 10,000 as integers, "YYYYMMDD 00:00" rows). */
export function writeLeanDaily(root: string, symbols: string[], from = '2015-01-01'): void {
  const m = market();
  const dir = join(root, 'equity', 'usa', 'daily');
  mkdirSync(dir, { recursive: true });
  for (const s of symbols) {
    const b = m.daily(s);
    const rows: string[] = [];
    b.dates.forEach((d, t) => {
      if (d < from) return;
      const p = (v: Float64Array) => Math.round((v[t] as number) * 10_000);
      rows.push(`${d.replace(/-/g, '')} 00:00,${p(b.open)},${p(b.high)},${p(b.low)},${p(b.close)},${b.volume[t]}`);
    });
    writeFileSync(join(dir, `${s.toLowerCase()}.zip`), zipSync({ [`${s.toLowerCase()}.csv`]: strToU8(rows.join('\n')) }));
  }
}

/** LEAN's ETF universe file for SPY on a month's first trading day (YYYYMMDD), as the simulated market serves it. */
export function writeLeanEtf(root: string, day: string): void {
  const dir = join(root, 'equity', 'usa', 'universes', 'etf', 'spy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${day}.csv`), `${simEtfFile(market(), day)}\n`);
}

export const FACTOR_FILE = 'F-F_Research_Data_5_Factors_2x3_daily.CSV';
export const EXTRA_FILE = 'QMJ.csv';
const RF = 0.008; // percent a day, constant

/** Each factor as long and short legs of simulated names (simple daily returns); Mkt-RF is SPY less RF. */
const LEGS: Record<string, [string, string]> = {
  'Mkt-RF': [INDEX_ETF, ''],
  SMB: [BASKET.legs[0]!.x, INDEX_ETF], // GS - SPY
  HML: [BASKET.legs[1]!.x, INDEX_ETF], // JPM - SPY
  RMW: ['PG', 'KMB'],
  CMA: ['HON', 'UNP'],
};
const DUK = PAIRS.find((p) => p.y === 'DUK')!;

/**
 * The exposures planted by construction (loadings on Mkt-RF, SMB, HML, RMW, CMA, QMJ): MS's log price
 * is 0.6 log GS + 0.4 log JPM + a stationary spread, so MS - RF = (Mkt-RF) + 0.6 SMB + 0.4 HML + noise;
 * DUK's is 1.0 log SO + a spread and QMJ = SO - SPY, so DUK - RF = (Mkt-RF) + 1.0 QMJ + noise (up to
 * the small gap between log and simple returns).
 */
export const PLANTED: Record<string, Record<string, number>> = {
  MS: { 'Mkt-RF': 1, SMB: BASKET.legs[0]!.weight, HML: BASKET.legs[1]!.weight, RMW: 0, CMA: 0, QMJ: 0 },
  DUK: { 'Mkt-RF': DUK.hedge_ratio, SMB: 0, HML: 0, RMW: 0, CMA: 0, QMJ: DUK.hedge_ratio },
};

/** The five-factor file in Kenneth French's daily layout (percent, CRLF, text header and footer) and QMJ.csv (AQR-style, fractions). */
export function writeFactorFiles(dir: string, from: string, to: string): void {
  mkdirSync(dir, { recursive: true });
  const m = market();
  const ret = (s: string): ((t: number) => number) => {
    if (s === '') return () => 0;
    const c = m.daily(s).close;
    return (t) => (c[t] as number) / (c[t - 1] as number) - 1;
  };
  const days = m.dates.map((d, t) => ({ d, t })).filter(({ d, t }) => t > 0 && d >= from && d <= to);
  const pct = (v: number) => (100 * v).toFixed(2).padStart(8);
  const legs = Object.entries(LEGS).map(([name, [l, s]]) => ({ name, l: ret(l), s: ret(s) }));
  const lines = [
    'This file was created by tests/helpers/sim-folders.ts from the simulated market, in the layout of F-F_Research_Data_5_Factors_2x3_daily',
    'The 1-month TBill return is a constant here.',
    '',
    `,${legs.map((f) => f.name).join(',')},RF`,
    ...days.map(
      ({ d, t }) =>
        `${d.replace(/-/g, '')},${legs.map((f) => pct(f.l(t) - f.s(t) - (f.name === 'Mkt-RF' ? RF / 100 : 0))).join(',')},${RF.toFixed(3).padStart(8)}`,
    ),
    '',
    'Copyright (simulated)',
  ];
  writeFileSync(join(dir, FACTOR_FILE), lines.join('\r\n') + '\r\n');
  const so = ret(DUK.x);
  const spy = ret(INDEX_ETF);
  const qmj = days.map(({ d, t }) => `${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(0, 4)},${(so(t) - spy(t)).toFixed(6)}`);
  writeFileSync(join(dir, EXTRA_FILE), ['DATE,QMJ', ...qmj].join('\n') + '\n');
}

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** The workflows' server: the studies toolset on, with research, portfolio and universe. */
export const studiesOverlay = (): string =>
  writeOverlay({ toolsets: { studies: { default: true }, research: { default: true }, portfolio: { default: true }, universe: { default: true } } });
