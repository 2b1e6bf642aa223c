/**
 * Every one of the 67 tools (the API tools, the version tools and the auth tools), called against the sandbox with valid arguments and real ids, in the
 * order an agent would: each result is non-error and matches the tool's output schema. Then: all
 * 61 spec operations ran, and no request or response broke the spec (the sandbox validates both).
 */
import { strFromU8, unzipSync } from 'fflate';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackagedSchemas } from '../../src/api/api-tools.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';
import { sandboxSession, type SandboxSession } from '../helpers/sandbox.js';
import { pollUntil } from '../helpers/workflow.js';

type Ids = Record<string, string | number>;
type Step = [
  tool: string,
  args: (ids: Ids) => Record<string, unknown>,
  after?: (out: Record<string, unknown>, ids: Ids, s: SandboxSession) => Promise<void> | void,
];

const CSV = 'date,close\n2024-01-02,58.1\n2024-01-03,58.4\n';
const PY = 'class A(QCAlgorithm):\n    def Initialize(self):\n        self.SetCash(100000)\n';

let s: SandboxSession;
let tools: Tool[];
const ids: Ids = {};
const ajv = new Ajv2020({ strict: false });
const called = new Set<string>();

async function call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await s.client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, unknown>;
}

const untilCompiled = (i: Ids) =>
  pollUntil(
    () => call('read_compile', { projectId: i.p, compileId: i.c }),
    (r) => r.state !== 'InQueue',
  );
const untilRunning = (i: Ids) =>
  pollUntil(
    () => call('read_live_algorithm', { projectId: i.p }),
    (r) => r.status === 'Running',
  );

