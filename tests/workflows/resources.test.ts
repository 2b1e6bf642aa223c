/**
 * Compact by default, everything reachable: read_backtest's summary stays under 2 KB and links to
 * MCP resources; every link reads through the matching read tool and its policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unrestrictedOverlay, writeOverlay } from '../helpers/overlay.js';
import { sandboxSession, type SandboxSession } from '../helpers/sandbox.js';

let s: SandboxSession;
let projectId: number;
let backtestId: string;
let links: string[];
beforeAll(async () => {
  s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay() });
  const created = await s.client.callTool({ name: 'create_project', arguments: { name: 'resources', language: 'Py' } });
  projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
  const run = await s.client.callTool({ name: 'compile_and_backtest', arguments: { projectId } });
  backtestId = (run.structuredContent as { backtestId: string }).backtestId;
});
afterAll(async () => {
  await s.close();
});

describe('read_backtest', () => {
  it('returns a summary under 2 KB with links to the rest', async () => {
    const full = await s.client.callTool({ name: 'read_backtest', arguments: { projectId, backtestId, include: ['full'] } });
    const summary = await s.client.callTool({ name: 'read_backtest', arguments: { projectId, backtestId } });
    expect(summary.isError).toBeFalsy();
    links = (summary.content as { type: string; uri?: string }[]).filter((c) => c.type === 'resource_link').map((c) => c.uri!);
    const out = summary.structuredContent as { backtest: Record<string, unknown> & { statistics: Record<string, string>; completed: boolean } };
    expect(JSON.stringify(out).length).toBeLessThan(2048);
    expect(out.backtest.completed).toBe(true);
    expect(out.backtest.statistics['Sharpe Ratio']).toBeDefined();
    // The bulky parts stay out of the summary and are in the full result.
    const whole = (full.structuredContent as { backtest: Record<string, unknown> }).backtest;
    for (const part of ['totalPerformance', 'charts']) {
      expect(whole).toHaveProperty(part);
      expect(out.backtest).not.toHaveProperty(part);
    }
    expect(links.length).toBeGreaterThanOrEqual(4);
  });

  it('include adds named parts', async () => {
    const r = await s.client.callTool({ name: 'read_backtest', arguments: { projectId, backtestId, include: ['charts', 'total_performance'] } });
    const b = (r.structuredContent as { backtest: Record<string, unknown> }).backtest;
    expect(Object.keys(b.charts as object)).toContain('Strategy Equity');
    expect(b.total_performance).toHaveProperty('portfolioStatistics');
  });
});

describe('pagination', () => {
  it('a long list comes a page at a time with a clear marker, and offset reaches the rest', async () => {
    for (let i = 0; i < 104; i++) await s.client.callTool({ name: 'create_project', arguments: { name: `page ${i}`, language: 'Py' } });
    const first = (await s.client.callTool({ name: 'list_projects', arguments: {} })).structuredContent as {
      projects: unknown[];
      page: { total: number; more_available: boolean; next_offset: number };
    };
    expect(first.projects).toHaveLength(100);
    expect(first.page).toMatchObject({ field: 'projects', offset: 0, returned: 100, more_available: true, next_offset: 100 });
    const total = first.page.total;
    expect(total).toBeGreaterThanOrEqual(105);
    const rest = (await s.client.callTool({ name: 'list_projects', arguments: { offset: first.page.next_offset } })).structuredContent as {
      projects: unknown[];
      page: { more_available: boolean; next_offset?: number };
    };
    expect(rest.projects).toHaveLength(total - 100);
    expect(rest.page.more_available).toBe(false);
    expect(rest.page.next_offset).toBeUndefined();
    const small = (await s.client.callTool({ name: 'list_projects', arguments: { limit: 500 } })).structuredContent as { projects: unknown[]; page?: unknown };
    expect(small.projects).toHaveLength(total);
    expect(small.page).toBeUndefined();
  }, 60_000);
});

describe('resources', () => {
  it('lists templates for backtests, charts, orders, the report and project files', async () => {
    const { resourceTemplates } = await s.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      expect.arrayContaining(['quantconnect://projects/{projectId}/backtests/{backtestId}/charts/{name}', 'quantconnect://projects/{projectId}/files/{name}']),
    );
  });

  it('every link in a result reads', async () => {
    for (const uri of links) {
      const { contents } = await s.client.readResource({ uri });
      expect(contents[0]!.uri).toBe(uri);
      const body = JSON.parse((contents[0] as { text: string }).text) as Record<string, unknown>;
      if (uri.endsWith(backtestId)) expect(body.backtest).toHaveProperty('totalPerformance');
      if (uri.includes('/charts/')) expect(body).toHaveProperty('chart');
      if (uri.endsWith('/orders')) expect(body).toHaveProperty('orders');
    }
  });

  it('project files are resources, as text', async () => {
    const { contents } = await s.client.readResource({ uri: `quantconnect://projects/${projectId}/files/main.py` });
    expect(contents[0]!.mimeType).toBe('text/plain');
    expect((contents[0] as { text: string }).text).toMatch(/class \w+\(QCAlgorithm\)/);
  });

  it('a write never echoes the file: its length and a link instead, and the link reads the new content', async () => {
    const content = `# ${'x'.repeat(5000)}\nfrom AlgorithmImports import *\n`;
    const r = await s.client.callTool({ name: 'update_file_contents', arguments: { projectId, name: 'main.py', content } });
    expect(r.isError).toBeFalsy();
    expect(JSON.stringify(r.structuredContent)).not.toContain('xxxxxxxxxx');
    expect((r.structuredContent as { files: { content_chars: number }[] }).files[0]!.content_chars).toBe(content.length);
    const link = (r.content as { type: string; uri?: string }[]).find((c) => c.type === 'resource_link')!;
    const { contents } = await s.client.readResource({ uri: link.uri! });
    expect((contents[0] as { text: string }).text).toBe(content);
  });

  it('an unknown URI is not found; a resource whose tool is disabled cannot be read', async () => {
    await expect(s.client.readResource({ uri: 'quantconnect://elsewhere/1' })).rejects.toThrow(/No resource at/);
    const locked = await sandboxSession({}, { QC_MCP_TOOLS: writeOverlay({ tools: { read_backtest_chart: { enabled: false } } }) });
    try {
      await expect(locked.client.readResource({ uri: `quantconnect://projects/${projectId}/backtests/${backtestId}/charts/Drawdown` })).rejects.toThrow(
        /read_backtest_chart/,
      );
    } finally {
      await locked.close();
    }
  });
});
