/**
 * Every tool, called through a real MCP client, sends one authenticated POST to its endpoint
 * with a body that QuantConnect's spec accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedTools } from '../../generated/tools.js';
import { authHeaders } from '../../src/qc/auth.js';
import { argsFor } from '../helpers/args.js';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';
import { startRecorder, type Recorder } from '../helpers/recorder.js';
import { requestValidators } from '../helpers/spec-validators.js';

const OFFICIAL_NAMES = [
  'read_account',
  'create_project',
  'read_project',
  'list_projects',
  'update_project',
  'delete_project',
  'create_project_collaborator',
  'read_project_collaborators',
  'update_project_collaborator',
  'delete_project_collaborator',
  'lock_project_with_collaborators',
  'read_project_nodes',
  'update_project_nodes',
  'create_compile',
  'read_compile',
  'create_file',
  'read_file',
  'update_file_name',
  'update_file_contents',
  'patch_file',
  'delete_file',
  'create_backtest',
  'read_backtest',
  'list_backtests',
  'read_backtest_chart',
  'read_backtest_orders',
  'read_backtest_insights',
  'read_backtest_report',
  'update_backtest',
  'delete_backtest',
  'estimate_optimization_time',
  'create_optimization',
  'read_optimization',
  'list_optimizations',
  'update_optimization',
  'abort_optimization',
  'delete_optimization',
  'authorize_connection',
  'create_live_algorithm',
  'read_live_algorithm',
  'list_live_algorithms',
  'read_live_chart',
  'read_live_logs',
  'read_live_portfolio',
  'read_live_orders',
  'read_live_insights',
  'stop_live_algorithm',
  'liquidate_live_algorithm',
  'create_live_command',
  'broadcast_live_command',
  'upload_object',
  'read_object_properties',
  'read_object_store_file_job_id',
  'read_object_store_file_download_url',
  'list_object_store_files',
  'delete_object',
  'read_lean_versions',
  'check_initialization_errors',
  'complete_code',
  'enhance_error_message',
  'update_code_to_pep8',
  'check_syntax',
  'search_quantconnect',
  'read_mcp_server_version',
  'read_latest_mcp_server_version',
];

/** The official server's endpoints (../shared/official-tools.md), tool by tool. */
const ENDPOINTS: Record<string, string> = {
  read_account: '/account/read',
  create_project: '/projects/create',
  read_project: '/projects/read',
  list_projects: '/projects/read',
  update_project: '/projects/update',
  delete_project: '/projects/delete',
  create_project_collaborator: '/projects/collaboration/create',
  read_project_collaborators: '/projects/collaboration/read',
  update_project_collaborator: '/projects/collaboration/update',
  delete_project_collaborator: '/projects/collaboration/delete',
  lock_project_with_collaborators: '/projects/collaboration/lock/acquire',
  read_project_nodes: '/projects/nodes/read',
  update_project_nodes: '/projects/nodes/update',
  create_compile: '/compile/create',
  read_compile: '/compile/read',
  create_file: '/files/create',
  read_file: '/files/read',
  update_file_name: '/files/update',
  update_file_contents: '/files/update',
  patch_file: '/files/patch',
  delete_file: '/files/delete',
  create_backtest: '/backtests/create',
  read_backtest: '/backtests/read',
  list_backtests: '/backtests/list',
  read_backtest_chart: '/backtests/chart/read',
  read_backtest_orders: '/backtests/orders/read',
  read_backtest_insights: '/backtests/read/insights',
  read_backtest_report: '/backtests/read/report',
  update_backtest: '/backtests/update',
  delete_backtest: '/backtests/delete',
  estimate_optimization_time: '/optimizations/estimate',
  create_optimization: '/optimizations/create',
  read_optimization: '/optimizations/read',
  list_optimizations: '/optimizations/list',
  update_optimization: '/optimizations/update',
  abort_optimization: '/optimizations/abort',
  delete_optimization: '/optimizations/delete',
  authorize_connection: '/live/auth0/authorize',
  create_live_algorithm: '/live/create',
  read_live_algorithm: '/live/read',
  list_live_algorithms: '/live/list',
  read_live_chart: '/live/chart/read',
  read_live_logs: '/live/logs/read',
  read_live_portfolio: '/live/portfolio/read',
  read_live_orders: '/live/orders/read',
  read_live_insights: '/live/insights/read',
  stop_live_algorithm: '/live/update/stop',
  liquidate_live_algorithm: '/live/update/liquidate',
  create_live_command: '/live/commands/create',
  broadcast_live_command: '/live/commands/broadcast',
  upload_object: '/object/set',
  read_object_properties: '/object/properties',
  read_object_store_file_job_id: '/object/get',
  read_object_store_file_download_url: '/object/get',
  list_object_store_files: '/object/list',
  delete_object: '/object/delete',
  read_lean_versions: '/lean/versions/read',
  check_initialization_errors: '/ai/tools/backtest-init',
  complete_code: '/ai/tools/complete',
  enhance_error_message: '/ai/tools/error-enhance',
  update_code_to_pep8: '/ai/tools/pep8-convert',
  check_syntax: '/ai/tools/syntax-check',
  search_quantconnect: '/ai/tools/search',
};

