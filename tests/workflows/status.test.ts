/**
 * The status resource: listed, and readable as JSON with the version, uptime, backend, active
 * sessions, research instances, tool calls in flight, data source and memory; no process listing.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { GOLDEN_DIR } from '../helpers/golden.js';

const open: Connected[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
});

const readStatus = async (c: Connected) =>
  JSON.parse(((await c.client.readResource({ uri: 'quantconnect-mcp://status' })).contents[0] as { text: string }).text) as Record<string, unknown>;

describe('status resource', () => {
  it('is listed and reports version, uptime, backend, sessions, research instances, jobs, data source and memory', async () => {
    const data = `csv:${resolve(GOLDEN_DIR, 'A')}`;
    const c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_DATA: data }) });
    open.push(c);
    const { resources } = await c.client.listResources();
    expect(resources.map((r) => r.uri)).toContain('quantconnect-mcp://status');

    const before = await readStatus(c);
    expect(before).toMatchObject({
      name: 'quantconnect-mcp',
      backend: 'QuantConnect',
      sessions_active: 1,
      research_instances: 0,
      jobs_in_flight: 0,
      data_source: data,
    });
    expect(before.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(before.uptime_s).toBeGreaterThanOrEqual(0);
    expect((before.memory_mb as { rss: number }).rss).toBeGreaterThan(10);
    expect(JSON.stringify(before)).not.toMatch(/pid|argv|processes/i);

    for (const instance_name of ['pairs', 'factors']) {
      const r = await c.client.callTool({ name: 'add_equity', arguments: { ticker: 'KO', instance_name, start_date: '2023-01-01', end_date: '2024-12-31' } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    }
    // A slow call in flight while the status is read.
    const during = c.client.callTool({
      name: 'find_cointegrated_pairs',
      arguments: { symbols: ['KO', 'PEP', 'MRV', 'QQQ', 'XLE', 'SPY'], start_date: '2023-01-01', end_date: '2024-12-31' },
    });
    const busy = await readStatus(c);
    await during;
    expect(busy.jobs_in_flight).toBe(1);
    expect(busy.research_instances).toBe(2);
    expect((await readStatus(c)).jobs_in_flight).toBe(0);
  });
});
