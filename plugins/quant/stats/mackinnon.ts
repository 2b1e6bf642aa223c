/** MacKinnon's response surfaces: unit-root / cointegration p-values (1994) and critical values (2010). */
import tables from './reference-tables.json' with { type: 'json' };

export type Regression = 'n' | 'c' | 'ct' | 'ctt';
type Table = { max: (number | null)[]; min: (number | null)[]; star: (number | null)[]; smallp: number[][]; largep: number[][]; crit2010: number[][][] };
const MACKINNON = tables.mackinnon as Record<Regression, Table>;

/** Standard normal CDF to near double precision: Phi(x) = erfc(-x / sqrt 2) / 2. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** erfc: the erf power series below 2, the continued fraction (modified Lentz) above. */
export function erfc(z: number): number {
  const t = Math.abs(z);
  let value: number;
  if (t < 2) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 100; n++) {
      term *= (-t * t) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    value = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(t) = exp(-t^2)/sqrt(pi) / (t + (1/2)/(t + (2/2)/(t + (3/2)/(t + ...))))
    const tiny = 1e-300;
    let f = t;
    let C = f;
    let D = 0;
    for (let n = 1; n < 500; n++) {
      const a = n / 2;
      D = t + a * D;
      D = 1 / (Math.abs(D) < tiny ? tiny : D);
      C = t + a / C;
      if (Math.abs(C) < tiny) C = tiny;
      const delta = C * D;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    value = Math.exp(-t * t) / Math.sqrt(Math.PI) / f;
  }
  return z >= 0 ? value : 2 - value;
}

const polyval = (coefficients: number[], x: number): number => coefficients.reduceRight((acc, c) => acc * x + c, 0);

/** Asymptotic p-value of a (A)DF / Engle-Granger statistic with N integrated variables. */
export function mackinnonP(stat: number, regression: Regression, N: number): number {
  const t = MACKINNON[regression];
  // null in the tables stands for an unbounded limit.
  if (stat > (t.max[N - 1] ?? Infinity)) return 1;
  if (stat < (t.min[N - 1] ?? -Infinity)) return 0;
  const coef = stat <= (t.star[N - 1] ?? Infinity) ? (t.smallp[N - 1] as number[]) : (t.largep[N - 1] as number[]);
  return normalCdf(polyval(coef, stat));
}

/** Finite-sample critical values {1%, 5%, 10%} for N variables and nobs observations. */
export function mackinnonCrit(regression: Regression, N: number, nobs: number): { '1%': number; '5%': number; '10%': number } {
  const rows = MACKINNON[regression].crit2010[N - 1] as number[][];
  const at = (row: number[]) => polyval(row, 1 / nobs);
  return { '1%': at(rows[0] as number[]), '5%': at(rows[1] as number[]), '10%': at(rows[2] as number[]) };
}
