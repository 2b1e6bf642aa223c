/**
 * Exports readable through MCP, on the sandbox and its simulated market through a real MCP client:
 * each exporting tool links a quantconnect://results URI that resources/read serves, the CSV read by
 * Python's csv module equals the structured result and the file on disk, and the tear sheet PDF, read
 * by poppler's pdfinfo and pdftotext (not our writer), has several pages and its tables' text. Only the
 * identity that made an export reads it; an unknown id or file is an error that says which.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer } from '../../src/server/server.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';
import { sandboxSession, type SandboxSession } from '../helpers/sandbox.js';

type Out = Record<string, unknown>;
type Link = { type: string; uri: string; name: string; mimeType?: string };
type Export = { name: string; uri: string; path: string; mimeType: string };

let s: SandboxSession;
let other: Client;
const exportDir = mkdtempSync(join(tmpdir(), 'qcmcp-exports-'));
const SIM = { start_date: '2019-01-01', end_date: '2024-12-31' };

beforeAll(async () => {
  s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay(), QC_MCP_EXPORT_DIR: exportDir, QC_MCP_DATA: 'sim:end=2024-12-31' });
  // A second connection to the same runtime under another identity (as an HTTP grant would be).
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await createMcpServer(s.runtime, { identity: 'someone-else' }).connect(serverTransport);
  other = new Client({ name: 'other', version: '1.0.0' });
  await other.connect(clientTransport);
}, 60_000);
afterAll(async () => {
  await other?.close();
  await s?.close();
});

async function call(name: string, args: Out): Promise<{ structured: Out; links: Link[]; text: string }> {
  const r = await s.client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  const content = r.content as (Link & { text?: string })[];
  return { structured: r.structuredContent as Out, links: content.filter((c) => c.type === 'resource_link'), text: content[0]?.text ?? '' };
}

/** Rows of a CSV as Python's csv.DictReader reads them. */
const pythonCsv = (text: string): Record<string, string>[] =>
  JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', 'import csv,io,json,sys; print(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.read(), newline="")))))'], {
      input: text,
    }).toString(),
  ) as Record<string, string>[];

/** The CSV behind a link: resources/read's text, checked against the file on disk and the structured listing. */
async function readCsv(structured: Out, link: Link): Promise<Record<string, string>[]> {
  expect(link.uri).toMatch(/^quantconnect:\/\/results\/[0-9a-f-]{36}\/.+\.csv$/);
  expect(link.mimeType).toBe('text/csv');
  const listed = (structured.exports as Export[]).find((e) => e.uri === link.uri)!;
  expect(listed.path.startsWith(exportDir)).toBe(true);
  const read = await s.client.readResource({ uri: link.uri });
  const content = read.contents[0] as { uri: string; mimeType: string; text: string };
  expect(content.mimeType).toBe('text/csv');
  expect(content.text).toBe(readFileSync(listed.path, 'utf8'));
  return pythonCsv(content.text);
}