const STEPS: Step[] = [
  ['read_account', () => ({})],
  ['read_lean_versions', () => ({})],
  ['create_project', () => ({ name: 'All Tools', language: 'Py' }), (o, i) => void (i.p = (o.projects as { projectId: number }[])[0]!.projectId)],
  ['read_project', (i) => ({ projectId: i.p })],
  ['list_projects', () => ({})],
  ['update_project', (i) => ({ projectId: i.p, description: 'every tool, once' })],
  ['read_file', (i) => ({ projectId: i.p })],
  ['create_file', (i) => ({ projectId: i.p, name: 'utils.py', content: 'x = 1\n' })],
  ['update_file_contents', (i) => ({ projectId: i.p, name: 'utils.py', content: 'x = 2\n' })],
  ['patch_file', (i) => ({ projectId: i.p, patch: '--- a/utils.py\n+++ b/utils.py\n@@ -1 +1 @@\n-x = 2\n+x = 3\n' })],
  ['update_file_name', (i) => ({ projectId: i.p, name: 'utils.py', newName: 'helpers.py' })],
  ['read_project_nodes', (i) => ({ projectId: i.p })],
  ['update_project_nodes', (i) => ({ projectId: i.p, nodes: ['BN-sandbox-micro', 'LN-sandbox-micro'] })],
  ['create_project_collaborator', (i) => ({ projectId: i.p, collaboratorUserId: 'friend', collaborationLiveControl: false, collaborationWrite: true })],
  ['read_project_collaborators', (i) => ({ projectId: i.p })],
  ['update_project_collaborator', (i) => ({ projectId: i.p, collaboratorUserId: 'friend', liveControl: true, write: true })],
  ['lock_project_with_collaborators', (i) => ({ projectId: i.p })],
  ['delete_project_collaborator', (i) => ({ projectId: i.p, collaboratorId: 'friend' })],
  [
    'create_compile',
    (i) => ({ projectId: i.p }),
    async (o, i) => {
      i.c = String(o.compileId);
      expect((await untilCompiled(i)).state).toBe('BuildSuccess');
    },
  ],
  ['read_compile', (i) => ({ projectId: i.p, compileId: i.c })],
  [
    'create_backtest',
    (i) => ({ projectId: i.p, compileId: i.c, backtestName: 'every tool' }),
    async (o, i) => {
      i.b = (o.backtest as { backtestId: string }).backtestId;
      await pollUntil(
        () => call('read_backtest', { projectId: i.p, backtestId: i.b }),
        (r) => (r.backtest as { completed: boolean }).completed,
      );
    },
  ],
  ['read_backtest', (i) => ({ projectId: i.p, backtestId: i.b })],
  ['list_backtests', (i) => ({ projectId: i.p, includeStatistics: true })],
  [
    'read_backtest_chart',
    (i) => ({ projectId: i.p, backtestId: i.b, name: 'Strategy Equity', count: 50, start: 0, end: 2_000_000_000 }),
    (o) => {
      expect(Object.values((o.chart as { series: Record<string, { values: unknown[] }> }).series)[0]!.values.length).toBe(50);
    },
  ],
  ['read_backtest_orders', (i) => ({ projectId: i.p, backtestId: i.b, start: 0, end: 10 }), (o) => expect(o.orders).toHaveLength(10)],
  ['read_backtest_insights', (i) => ({ projectId: i.p, backtestId: i.b, start: 0, end: 5 })],
  [
    'read_backtest_report',
    (i) => ({ projectId: i.p, backtestId: i.b }),
    async (_o, i) => {
      const report = await pollUntil(
        () => call('read_backtest_report', { projectId: i.p, backtestId: i.b }),
        (r) => typeof r.report === 'string',
      );
      expect(report.report).toContain('SIMULATED');
    },
  ],
  ['update_backtest', (i) => ({ projectId: i.p, backtestId: i.b, name: 'renamed', note: 'checked' })],
  [
    'estimate_optimization_time',
    (i) => ({
      projectId: i.p,
      name: 'opt',
      target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
      targetTo: 'max',
      strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
      parameters: [{ name: 'fast', min: 5, max: 20, step: 5 }],
    }),
  ],
  [
    'create_optimization',
    (i) => ({
      projectId: i.p,
      name: 'opt',
      target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
      targetTo: 'max',
      strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
      compileId: i.c,
      parameters: [{ name: 'fast', min: 5, max: 20, step: 5 }],
      estimatedCost: 1,
      nodeType: 'O2-8',
      parallelNodes: 2,
    }),
    (o, i) => void (i.o = (o.optimizations as { optimizationId: string }[])[0]!.optimizationId),
  ],
  ['read_optimization', (i) => ({ optimizationId: i.o })],
  ['list_optimizations', (i) => ({ projectId: i.p })],
  ['update_optimization', (i) => ({ optimizationId: i.o, name: 'renamed opt' })],
  ['abort_optimization', (i) => ({ optimizationId: i.o })],
  ['delete_optimization', (i) => ({ optimizationId: i.o })],
  ['authorize_connection', () => ({ brokerage: 'alpaca', timeout_s: 5 }), (o) => expect(o.authorization).toMatchObject({ brokerage: 'alpaca' })],
  [
    'create_live_algorithm',
    (i) => ({ projectId: i.p, compileId: i.c, nodeId: 'LN-sandbox-micro', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } }),
    async (o, i) => {
      i.deploy = String(o.deployId);
      await untilRunning(i);
    },
  ],
  ['read_live_algorithm', (i) => ({ projectId: i.p })],
  ['list_live_algorithms', () => ({ status: 'Running' })],
  ['read_live_chart', (i) => ({ projectId: i.p, name: 'Strategy Equity', count: 10, start: 0, end: 2_000_000_000 })],
  ['read_live_logs', (i) => ({ projectId: i.p, algorithmId: i.deploy, startLine: 0, endLine: 10 })],
  ['read_live_portfolio', (i) => ({ projectId: i.p })],
  ['read_live_orders', (i) => ({ projectId: i.p, start: 0, end: 10 })],
  ['read_live_insights', (i) => ({ projectId: i.p, start: 0, end: 10 })],
  ['create_live_command', (i) => ({ projectId: i.p, command: { $type: 'OrderCommand', symbol: 'SPY', quantity: 1 } })],
  ['broadcast_live_command', () => ({ command: { $type: 'LogCommand', message: 'hello' } })],
  ['liquidate_live_algorithm', (i) => ({ projectId: i.p })],
  ['stop_live_algorithm', (i) => ({ projectId: i.p }), undefined],
  ['upload_object', () => ({ key: 'data/KO.csv', objectData: CSV })],
  ['read_object_properties', () => ({ key: 'data/KO.csv' }), (o) => expect(o.metadata).toMatchObject({ size: CSV.length, mime: 'text/csv' })],
  ['list_object_store_files', () => ({ path: 'data' }), (o) => expect((o.objects as { key: string }[]).map((x) => x.key)).toEqual(['data/KO.csv'])],
  ['read_object_store_file_job_id', () => ({ keys: ['data/KO.csv'] }), (o, i) => void (i.job = String(o.jobId))],
  [
    'read_object_store_file_download_url',
    (i) => ({ jobId: i.job }),
    async (o) => expect(strFromU8(unzipSync(new Uint8Array(await (await fetch(String(o.url))).arrayBuffer()))['data/KO.csv']!)).toBe(CSV),
  ],
  ['delete_object', () => ({ key: 'data/KO.csv' })],
  ['check_initialization_errors', () => ({ language: 'Py', files: [{ name: 'main.py', content: PY }] })],
  ['complete_code', () => ({ language: 'Py', sentence: 'self.add_' }), (o) => expect(o.payload).toContain('self.add_equity')],
  ['enhance_error_message', () => ({ language: 'Py', error: { message: "NameError: name 'spy' is not defined" } })],
  ['update_code_to_pep8', () => ({ files: [{ name: 'main.py', content: PY }] }), (o) => expect(JSON.stringify(o.payload)).toContain('self.set_cash')],
  [
    'check_syntax',
    () => ({ language: 'Py', files: [{ name: 'main.py', content: 'def f(:\n  pass\n' }] }),
    (o) => expect((o.payload as string[]).length).toBeGreaterThan(0),
  ],
  ['search_quantconnect', () => ({ language: 'Py', criteria: [{ input: 'history request', type: 'Docs', count: 2 }] })],
  ['read_mcp_server_version', () => ({})],
  ['read_latest_mcp_server_version', () => ({})],
  ['get_auth_status', () => ({}), (o) => expect(o).toMatchObject({ backend: 'quantconnect', sandbox: false, user_id: '12**56' })],
  ['validate_quantconnect_auth', () => ({}), (o) => expect(o).toMatchObject({ valid: true })],
  ['delete_backtest', (i) => ({ projectId: i.p, backtestId: i.b })],
  ['delete_file', (i) => ({ projectId: i.p, name: 'helpers.py' })],
  ['delete_project', (i) => ({ projectId: i.p })],
];

