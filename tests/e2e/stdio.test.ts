/**
 * The built CLI, spawned over stdio, driven by a real MCP client with no credentials:
 * it serves the embedded sandbox, says so, and completes the official workflow.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { META_BACKEND } from '../../src/api/api-tools.js';
import { backtestWorkflow, caller } from '../helpers/workflow.js';

const CLI = 'dist/src/cli/main.js';
let client: Client;
let transport: StdioClientTransport;
let stderr = '';
/** What the human was asked, in order. */
const asked: string[] = [];

/** A client whose human accepts every confirmation (and whose questions are recorded). */
function acceptingClient(name: string): Client {
  const c = new Client({ name, version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  c.setRequestHandler('elicitation/create', async (request) => {
    asked.push(String((request.params as { message?: string }).message));
    return { action: 'accept', content: { confirm: true } };
  });
  return c;
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return { ...env, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-state-')) };
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does).`);
  transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: cleanEnv(), stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  client = acceptingClient('e2e');
  await client.connect(transport);
});
afterAll(async () => {
  await client.close();
});

describe('quantconnect-mcp over stdio with no credentials', () => {
  it('says it is the sandbox: once on stderr, in the instructions, and in each result', async () => {
    expect(stderr.match(/embedded sandbox/g)).toHaveLength(1);
    expect(client.getInstructions()).toMatch(/^SANDBOX:/);
    const result = await client.callTool({ name: 'read_account', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result._meta?.[META_BACKEND]).toBe('sandbox');
  });

  it('completes the official workflow: project, code, compile, backtest, results, orders, clean-up', async () => {
    const { backtest, projectId } = await backtestWorkflow(caller(client), 'E2E Momentum');
    expect(String(backtest.note)).toContain('SIMULATED');
    // delete_project is destructive: the human was asked, with the project's id and name.
    expect(asked.at(-1)).toContain('Run delete_project');
    expect(asked.at(-1)).toContain(`Project: ${projectId} "E2E Momentum"`);
  });

  it('reports its version', async () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'quantconnect-mcp', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

describe('a live paper workflow over stdio, with an operator overlay enabling the live toolset', () => {
  let live: Client;
  beforeAll(async () => {
    const { writeOverlay } = await import('../helpers/overlay.js');
    const overlay = writeOverlay({
      toolsets: { live: { default: true } },
      tools: { create_live_algorithm: { enabled: true }, liquidate_live_algorithm: { enabled: true }, create_live_command: { enabled: true } },
    });
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { ...cleanEnv(), QC_MCP_TOOLS: overlay }, stderr: 'ignore' });
    live = acceptingClient('e2e-live');
    await live.connect(transport);
  });
  afterAll(() => live.close());

  it('deploys to paper, reads, sends a command, liquidates; a second deployment stops', async () => {
    const call = caller(live);
    const { pollUntil } = await import('../helpers/workflow.js');
    const created = await call('create_project', { name: 'Paper', language: 'Py' });
    const projectId = (created.projects as { projectId: number }[])[0]!.projectId;
    const compile = await call('create_compile', { projectId });
    await pollUntil(
      () => call('read_compile', { projectId, compileId: compile.compileId }),
      (c) => c.state === 'BuildSuccess',
    );
    const deploy = () =>
      call('create_live_algorithm', {
        projectId,
        compileId: compile.compileId,
        nodeId: 'LN-sandbox-micro',
        versionId: '-1',
        brokerage: { id: 'QuantConnectBrokerage' },
      });

    const first = await deploy();
    expect(first.deployId).toMatch(/^L-/);
    expect(asked.at(-1)).toMatch(
      /Run create_live_algorithm[\s\S]*Brokerage: QuantConnectBrokerage[\s\S]*Node: LN-sandbox-micro[\s\S]*Environment: the sandbox \(simulated; nothing reaches QuantConnect or a brokerage, no money moves\)[\s\S]*Worst case: starts an algorithm that places orders/,
    );
    const running = await pollUntil(
      () => call('read_live_algorithm', { projectId }),
      (r) => r.status === 'Running',
      15_000,
    );
    expect(running.brokerage).toBe('PaperBrokerage'); // as the API names QuantConnect's paper brokerage
    const portfolio = await call('read_live_portfolio', { projectId });
    expect(Object.keys((portfolio.portfolio as { holdings: object }).holdings).length).toBeGreaterThan(0);
    await call('create_live_command', { projectId, command: { $type: 'OrderCommand', symbol: 'SPY', quantity: 1 } });
    await call('liquidate_live_algorithm', { projectId });
    expect((await call('read_live_algorithm', { projectId })).status).toBe('Liquidated');
    expect((await call('read_live_portfolio', { projectId })).portfolio).toMatchObject({ holdings: {} });

    await deploy();
    await pollUntil(
      () => call('read_live_algorithm', { projectId }),
      (r) => r.status === 'Running',
      15_000,
    );
    await call('stop_live_algorithm', { projectId });
    expect((await call('read_live_algorithm', { projectId })).status).toBe('Stopped');
  });
});
