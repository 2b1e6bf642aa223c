/**
 * The US equity trading calendar the simulated market uses: weekdays minus the NYSE full-day
 * holidays (New Year's Day, Martin Luther King Jr. Day, Washington's Birthday, Good Friday,
 * Memorial Day, Juneteenth from 2022, Independence Day, Labor Day, Thanksgiving, Christmas; a
 * Saturday holiday is observed on Friday and a Sunday one on Monday, except New Year's Day on a
 * Saturday, which is not observed) and the special closures since 2015 (5 Dec 2018, 9 Jan 2025,
 * national days of mourning). Early closes (1 pm) are not modelled: every session is 9:30-16:00 ET.
 */

export const SESSION_OPEN_MINUTE = 9 * 60 + 30;
export const SESSION_CLOSE_MINUTE = 16 * 60;
export const SESSION_MINUTES = SESSION_CLOSE_MINUTE - SESSION_OPEN_MINUTE;
export const TRADING_DAYS_PER_YEAR = 252;

const SPECIAL_CLOSURES = new Set(['2018-12-05', '2025-01-09']);
const DAY_MS = 86_400_000;

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const utc = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

/** The n-th (1-based; -1 for the last) given weekday (0 = Sunday) of a month. */
function nthWeekday(y: number, m: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = utc(y, m, 1);
    const offset = (weekday - new Date(first).getUTCDay() + 7) % 7;
    return first + (offset + (n - 1) * 7) * DAY_MS;
  }
  const last = utc(y, m + 1, 0);
  const back = (new Date(last).getUTCDay() - weekday + 7) % 7;
  return last - back * DAY_MS;
}

/** Easter Sunday (Gregorian; the anonymous algorithm of Meeus, Jones and Butcher). */
function easter(y: number): number {
  const a = y % 19,
    b = Math.floor(y / 100),
    c = y % 100,
    d = Math.floor(b / 4),
    e = b % 4;
  const f = Math.floor((b + 8) / 25),
    g = Math.floor((b - f + 1) / 3),
    h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4),
    k = c % 4,
    l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(y, month, day);
}

/** Saturday -> Friday, Sunday -> Monday. */
function observed(ms: number): number {
  const wd = new Date(ms).getUTCDay();
  return wd === 6 ? ms - DAY_MS : wd === 0 ? ms + DAY_MS : ms;
}

const holidayCache = new Map<number, Set<string>>();

/** The NYSE full-day holidays of a year, as YYYY-MM-DD. */
export function nyseHolidays(y: number): Set<string> {
  const cached = holidayCache.get(y);
  if (cached) return cached;
  const days: number[] = [];
  const newYear = utc(y, 1, 1);
  if (new Date(newYear).getUTCDay() !== 6) days.push(observed(newYear));
  days.push(nthWeekday(y, 1, 1, 3), nthWeekday(y, 2, 1, 3), easter(y) - 2 * DAY_MS, nthWeekday(y, 5, 1, -1));
  if (y >= 2022) days.push(observed(utc(y, 6, 19)));
  days.push(observed(utc(y, 7, 4)), nthWeekday(y, 9, 1, 1), nthWeekday(y, 11, 4, 4), observed(utc(y, 12, 25)));
  const out = new Set(days.map(iso));
  for (const d of SPECIAL_CLOSURES) if (d.startsWith(String(y))) out.add(d);
  holidayCache.set(y, out);
  return out;
}

export function isTradingDay(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  const wd = new Date(ms).getUTCDay();
  return wd !== 0 && wd !== 6 && !nyseHolidays(Number(date.slice(0, 4))).has(date);
}

/** Trading days from start to end inclusive (YYYY-MM-DD). */
export function tradingDays(start: string, end: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(`${start}T00:00:00Z`), last = Date.parse(`${end}T00:00:00Z`); ms <= last; ms += DAY_MS) {
    const d = iso(ms);
    if (isTradingDay(d)) out.push(d);
  }
  return out;
}