beforeAll(async () => {
  s = await sandboxSession({}, { QC_MCP_TOOLS: unrestrictedOverlay(), QC_MCP_NPM: 'tests/fixtures/fake-npm' });
  // Plugin tools have their own tests (tests/research, tests/portfolio, tests/workflows); here: every QuantConnect and meta
  // tool but wait_for_job, which needs a background research job (tests/e2e/jobs.test.ts).
  tools = (await s.client.listTools()).tools.filter((t) => {
    const definition = s.runtime.registry.all().find((d) => d.name === t.name);
    return definition?.endpoint !== 'local' || (definition.toolset === 'meta' && definition.name !== 'wait_for_job');
  });
});
afterAll(() => s.close());

describe.sequential('every tool against the sandbox', () => {
  it.each(STEPS.map((step) => [step[0], step] as const))('%s', async (name, [, args, after]) => {
    if (name === 'stop_live_algorithm') {
      // Liquidated is terminal: deploy again, then stop.
      const again = await call('create_live_algorithm', {
        projectId: ids.p,
        compileId: ids.c,
        nodeId: 'LN-sandbox-micro',
        versionId: '-1',
        brokerage: { id: 'QuantConnectBrokerage' },
      });
      ids.deploy = String(again.deployId);
    }
    const out = await call(name, args(ids));
    called.add(name);
    const schema = tools.find((t) => t.name === name)?.outputSchema;
    if (schema) expect(ajv.validate(schema, out), JSON.stringify(ajv.errors)).toBe(true);
    await after?.(out, ids, s);
  });

  it('called all 67 tools', () => {
    expect(called.size).toBe(67);
    expect(new Set(tools.map((t) => t.name))).toEqual(called);
  });

  it('ran all 61 operations, and every request and response matched the spec', () => {
    const operations = Object.keys(loadPackagedSchemas().operations).sort();
    expect(operations).toHaveLength(61);
    const ran = new Set(s.sandbox.requests.map((r) => r.operation));
    expect(operations.filter((op) => !ran.has(op))).toEqual([]);
    expect(s.sandbox.violations).toEqual([]);
    expect(s.sandbox.requests.filter((r) => !r.valid)).toEqual([]);
    const rejected = s.sandbox.requests.filter((r) => r.status !== 200 && !(r.operation === 'POST /live/auth0/authorize' && r.status === 302));
    expect(rejected).toEqual([]);
  });
});