describe('CSV exports are resources of the caller', () => {
  it('hierarchical_risk_parity export: the weights CSV equals the result; another identity, an unknown id or file is refused by name', async () => {
    const symbols = ['AAPL', 'MSFT', 'KO', 'PEP', 'XOM', 'CVX', 'V', 'MA'];
    const r = await call('hierarchical_risk_parity', { symbols, ...SIM, export: true });
    expect(r.links).toHaveLength(1);
    const rows = await readCsv(r.structured, r.links[0]!);
    const weights = r.structured.weights as Record<string, number>;
    expect(Object.fromEntries(rows.map((row) => [row.symbol, Number(row.weight)]))).toEqual(weights);
    expect(r.structured.export_path).toBe((r.structured.exports as Export[])[0]!.path);
    expect(r.text).toContain(r.links[0]!.uri);

    const uri = r.links[0]!.uri;
    const id = /results\/([^/]+)\//.exec(uri)![1]!;
    await expect(other.readResource({ uri })).rejects.toThrow(`No result ${id} for identity someone-else: it was made by another identity`);
    await expect(s.client.readResource({ uri: uri.replace(id, '00000000-0000-0000-0000-000000000000') })).rejects.toThrow(
      'No result 00000000-0000-0000-0000-000000000000 on this server',
    );
    await expect(s.client.readResource({ uri: uri.replace(/[^/]+$/, 'nope.csv') })).rejects.toThrow(
      new RegExp(`No result part "nope.csv" in result ${id}: it has hierarchical_risk_parity-weights-`),
    );
    // Without export: no file, no link.
    const plain = await call('hierarchical_risk_parity', { symbols, ...SIM });
    expect(plain.links).toHaveLength(0);
    expect(plain.structured.exports).toBeUndefined();
  }, 60_000);

  it('build_long_short links its weights; simulate_pairs_trading its trade log and PnL per pair', async () => {
    const book = await call('build_long_short', {
      symbols: ['AAPL', 'MSFT', 'KO', 'PEP', 'XOM', 'CVX', 'V', 'MA', 'GS'],
      ...SIM,
      benchmark_symbol: 'SPY',
      per_name_cap: 0.5,
    });
    const rows = await readCsv(book.structured, book.links[0]!);
    expect(Object.fromEntries(rows.map((row) => [row.symbol, Number(row.weight)]))).toEqual(book.structured.weights);

    const sim = await call('simulate_pairs_trading', { pairs: ['KO/PEP', 'XOM/CVX'], ...SIM, hedge: 'ols', n_boot: 100 });
    const [tradesLink, attributionLink] = sim.links;
    expect(tradesLink!.name).toMatch(/^simulate_pairs_trading-trades-/);
    const trades = sim.structured.trades as Record<string, unknown>[];
    expect(trades.length).toBeGreaterThan(3);
    const tradeRows = await readCsv(sim.structured, tradesLink!);
    expect(tradeRows).toHaveLength(trades.length);
    tradeRows.forEach((row, i) => {
      expect(row.pair).toBe(trades[i]!.pair);
      expect(row.entry_date).toBe(trades[i]!.entry_date);
      expect(Number(row.pnl)).toBe(trades[i]!.pnl);
    });
    const attribution = sim.structured.attribution as Record<string, unknown>[];
    const attributionRows = await readCsv(sim.structured, attributionLink!);
    expect(attributionRows.map((row) => row.pair)).toEqual(attribution.map((a) => a.pair));
  }, 120_000);

  it('rank_backtests links the ranked runs, one row per run with its statistics', async () => {
    const created = await call('create_project', { name: 'ranked', language: 'Py' });
    const projectId = (created.structured.projects as { projectId: number }[])[0]!.projectId;
    const ids: string[] = [];
    for (let k = 0; k < 3; k++) ids.push(String((await call('compile_and_backtest', { projectId, backtestName: `run ${k}` })).structured.backtestId));
    const r = await call('rank_backtests', { projectId, backtestIds: ids, sort_by: 'sharpe_ratio', top: 3 });
    const runs = r.structured.runs as { id: string; statistics: Record<string, number> }[];
    const rows = await readCsv(r.structured, r.links[0]!);
    expect(rows.map((row) => row.id)).toEqual(runs.map((run) => run.id));
    expect(rows.map((row) => Number(row.rank))).toEqual([1, 2, 3]);
    expect(rows.map((row) => Number(row.sharpe_ratio))).toEqual(runs.map((run) => run.statistics.sharpe_ratio));
  }, 120_000);
});

