/**
 * The README's overlays as written (issue 20): each is read verbatim from README.md, written to a
 * file, and served by the built CLI over stdio (the embedded sandbox) to a real MCP client. The paper
 * overlay deploys a paper algorithm with the human's confirmation answered by the client, and reads it
 * back; the research-only overlay serves the local research tools and no QuantConnect project tool;
 * read-only serves no tool that moves money.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { caller, pollUntil } from '../helpers/workflow.js';

const CLI = 'dist/src/cli/main.js';
const README = readFileSync('README.md', 'utf8');

/** The fenced YAML block of the README whose first line is `# paper.yaml`. */
function paperOverlay(): string {
  const block = /```yaml\n(# paper\.yaml\n[\s\S]*?)```/.exec(README)?.[1];
  if (!block) throw new Error('README.md has no ```yaml block starting with "# paper.yaml"');
  return block;
}

/** The inline overlay after "Research only (…), as an overlay:". */
function researchOverlay(): string {
  const inline = /Research only \([^)]*\), as an overlay:\n`([^`]+)`/.exec(README)?.[1];
  if (!inline) throw new Error('README.md has no research-only overlay');
  return inline;
}

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'qcmcp-readme-')), 'overlay.yaml');
  writeFileSync(path, text);
  return path;
}

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return { ...env, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-state-')), ...extra };
}

let client: Client | undefined;
const asked: string[] = [];
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function serve(env: Record<string, string>): Promise<Client> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  client = new Client({ name: 'readme-overlays', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(String((request.params as { message?: string }).message));
    return { action: 'accept', content: { confirm: true } };
  });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: cleanEnv(env), stderr: 'ignore' }));
  return client;
}

describe("the README's overlays, served as written", () => {
  it('paper trading: deploys a paper algorithm after the human confirms, reads it back; other brokerages are refused', async () => {
    const c = await serve({ QC_MCP_TOOLS: file(paperOverlay()) });
    const call = caller(c);
    const projectId = ((await call('create_project', { name: 'README paper', language: 'Py' })).projects as { projectId: number }[])[0]!.projectId;
    const compile = await call('create_compile', { projectId });
    await pollUntil(
      () => call('read_compile', { projectId, compileId: compile.compileId }),
      (r) => r.state === 'BuildSuccess',
    );

    const refused = await c.callTool({
      name: 'create_live_algorithm',
      arguments: { projectId, compileId: compile.compileId, brokerage: { id: 'InteractiveBrokersBrokerage' } },
    });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('Only paper trading is allowed.');

    // As a new user would: no node, no version; the server picks both, the human confirms.
    const deployed = await call('create_live_algorithm', { projectId, compileId: compile.compileId, brokerage: { id: 'QuantConnectBrokerage' } });
    expect(asked.at(-1)).toMatch(
      /Run create_live_algorithm[\s\S]*Brokerage: QuantConnectBrokerage[\s\S]*Node: a free live node[\s\S]*Environment: the sandbox/,
    );
    expect(deployed.picked).toMatchObject({ nodeId: expect.stringMatching(/^LN-/), versionId: expect.stringMatching(/^\d+$/) });
    const live = await pollUntil(
      () => call('read_live_algorithm', { projectId }),
      (r) => r.status === 'Running',
      15_000,
    );
    expect(live).toMatchObject({ deployId: deployed.deployId, brokerage: 'PaperBrokerage' });
    const overview = (await call('live_overview', {})).algorithms as { projectId: number }[];
    expect(overview.map((a) => a.projectId)).toEqual([projectId]);

    // The way out the overlay enables: liquidation, confirmed by the human.
    await call('liquidate_live_algorithm', { projectId });
    expect(asked.at(-1)).toMatch(/Run liquidate_live_algorithm/);
    expect((await call('read_live_portfolio', { projectId })).portfolio).toMatchObject({ holdings: {} });
  });

  it('research only: the local research tools answer; no QuantConnect project, compile or backtest tool is served', async () => {
    const c = await serve({ QC_MCP_TOOLS: file(researchOverlay()) });
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['test_cointegration', 'hierarchical_risk_parity', 'screen_assets_by_criteria']));
    for (const name of ['read_account', 'create_project', 'read_file', 'create_compile', 'create_backtest', 'compile_and_backtest', 'create_live_algorithm']) {
      expect(names).not.toContain(name);
    }
    const coint = await c.callTool({
      name: 'test_cointegration',
      arguments: { symbol1: 'KO', symbol2: 'PEP', start_date: '2023-01-01', end_date: '2024-12-31' },
    });
    expect(coint.isError, JSON.stringify(coint.content)).toBeFalsy();
  });

  it('read-only over the paper overlay: nothing that deploys, liquidates or stops is served', async () => {
    const c = await serve({ QC_MCP_TOOLS: file(paperOverlay()), QC_MCP_READ_ONLY: '1' });
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['read_live_algorithm', 'live_overview']));
    for (const name of ['create_live_algorithm', 'liquidate_live_algorithm', 'stop_live_algorithm', 'create_project']) expect(names).not.toContain(name);
  });
});
