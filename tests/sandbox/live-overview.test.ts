/**
 * Deploying and watching without guesswork (issue 18, item 5), through a real MCP client against
 * the sandbox: create_live_algorithm picks a free live node and the latest LEAN version when they
 * are left out (through the API, with the nodes and lean toolsets off), says which, and refuses
 * plainly when no live node is free; live reads carry no project files; live_overview answers the
 * monitoring question in one call, flagging a deployment that has run a day without a fill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../../src/qc/auth.js';
import { writeOverlay } from '../helpers/overlay.js';
import { CREDENTIALS, sandboxSession, type SandboxSession } from '../helpers/sandbox.js';
import { caller, pollUntil } from '../helpers/workflow.js';

const DAY_MS = 24 * 3_600_000;
const SPY = 'SPY R735QTJ8XC9X';

let s: SandboxSession;
let call: ReturnType<typeof caller>;
let running: number;
let compileOf: (projectId: number) => Promise<string>;

beforeAll(async () => {
  // The live toolset on, deployments without a human; the nodes and lean toolsets stay off as packaged.
  const overlay = writeOverlay({
    toolsets: { live: { default: true } },
    tools: {
      create_live_algorithm: { enabled: true, confirm: false },
      liquidate_live_algorithm: { enabled: true, confirm: false },
      create_live_command: { enabled: true },
      broadcast_live_command: { enabled: true },
    },
  });
  s = await sandboxSession({}, { QC_MCP_TOOLS: overlay });
  call = caller(s.client);
  compileOf = async (projectId) => {
    const compile = await call('create_compile', { projectId });
    await pollUntil(
      () => call('read_compile', { projectId, compileId: compile.compileId }),
      (c) => c.state === 'BuildSuccess',
    );
    return String(compile.compileId);
  };
}, 30_000);
afterAll(() => s?.close());

const newProject = async (name: string) => Number(((await call('create_project', { name, language: 'Py' })).projects as { projectId: number }[])[0]!.projectId);
const liveCreates = () => s.sandbox.requests.filter((r) => r.operation === 'POST /live/create');

describe('create_live_algorithm without nodeId and versionId', () => {
  it('picks the free live node and the latest LEAN version through the API, deploys, and says which', async () => {
    const names = (await s.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('create_live_algorithm');
    expect(names).not.toContain('read_project_nodes');
    expect(names).not.toContain('read_lean_versions');
    const schema = (await s.client.listTools()).tools.find((t) => t.name === 'create_live_algorithm')!.inputSchema;
    expect(schema.required).toEqual(['projectId', 'compileId', 'brokerage']);

    running = await newProject('Watched');
    const before = s.sandbox.requests.length;
    const result = await s.client.callTool({
      name: 'create_live_algorithm',
      arguments: { projectId: running, compileId: await compileOf(running), brokerage: { id: 'QuantConnectBrokerage' } },
    });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const structured = result.structuredContent as Record<string, any>;
    // The sandbox lists versions 17000 and 16990: the latest is the highest id.
    expect(structured.picked).toEqual({ nodeId: 'LN-sandbox-micro', nodeName: 'L-MICRO', versionId: '17000', leanVersion: 'v2.5.17000' });
    expect(JSON.stringify(result.content)).toContain('Deployed; picked by the server: live node LN-sandbox-micro (L-MICRO), LEAN version 17000 (v2.5.17000).');
    expect(structured.deployId).toMatch(/^L-/);
    const sent = s.sandbox.requests.slice(before).map((r) => r.operation);
    expect(sent).toEqual(expect.arrayContaining(['POST /projects/nodes/read', 'POST /lean/versions/read', 'POST /live/create']));
    expect(liveCreates().at(-1)!.body).toMatchObject({ nodeId: 'LN-sandbox-micro', versionId: '17000' });
    // The deployment summary in the answer carries no project files either.
    expect(structured.live).toBeDefined();
    expect(structured.live).not.toHaveProperty('files');
    await pollUntil(
      () => call('read_live_algorithm', { projectId: running }),
      (l) => l.status === 'Running',
    );
  });

  it('with every live node busy: an isError saying so and what to do, and nothing deployed', async () => {
    const other = await newProject('Second');
    const compileId = await compileOf(other);
    const creates = liveCreates().length;
    const result = await s.client.callTool({
      name: 'create_live_algorithm',
      arguments: { projectId: other, compileId, brokerage: { id: 'QuantConnectBrokerage' } },
    });
    expect(result.isError).toBe(true);
    const text = JSON.stringify(result.content);
    expect(text).toMatch(/No free live node: every live node is busy \(LN-sandbox-micro \(project \d+\)\), so nothing was deployed/);
    expect(text).toMatch(/stop_live_algorithm/);
    expect(liveCreates()).toHaveLength(creates);
  });

  it('a failed lookup deploys nothing and says how to go on; a given nodeId is kept and only the version is picked', async () => {
    const other = await newProject('Lookup');
    const compileId = await compileOf(other);
    const creates = liveCreates().length;
    s.sandbox.faults.set([{ kind: '500', path: '/lean/versions/read', rate: 1 }]);
    const failed = await s.client.callTool({
      name: 'create_live_algorithm',
      arguments: { projectId: other, compileId, nodeId: 'LN-sandbox-micro', brokerage: { id: 'QuantConnectBrokerage' } },
    });
    s.sandbox.faults.set([]);
    expect(failed.isError).toBe(true);
    expect(JSON.stringify(failed.content)).toMatch(/Could not read the LEAN versions to pick one \(HTTP 500\); nothing was deployed\. Pass versionId/);
    expect(liveCreates()).toHaveLength(creates);
    // The node is given (and busy: the sandbox, like this server, leaves that to the caller who names one).
    const deployed = await call('create_live_algorithm', {
      projectId: other,
      compileId,
      nodeId: 'LN-sandbox-micro',
      brokerage: { id: 'QuantConnectBrokerage' },
    });
    expect(deployed.picked).toEqual({ versionId: '17000', leanVersion: 'v2.5.17000' });
    expect(liveCreates().at(-1)!.body).toMatchObject({ nodeId: 'LN-sandbox-micro', versionId: '17000' });
    await call('stop_live_algorithm', { projectId: other });
  });

  it('a node id that does not exist is refused by the sandbox, as by the API', async () => {
    const other = await newProject('Third');
    const result = await s.client.callTool({
      name: 'create_live_algorithm',
      arguments: { projectId: other, compileId: await compileOf(other), nodeId: 'LN-nope', brokerage: { id: 'QuantConnectBrokerage' } },
    });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ success: false, errors: [expect.stringMatching(/Live node LN-nope not found/)] });
  });
});

describe('what each live call does to positions, said in its description', () => {
  it.each([
    ['create_live_algorithm', /trades until stopped/],
    ['stop_live_algorithm', /open positions stay open and unmanaged; liquidate_live_algorithm closes them/],
    ['liquidate_live_algorithm', /Sell or cover every position .* then stop it; works on a stopped deployment that still holds positions/],
    ['create_live_command', /an order trades at once/],
    ['broadcast_live_command', /every running live algorithm .*; orders trade at once/],
  ])('%s', async (name, says) => {
    const all = await s.client.listTools();
    expect(all.tools.find((t) => t.name === name)?.description ?? `${name} is not listed`).toMatch(says);
  });
});

describe('live reads without project files', () => {
  it("read_live_algorithm drops the files QuantConnect's /live/read lists", async () => {
    const raw = (await (
      await fetch(`${s.baseUrl}/live/read`, {
        method: 'POST',
        headers: { ...authHeaders(CREDENTIALS), 'content-type': 'application/json' },
        body: JSON.stringify({ projectId: running }),
      })
    ).json()) as { files?: unknown[] };
    expect(raw.files?.length).toBeGreaterThan(0); // the API's answer has them
    const read = await call('read_live_algorithm', { projectId: running });
    expect(read).not.toHaveProperty('files');
    expect(read.runtimeStatistics).toBeDefined();
    expect(JSON.stringify(read)).not.toContain('AlgorithmImports');
    const listed = await call('list_live_algorithms', { projectId: running });
    expect(JSON.stringify(listed)).not.toContain('AlgorithmImports');
  });
});

describe('live_overview', () => {
  let watched: number;

  it('lists each running algorithm with statistics, holdings, its last N log lines; a stopped one is left out', async () => {
    await call('stop_live_algorithm', { projectId: running });
    watched = await newProject('Books');
    await call('create_live_algorithm', {
      projectId: watched,
      compileId: await compileOf(watched),
      brokerage: { id: 'QuantConnectBrokerage' }, // the sandbox's default book: one SPY order filled at launch
    });
    await pollUntil(
      () => call('read_live_algorithm', { projectId: watched }),
      (l) => l.status === 'Running',
    );
    expect(await s.sandbox.shockLive(watched, -6)).toMatchObject({ ok: true });
    const portfolio = (await call('read_live_portfolio', { projectId: watched })).portfolio as {
      holdings: Record<string, { a: number; q: number; p: number; v: number }>;
    };
    const spy = portfolio.holdings[SPY]!;

    const result = await s.client.callTool({ name: 'live_overview', arguments: { log_lines: 2 } });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const { algorithms } = result.structuredContent as { algorithms: Record<string, any>[] };
    expect(algorithms.map((a) => a.projectId)).toEqual([watched]); // the stopped deployment is not listed
    const [a] = algorithms;
    expect(a).toMatchObject({ name: 'Books', idle_24h: false, deployId: expect.stringMatching(/^L-/) });
    expect(a!.statistics).toMatchObject({ Return: '-6.000%' });
    expect(a!.holdings).toEqual([expect.objectContaining({ symbol: SPY, quantity: spy.q, averagePrice: spy.a, price: spy.p, value: spy.v })]);
    expect(spy.q).toBeGreaterThan(0);
    expect(a!.logs).toHaveLength(2);
    expect(a!.logs.at(-1)).toMatch(/is running/);
    expect(Date.parse(a!.lastFill)).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.stringify(result)).not.toMatch(/AlgorithmImports|"files"/);
  });

  it('flags a deployment that has run more than 24 hours without a fill', async () => {
    // Move the deployment's clock back 25 hours: its launch, its fills and its equity marks.
    const shift = DAY_MS + 3_600_000;
    const live = s.sandbox.state.projects.find((p) => p.projectId === watched)!.live.at(-1)!;
    live.createdMs -= shift;
    for (const order of live.book!.orders) order.timeMs -= shift;
    for (const mark of live.book!.marks) mark.ms -= shift;
    const [a] = (await call('live_overview', {})).algorithms as Record<string, any>[];
    expect(a).toMatchObject({ projectId: watched, idle_24h: true });
    expect(Date.now() - Date.parse(a!.lastFill)).toBeGreaterThan(DAY_MS);
    expect(a!.logs.length).toBeGreaterThan(0);
    expect(a!.logs.length).toBeLessThanOrEqual(5); // the default
  });

  it('answers an empty list when nothing runs', async () => {
    await call('liquidate_live_algorithm', { projectId: watched });
    expect(await call('live_overview', {})).toEqual({ algorithms: [] });
  });
});
