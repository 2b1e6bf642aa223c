/** A LEAN CLI workspace in a temp folder, for the data-source tests (in-memory and over stdio). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';

/** Two days of minute bars: 390 in the session (price rising a cent a minute), one before 9:30 and one at 16:00. */
export const minuteRow = (day: number, k: number) => {
  const open = 1_000_000 + day * 10_000 + k * 100;
  return { ms: (9 * 60 + 30 + k) * 60_000, open, high: open + 200, low: open - 100, close: open + 50, volume: 100 + k };
};
const csvRow = (r: ReturnType<typeof minuteRow>) => `${r.ms},${r.open},${r.high},${r.low},${r.close},${r.volume}`;

/** A LEAN CLI workspace: lean.json (with comments) naming data/, a project folder, and LEAN-format data. */
export function leanWorkspace(): { root: string; project: string; data: string } {
  const root = mkdtempSync(join(tmpdir(), 'qcmcp-workspace-'));
  writeFileSync(
    join(root, 'lean.json'),
    [
      '{',
      '    // data-folder: where LEAN reads data, relative to this file',
      '    "data-folder": "data",',
      '    "job-organization-id": "abc", /* set by lean init */',
      '    "api-url": "https://www.quantconnect.com/api/v2/",',
      '}',
    ].join('\n'),
  );
  const project = join(root, 'My Project');
  mkdirSync(project);
  const data = join(root, 'data');
  const usa = join(data, 'equity', 'usa');
  for (const d of ['daily', 'hour', 'minute/spy', 'universes/etf/spy']) mkdirSync(join(usa, d), { recursive: true });
  const days = Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2024, 0, 2 + i)).toISOString().slice(0, 10).replace(/-/g, ''));
  for (const [sym, base] of [
    ['ko', 600_000],
    ['pep', 1_700_000],
  ] as const) {
    const rows = days.map(
      (d, i) => `${d} 00:00,${base + i * 1000},${base + i * 1000 + 5000},${base + i * 1000 - 5000},${base + i * 1000 + (i % 3) * 700},${1_000_000 + i}`,
    );
    writeFileSync(join(usa, 'daily', `${sym}.zip`), zipSync({ [`${sym}.csv`]: strToU8(rows.join('\n')) }));
  }
  const hours = ['20240102', '20240103'].flatMap((d, day) =>
    [9, 10, 11, 12, 13, 14, 15].map(
      (h, k) =>
        `${d} ${String(h).padStart(2, '0')}:00,${4_000_000 + day * 10_000 + k * 1000},${4_000_000 + day * 10_000 + k * 1000 + 3000},${4_000_000 + day * 10_000 + k * 1000 - 2000},${4_000_000 + day * 10_000 + k * 1000 + 500},${1000 + k}`,
    ),
  );
  writeFileSync(join(usa, 'hour', 'spy.zip'), zipSync({ 'spy.csv': strToU8(hours.join('\n')) }));
  ['20240102', '20240103'].forEach((d, day) => {
    const rows = [`${8 * 3_600_000},1,1,1,1,1`, ...Array.from({ length: 390 }, (_, k) => csvRow(minuteRow(day, k))), `${16 * 3_600_000},1,1,1,1,1`];
    writeFileSync(join(usa, 'minute', 'spy', `${d}_trade.zip`), zipSync({ [`${d}_spy_minute_trade.csv`]: strToU8(rows.join('\n')) }));
  });
  writeFileSync(join(usa, 'universes', 'etf', 'spy', '20240102.csv'), 'KO,KO R735QTJ8XC9X,20231229,0.6,1000,\nPEP,PEP R735QTJ8XC9X,20231229,0.4,500,\n');
  return { root, project, data };
}