describe('the tear sheet PDF', () => {
  it('is a multi-page PDF with the statistics and tables, served as application/pdf and written to disk', async () => {
    const created = await call('create_project', { name: 'tear sheet pdf', language: 'Py' });
    const projectId = (created.structured.projects as { projectId: number }[])[0]!.projectId;
    const backtestId = String((await call('compile_and_backtest', { projectId })).structured.backtestId);
    const r = await call('backtest_tear_sheet', { projectId, backtestId });
    const link = r.links.find((l) => l.mimeType === 'application/pdf')!;
    expect(link.uri).toMatch(/^quantconnect:\/\/results\/[0-9a-f-]{36}\/backtest_tear_sheet-.+\.pdf$/);
    const read = await s.client.readResource({ uri: link.uri });
    const content = read.contents[0] as { mimeType: string; blob: string };
    expect(content.mimeType).toBe('application/pdf');
    const pdf = Buffer.from(content.blob, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const listed = (r.structured.exports as Export[])[0]!;
    expect(readFileSync(listed.path).equals(pdf)).toBe(true);

    const file = join(mkdtempSync(join(tmpdir(), 'qcmcp-pdf-')), 'tear.pdf');
    writeFileSync(file, pdf);
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(execFileSync('pdfinfo', [file]).toString())![1]);
    expect(pages).toBeGreaterThanOrEqual(3);
    const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
    const f = r.structured as { total_return: number; max_drawdown: number; monthly_returns: { month: string; return: number }[] };
    for (const heading of ['Key statistics', "LEAN's statistics", 'Monthly returns', 'Worst drawdowns', 'SIMULATED']) expect(text).toContain(heading);
    expect(text).toMatch(new RegExp(`Total return\\s+${(f.total_return * 100).toFixed(2)}%`));
    expect(text).toMatch(new RegExp(`Max drawdown\\s+${(f.max_drawdown * 100).toFixed(2)}%`));
    // The monthly table: a row per year, the first month's return in it.
    const first = f.monthly_returns[0]!;
    const yearRow = text.split('\n').find((line) => line.trim().startsWith(first.month.slice(0, 4)) && line.includes('%'))!;
    expect(yearRow).toContain(`${(first.return * 100).toFixed(1)}%`);
    // The sandbox lists no closed trades, so the largest orders (as read_backtest_orders gives them) stand in.
    const orders = (await call('read_backtest_orders', { projectId, backtestId, start: 0, end: 99 })).structured.orders as { value: number }[];
    const largest = orders.reduce((a, b) => (Math.abs(b.value) > Math.abs(a.value) ? b : a)).value.toFixed(2);
    expect(text).toContain('Largest orders');
    expect(text).toMatch(new RegExp(`\\s${largest.replace('.', '\\.')}\\n`));
    // The statistics on page 1, the tables on a later page.
    const byPage = text.split('\f');
    expect(byPage[0]).toContain('Key statistics');
    expect(byPage.findIndex((p) => p.includes('Monthly returns'))).toBeGreaterThan(0);
  }, 120_000);
});

describe('the built CLI over stdio (embedded sandbox)', () => {
  it('links the tear sheet PDF and serves it to resources/read', async () => {
    const CLI = 'dist/src/cli/main.js';
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
    const dir = mkdtempSync(join(tmpdir(), 'qcmcp-stdio-exports-'));
    const client = new Client({ name: 'exports-e2e', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI],
        env: { ...env, QC_MCP_STATE_DIR: dir, QC_MCP_EXPORT_DIR: join(dir, 'out'), QC_MCP_TOOLS: unrestrictedOverlay() },
        stderr: 'ignore',
      }),
    );
    try {
      const created = await client.callTool({ name: 'create_project', arguments: { name: 'stdio pdf', language: 'Py' } });
      const projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
      const run = await client.callTool({ name: 'compile_and_backtest', arguments: { projectId } });
      const backtestId = (run.structuredContent as { backtestId: string }).backtestId;
      const r = await client.callTool({ name: 'backtest_tear_sheet', arguments: { projectId, backtestId } });
      expect(r.isError, JSON.stringify(r.content).slice(0, 300)).toBeFalsy();
      const link = (r.content as Link[]).find((c) => c.type === 'resource_link')!;
      const content = (await client.readResource({ uri: link.uri })).contents[0] as { mimeType: string; blob: string };
      expect(content.mimeType).toBe('application/pdf');
      const file = join(dir, 'read.pdf');
      writeFileSync(file, Buffer.from(content.blob, 'base64'));
      expect(Number(/^Pages:\s+(\d+)$/m.exec(execFileSync('pdfinfo', [file]).toString())![1])).toBeGreaterThanOrEqual(3);
      expect(execFileSync('pdftotext', [file, '-']).toString()).toContain('Monthly returns');
    } finally {
      await client.close();
    }
  }, 120_000);
});