let recorder: Recorder;
let mcp: Connected;
const validators = requestValidators();

beforeAll(async () => {
  recorder = await startRecorder();
  recorder.respond('/live/auth0/authorize', () => ({ status: 302, headers: { location: 'https://login.example.invalid/alpaca' }, body: {} }));
  recorder.respond('/live/auth0/read', () => ({ body: { authorization: { access: 'granted' }, success: true } }));
  mcp = await connect({
    env: { ...testEnv(recorder.baseUrl), QC_MCP_TOOLS: unrestrictedOverlay(), QC_MCP_NPM: 'tests/fixtures/fake-npm' },
  });
});
afterAll(async () => {
  await mcp.close();
  await recorder.close();
});

describe('the tool inventory', () => {
  it('serves the official 64 names plus read_backtest_report; anything else is a local plugin tool', async () => {
    const { tools } = await mcp.client.listTools();
    const names = tools.map((t) => t.name);
    expect(OFFICIAL_NAMES).toHaveLength(65);
    for (const name of OFFICIAL_NAMES) expect(names).toContain(name);
    const extra = names.filter((n) => !OFFICIAL_NAMES.includes(n));
    for (const name of extra) {
      const tool = mcp.runtime.registry.all().find((t) => t.name === name);
      expect(tool?.endpoint, name).toBe('local');
      expect(
        tool?.toolset === 'meta' ||
          ['research', 'portfolio', 'universe', 'studies'].includes(tool?.toolset ?? '') ||
          ['read_guard_status', 'live_overview'].includes(name) ||
          tool?.name.startsWith('wait_for_') ||
          ['compile_and_backtest', 'backtest_tear_sheet'].includes(name),
        name,
      ).toBe(true);
    }
  });

  it('has flat inputs: the request body properties at the top level, never one wrapped "model" argument', async () => {
    const { tools } = await mcp.client.listTools();
    const createBacktest = tools.find((t) => t.name === 'create_backtest');
    expect(Object.keys(createBacktest?.inputSchema.properties ?? {}).sort()).toEqual(['backtestName', 'compileId', 'parameters', 'projectId']);
    for (const tool of tools) expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain('model');
  });
});

describe.each(generatedTools.map((t) => [t.name, t] as const))('%s', (name, spec) => {
  it('sends one signed POST to its endpoint with a body the spec accepts', async () => {
    const before = recorder.requests.length;
    const started = Math.floor(Date.now() / 1000);
    const result = await mcp.client.callTool({ name, arguments: argsFor(spec) });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();

    const sent = recorder.requests.slice(before);
    const calls = name === 'authorize_connection' ? sent.filter((r) => r.path === '/live/auth0/authorize') : sent;
    expect(calls).toHaveLength(1);
    const request = calls[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(ENDPOINTS[name]);
    expect(request.path).toBe(spec.path);

    const timestamp = Number(request.headers.timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(started - 1);
    const env = testEnv(recorder.baseUrl);
    expect(request.headers.authorization).toBe(
      authHeaders({ userId: env.QUANTCONNECT_USER_ID!, token: env.QUANTCONNECT_API_TOKEN! }, timestamp * 1000).Authorization,
    );
    expect(request.headers['user-agent']).toMatch(/^quantconnect-mcp\/\d+\.\d+\.\d+/);

    const validate = validators.validatorFor(`POST ${spec.path}`);
    if (spec.contentType === null) {
      expect(validate).toBeNull();
    } else {
      expect(validate, `no request schema for ${spec.path} in ${validators.source}`).not.toBeNull();
      expect(validate!(request.body), `${validators.source}: ${JSON.stringify(validate!.errors)}`).toBe(true);
    }
    if ('codeSourceId' in spec.inject) expect((request.body as Record<string, unknown>).codeSourceId).toBe('test-agent');
    if (spec.contentType === 'multipart/form-data') expect(request.contentType).toMatch(/^multipart\/form-data; boundary=/);
  });
});

describe('tools without an API call', () => {
  it('read_mcp_server_version answers locally', async () => {
    const before = recorder.requests.length;
    const result = await mcp.client.callTool({ name: 'read_mcp_server_version', arguments: {} });
    // The official server's shape: a plain version string, wrapped by its framework as {"result": "x.y.z"}.
    expect(result.structuredContent).toEqual({ result: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect((result.structuredContent as { result: string }).result.split('.')).toHaveLength(3);
    expect(result.content).toEqual([{ type: 'text', text: (result.structuredContent as { result: string }).result }]);
    expect(recorder.requests.length).toBe(before);
  });

  it('read_latest_mcp_server_version asks the package manager', async () => {
    const result = await mcp.client.callTool({ name: 'read_latest_mcp_server_version', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ result: '99.0.0', update_available: true });
  });
});
