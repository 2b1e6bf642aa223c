/**
 * The sandbox answers as QuantConnect's API does (issue 16; the live items of issue 18), through a
 * real MCP client, against both the embedded sandbox and `quantconnect-mcp sandbox --port P`.
 * Outside truth: the official server's published tests (QuantConnect/mcp-server: duplicate names
 * accepted, autoSelectNode on a new project, the owner among the collaborators, "api-v2" and
 * "PaperBrokerage" on deployment, the MD5 of "Hello, world!", "/" as the root path, zip downloads,
 * LEAN's default chart names, {"result": "x.y.z"} for the version tools) and the API reference.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../../src/qc/auth.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { startEmbeddedSandbox } from '../../src/sandbox/embedded.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';
import { CREDENTIALS, FAST_TIMING } from '../helpers/sandbox.js';
import { pollUntil } from '../helpers/workflow.js';

interface Target {
  baseUrl: string;
  /** The sandbox's shock control: a function for the embedded sandbox, POST /api/v2/sandbox/live/shock for the standalone one. */
  shock: (projectId: number, equityChangePct: number) => Promise<{ success: boolean; equity?: number; errors?: string[] }>;
  close: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Spawn `quantconnect-mcp sandbox` with extra arguments; resolves with the child and the URL it printed. */
export async function spawnSandbox(args: string[]): Promise<{ child: ChildProcess; baseUrl: string; stderr: () => string }> {
  expect(existsSync('dist/src/cli/main.js'), 'run npm run build first').toBe(true);
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'sandbox', ...args], {
    env: { ...process.env, QUANTCONNECT_USER_ID: CREDENTIALS.userId, QUANTCONNECT_API_TOKEN: CREDENTIALS.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${stderr}`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /QUANTCONNECT_API_BASE_URL=(http:\/\/127\.0\.0\.1:\d+\/api\/v2)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited (${String(code)}): ${stderr}`)));
  });
  return { child, baseUrl, stderr: () => stderr };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const shockOverHttp = (baseUrl: string) => async (projectId: number, equityChangePct: number) => {
  const response = await fetch(`${baseUrl}/sandbox/live/shock`, {
    method: 'POST',
    headers: { ...authHeaders(CREDENTIALS), 'content-type': 'application/json' },
    body: JSON.stringify({ projectId, equityChangePct }),
  });
  return (await response.json()) as { success: boolean; equity?: number; errors?: string[] };
};

const TARGETS: [string, () => Promise<Target>][] = [
  [
    'the embedded sandbox',
    async () => {
      const { sandbox, baseUrl } = await startSandbox({ credentials: CREDENTIALS, organizationId: 'org-test', timing: FAST_TIMING });
      const shock = async (projectId: number, pct: number) => {
        const result = await sandbox.shockLive(projectId, pct);
        return result.ok ? { success: true, equity: result.equity } : { success: false, errors: [result.error] };
      };
      return { baseUrl, shock, close: () => sandbox.close() };
    },
  ],
  [
    'quantconnect-mcp sandbox --port P',
    async () => {
      const port = await freePort();
      const { child, baseUrl } = await spawnSandbox(['--port', String(port)]);
      expect(baseUrl).toBe(`http://127.0.0.1:${port}/api/v2`);
      return { baseUrl, shock: shockOverHttp(baseUrl), close: () => stopChild(child) };
    },
  ],
];

describe.each(TARGETS)('%s', (_label, start) => {
  let target: Target;
  let mcp: Connected;

  async function call(name: string, args: Record<string, unknown>) {
    return mcp.client.callTool({ name, arguments: args });
  }
  async function ok(name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
    const result = await call(name, args);
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Record<string, any>;
  }
  /** An isError whose text matches, carrying QuantConnect's {success: false, errors} as structured content. */
  async function refused(name: string, args: Record<string, unknown>, message: RegExp): Promise<void> {
    const result = await call(name, args);
    expect(result.isError, `${name} should be refused`).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(message);
    expect(result.structuredContent).toMatchObject({ success: false, errors: [expect.stringMatching(message)] });
  }
  async function newProject(name = 'Fidelity') {
    return Number((await ok('create_project', { name, language: 'Py' })).projects[0].projectId);
  }
  async function compiled(projectId: number): Promise<string> {
    const compile = await ok('create_compile', { projectId });
    await pollUntil(
      () => ok('read_compile', { projectId, compileId: compile.compileId }),
      (c) => c.state === 'BuildSuccess',
    );
    return String(compile.compileId);
  }

  beforeAll(async () => {
    target = await start();
    // The organization the sandbox serves (the standalone one names its own), for the Object Store tools.
    const organizationId = String(
      ((await (await fetch(`${target.baseUrl}/account/read`, { method: 'POST', headers: authHeaders(CREDENTIALS) })).json()) as { organizationId: string })
        .organizationId,
    );
    mcp = await connect({ env: testEnv(target.baseUrl, { QC_MCP_TOOLS: unrestrictedOverlay(), QUANTCONNECT_ORGANIZATION_ID: organizationId }) });
  }, 30_000);
  afterAll(async () => {
    await mcp?.close();
    await target?.close();
  });

  describe('projects', () => {
    it('a second project with an existing name is accepted', async () => {
      const a = await newProject('Same name');
      const b = await newProject('Same name');
      expect(b).not.toBe(a);
    });

    it('a new project selects its nodes automatically', async () => {
      const answer = await ok('read_project_nodes', { projectId: await newProject() });
      expect(answer.autoSelectNode).toBe(true);
      const all = [...answer.nodes.backtest, ...answer.nodes.research, ...answer.nodes.live];
      expect(all.length).toBeGreaterThan(0);
      expect(all.filter((n: { active: boolean }) => n.active)).toEqual([]);
    });

    it('the collaborator list includes the owner; a blank collaborator id is refused', async () => {
      const projectId = await newProject();
      const read = await ok('read_project_collaborators', { projectId });
      expect(read.collaborators).toEqual([expect.objectContaining({ owner: true })]);
      const added = await ok('create_project_collaborator', {
        projectId,
        collaboratorUserId: 'mia-ai',
        collaborationLiveControl: true,
        collaborationWrite: false,
      });
      expect(added.collaborators).toHaveLength(2);
      for (const blank of ['', '   ']) {
        await refused(
          'create_project_collaborator',
          { projectId, collaboratorUserId: blank, collaborationLiveControl: true, collaborationWrite: true },
          /collaborator user id cannot be empty/,
        );
        await refused('delete_project_collaborator', { projectId, collaboratorId: blank }, /collaborator user id cannot be empty/);
      }
    });

    it('read_project and list_projects take the paging window [start, end); a window with end <= start is refused', async () => {
      await newProject('Window A');
      await newProject('Window B');
      expect((await ok('read_project', { start: 0, end: 2 })).projects).toHaveLength(2);
      expect((await ok('list_projects', { start: 1, end: 2 })).projects).toHaveLength(1);
      await refused('read_project', { start: 1, end: 1 }, /end > start/);
    });

    it('lock_project_with_collaborators and the file tools accept codeSourceId, as the official server sends it', async () => {
      const projectId = await newProject();
      await ok('lock_project_with_collaborators', { projectId, codeSourceId: '' });
      await ok('create_file', { projectId, name: 'extra.py', content: 'x = 1\n', codeSourceId: 'someone-else' });
      await ok('read_file', { projectId, name: 'extra.py', codeSourceId: 'someone-else' });
    });

    it('empty file content is refused, on create and on update', async () => {
      const projectId = await newProject();
      await refused('create_file', { projectId, name: 'empty.py', content: '' }, /File content cannot be empty/);
      await refused('update_file_contents', { projectId, name: 'main.py', content: '' }, /File content cannot be empty/);
    });
  });

  describe('backtests', () => {
    let projectId: number;
    let backtestId: string;
    beforeAll(async () => {
      projectId = await newProject('Backtests');
      const compileId = await compiled(projectId);
      backtestId = String(
        (await ok('create_backtest', { projectId, compileId, backtestName: 'params', parameters: { fast: 10, slow: '20' } })).backtest.backtestId,
      );
      await pollUntil(
        () => ok('read_backtest', { projectId, backtestId }),
        (b) => b.backtest.completed === true,
      );
    }, 30_000);

    it('orders and insights come in windows of at most 100: [0, 100) works, a wider one is refused', async () => {
      expect((await ok('read_backtest_orders', { projectId, backtestId, start: 0, end: 100 })).orders.length).toBeGreaterThan(0);
      await ok('read_backtest_insights', { projectId, backtestId, start: 0, end: 100 });
      await refused('read_backtest_orders', { projectId, backtestId, start: 0, end: 101 }, /at most 100/);
      await refused('read_backtest_insights', { projectId, backtestId, start: 10, end: 111 }, /at most 100/);
    });

    it('read_backtest returns the parameterSet given to create_backtest, values as strings', async () => {
      expect((await ok('read_backtest', { projectId, backtestId })).backtest.parameterSet).toEqual({ fast: '10', slow: '20' });
    });

    it('a chart window with end < start is refused', async () => {
      await refused(
        'read_backtest_chart',
        { projectId, backtestId, name: 'Strategy Equity', start: 1_680_307_200, end: 1_672_531_200, count: 100 },
        /end time/,
      );
    });

    it("every backtest has LEAN's default charts, with plausible series", async () => {
      const charts = ['Strategy Equity', 'Capacity', 'Drawdown', 'Benchmark', 'Exposure', 'Assets Sales Volume', 'Portfolio Turnover', 'Portfolio Margin'];
      expect(Object.keys((await ok('read_backtest', { projectId, backtestId, include: ['charts'] })).backtest.charts).sort()).toEqual([...charts].sort());
      const read = async (name: string) => (await ok('read_backtest_chart', { projectId, backtestId, name, start: 0, end: 4_102_444_800, count: 500 })).chart;
      const valuesOf = (chart: { series: Record<string, { values: [number, number][] }> }, series: string) => chart.series[series]!.values.map(([, v]) => v);
      for (const name of charts) {
        const chart = await read(name);
        expect(chart.name).toBe(name);
        expect(Object.values(chart.series as Record<string, { values: unknown[] }>).every((s) => s.values.length > 100)).toBe(true);
      }
      expect(valuesOf(await read('Strategy Equity'), 'Equity')[0]).toBeGreaterThan(90_000);
      expect(valuesOf(await read('Drawdown'), 'Equity Drawdown').every((v) => v <= 0 && v > -100)).toBe(true);
      expect(valuesOf(await read('Exposure'), 'Equity - Long Ratio').every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(valuesOf(await read('Capacity'), 'Strategy Capacity').every((v) => v > 0)).toBe(true);
      expect(valuesOf(await read('Portfolio Turnover'), 'Portfolio Turnover').every((v) => v >= 0)).toBe(true);
      const volume = Object.values((await read('Assets Sales Volume')).series as Record<string, { values: [number, number][] }>);
      for (const s of volume) expect(s.values.map(([, v]) => v)).toEqual([...s.values.map(([, v]) => v)].sort((a, b) => a - b)); // cumulative
    });
  });

  describe('live', () => {
    let projectId: number;
    let compileId: string;
    let nodeId: string;
    const SPY = 'SPY R735QTJ8XC9X';
    const money = (s: string): number => Number(s.replace(/[$,]/g, ''));
    const statistics = async () => (await ok('read_live_algorithm', { projectId })).runtimeStatistics as Record<string, string>;
    const portfolio = async () =>
      (await ok('read_live_portfolio', { projectId })).portfolio as {
        holdings: Record<string, { a: number; q: number; p: number; v: number }>;
        cash: Record<string, { amount: number }>;
      };

    beforeAll(async () => {
      projectId = await newProject('Live');
      compileId = await compiled(projectId);
      nodeId = String((await ok('read_project_nodes', { projectId })).nodes.live[0].id);
    }, 30_000);

    it('refuses a live node id that does not exist', async () => {
      for (const bad of ['LN-does-not-exist', ' ']) {
        await refused(
          'create_live_algorithm',
          { projectId, compileId, nodeId: bad, versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } },
          /Live node .* not found/,
        );
      }
    });

    it('a paper deployment made through the API reads back source "api-v2" and brokerage "PaperBrokerage"', async () => {
      const created = await ok('create_live_algorithm', {
        projectId,
        compileId,
        nodeId,
        versionId: '-1',
        brokerage: {
          id: 'QuantConnectBrokerage',
          holdings: [{ symbolId: SPY, symbol: 'SPY', quantity: 10, averagePrice: 400 }],
          cash: [{ amount: 50_000, currency: 'USD' }],
        },
      });
      expect(created.source).toBe('api-v2');
      expect(created.live.brokerage).toBe('PaperBrokerage');
      const live = await pollUntil(
        () => ok('read_live_algorithm', { projectId }),
        (l) => l.status === 'Running',
      );
      expect(live.brokerage).toBe('PaperBrokerage');
      expect((await ok('list_live_algorithms', { projectId })).live[0].brokerage).toBe('PaperBrokerage');
    });

    it('the cash and holdings given at deployment are the portfolio, and the runtime statistics agree', async () => {
      const p = await portfolio();
      expect(p.holdings[SPY]).toMatchObject({ a: 400, q: 10, p: 400, v: 4000 });
      expect(Object.keys(p.holdings)).toEqual([SPY]);
      expect(p.cash.USD!.amount).toBe(50_000);
      const stats = await statistics();
      expect(money(stats.Equity!)).toBe(54_000);
      expect(money(stats.Holdings!)).toBe(4000);
      expect(money(stats['Net Profit']!)).toBe(0);
    });

    it('live insights may be read 1,000 at a time', async () => {
      await ok('read_live_insights', { projectId, start: 0, end: 1000 });
    });

    it('a shock of -6% moves equity now; holdings, statistics, the equity chart and the live list all see it', async () => {
      const answer = await target.shock(projectId, -6);
      expect(answer).toMatchObject({ success: true, equity: 50_760 });
      const p = await portfolio();
      expect(p.holdings[SPY]).toMatchObject({ q: 10, p: 76, v: 760 });
      expect(p.cash.USD!.amount + p.holdings[SPY]!.v).toBe(50_760);
      const stats = await statistics();
      expect(money(stats.Equity!)).toBe(50_760);
      expect(money(stats['Net Profit']!)).toBe(-3240);
      expect(stats.Return).toBe('-6.000%');
      const chart = (await ok('read_live_chart', { projectId, name: 'Strategy Equity', start: 0, end: 4_102_444_800, count: 100 })).chart;
      const equity = chart.series.Equity.values as [number, number][];
      expect(equity[0]![1]).toBe(54_000);
      expect(equity.at(-1)![1]).toBe(50_760);
      expect((await ok('list_live_algorithms', { projectId })).live[0].equity).toBe(50_760);
      expect(await target.shock(999, -6)).toMatchObject({ success: false, errors: [expect.stringMatching(/Project 999 not found/)] });
    });

    it('stop first, then liquidate: the stopped deployment is liquidated and no position stays open', async () => {
      await ok('stop_live_algorithm', { projectId });
      expect(Object.keys((await portfolio()).holdings)).toEqual([SPY]); // stopping leaves positions open
      await ok('liquidate_live_algorithm', { projectId });
      const p = await portfolio();
      expect(p.holdings).toEqual({});
      expect(p.cash.USD!.amount).toBe(50_760);
      const live = await ok('read_live_algorithm', { projectId });
      expect(live.status).toBe('Liquidated');
      expect(live.stopped).toBeTruthy();
      const orders = (await ok('read_live_orders', { projectId, start: 0, end: 100 })).orders as { symbol: { id: string }; quantity: number }[];
      expect(orders.at(-1)).toMatchObject({ symbol: { id: SPY }, quantity: -10 });
      await refused('liquidate_live_algorithm', { projectId }, /already liquidated/);
    });

    it('a running deployment liquidates too, and stops', async () => {
      const other = await newProject('Live 2');
      await ok('create_live_algorithm', {
        projectId: other,
        compileId: await compiled(other),
        nodeId,
        versionId: '-1',
        brokerage: { id: 'QuantConnectBrokerage' },
      });
      await pollUntil(
        () => ok('read_live_algorithm', { projectId: other }),
        (l) => l.status === 'Running',
      );
      expect(Object.keys((await ok('read_live_portfolio', { projectId: other })).portfolio.holdings)).toEqual([SPY]);
      await ok('liquidate_live_algorithm', { projectId: other });
      expect((await ok('read_live_portfolio', { projectId: other })).portfolio.holdings).toEqual({});
      expect((await ok('read_live_algorithm', { projectId: other })).stopped).toBeTruthy();
    });
  });

  describe('object store', () => {
    it('md5 is the MD5 of the content, the MIME type comes from the key', async () => {
      await ok('upload_object', { key: 'test_key_hello', objectData: 'Hello, world!' });
      await ok('upload_object', { key: 'tree/data.json', objectData: '{"a": 1}' });
      const hello = (await ok('read_object_properties', { key: 'test_key_hello' })).metadata;
      expect(hello).toMatchObject({ size: 13, md5: '6cd3556deb0da54bca060b4c39479839', mime: 'text/plain' });
      expect((await ok('read_object_properties', { key: 'tree/data.json' })).metadata.mime).toBe('application/json');
    });

    it('the root path is "/", folders are listed without a trailing slash, other paths are echoed', async () => {
      await ok('upload_object', { key: 'tree/child/grandchild.csv', objectData: 'a,b\n1,2\n' });
      const root = await ok('list_object_store_files', {});
      expect(root.path).toBe('/');
      expect(root.objects).toContainEqual(expect.objectContaining({ key: 'tree', name: 'tree', mime: 'directory', folder: true }));
      const tree = await ok('list_object_store_files', { path: 'tree' });
      expect(tree.path).toBe('tree');
      expect(tree.objects).toContainEqual(expect.objectContaining({ key: 'tree/child', name: 'child', folder: true }));
      const child = await ok('list_object_store_files', { path: 'tree/child' });
      expect(child.objects).toEqual([expect.objectContaining({ key: 'tree/child/grandchild.csv', name: 'grandchild.csv', mime: 'text/csv', folder: false })]);
    });

    it('a download is a zip archive, even for a single key', async () => {
      const jobId = (await ok('read_object_store_file_job_id', { keys: ['test_key_hello'] })).jobId;
      const url = (await ok('read_object_store_file_download_url', { jobId })).url;
      const response = await fetch(String(url));
      expect(response.headers.get('content-type')).toBe('application/zip');
      const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
      expect(Object.keys(entries)).toEqual(['test_key_hello']);
      expect(strFromU8(entries.test_key_hello!)).toBe('Hello, world!');
    });
  });

  it('read_mcp_server_version answers {"result": "x.y.z"}, as the official server does', async () => {
    const result = await call('read_mcp_server_version', {});
    expect(result.structuredContent).toEqual({ result: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  });
});

describe('quantconnect-mcp sandbox: --state, --faults and the shock control', () => {
  it('--state keeps the account across a restart on the same port', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'qcmcp-fid-')), 'state.json');
    const port = await freePort();
    const first = await spawnSandbox(['--port', String(port), '--state', statePath]);
    expect(first.stderr()).toContain(`state: ${statePath}`);
    const a = await connect({ env: testEnv(first.baseUrl) });
    const created = await a.client.callTool({ name: 'create_project', arguments: { name: 'Kept', language: 'Py' } });
    const projectId = (created.structuredContent as { projects: { projectId: number }[] }).projects[0]!.projectId;
    await a.close();
    await stopChild(first.child);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).projects.map((p: { projectId: number }) => p.projectId)).toEqual([projectId]);

    const second = await spawnSandbox(['--port', String(port), '--state', statePath]);
    expect(second.baseUrl).toBe(first.baseUrl);
    const b = await connect({ env: testEnv(second.baseUrl) });
    const read = await b.client.callTool({ name: 'read_project', arguments: { projectId } });
    expect((read.structuredContent as { projects: { name: string }[] }).projects[0]!.name).toBe('Kept');
    await b.close();
    await stopChild(second.child);
  }, 60_000);

  it('--faults injects the faults it is given', async () => {
    const { child, baseUrl } = await spawnSandbox(['--port', String(await freePort()), '--faults', '[{"kind":"500","path":"/account/read","times":2}]']);
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${baseUrl}/account/read`, { method: 'POST', headers: authHeaders(CREDENTIALS) })).status);
      expect(statuses).toEqual([500, 500, 200]);
    } finally {
      await stopChild(child);
    }
  }, 30_000);

  it('the shock endpoint needs the credentials and checks its input', async () => {
    const { child, baseUrl } = await spawnSandbox(['--port', String(await freePort())]);
    try {
      const anonymous = await fetch(`${baseUrl}/sandbox/live/shock`, { method: 'POST', body: JSON.stringify({ projectId: 1, equityChangePct: -6 }) });
      expect(anonymous.status).toBe(401);
      expect(await shockOverHttp(baseUrl)(1, 'x' as unknown as number)).toMatchObject({
        success: false,
        errors: [expect.stringMatching(/equityChangePct must be a number/)],
      });
    } finally {
      await stopChild(child);
    }
  }, 30_000);
});

describe('the embedded sandbox handle', () => {
  it('exposes the shock control', async () => {
    const embedded = await startEmbeddedSandbox();
    try {
      expect(await embedded.shock(1, -6)).toEqual({ ok: false, error: 'Project 1 not found.' });
    } finally {
      await embedded.close();
    }
  });
});
