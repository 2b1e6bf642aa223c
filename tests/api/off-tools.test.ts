/**
 * No invisible tools: the instructions name what is off and how the operator turns it on, and a
 * call to a tool that exists but is off is an isError naming its toolset and the setting, and
 * saying only the operator can change it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, testEnv, type Connected } from '../helpers/mcp.js';
import { writeOverlay } from '../helpers/overlay.js';

let c: Connected | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const textOf = (r: { content?: unknown }): string => (r.content as { text: string }[])[0]!.text;

describe('tools that exist but are off', () => {
  it('the instructions name the toolsets that are off and the setting that turns each on', async () => {
    c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2') });
    const instructions = c.client.getInstructions() ?? '';
    const line = instructions.split('\n').find((l) => l.startsWith('Off on this server')) ?? '';
    for (const toolset of ['portfolio', 'universe', 'live', 'optimizations', 'object_store']) expect(line).toContain(toolset);
    expect(line).toContain('`toolsets: { NAME: { default: true } }`');
    expect(line).toContain('Only the operator can turn them on');
    expect(line).not.toMatch(/\bresearch\b|\bbacktests\b/); // those are on
  });

  it('a call to a tool whose toolset is off names the toolset and the setting', async () => {
    c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2') });
    const r = await c.client.callTool({ name: 'minimize_cvar', arguments: { symbols: ['A', 'B'] } });
    expect(r.isError).toBe(true);
    const message = textOf(r);
    expect(message).toContain('`portfolio` toolset, which is off (tools.yaml#/toolsets/portfolio/default)');
    expect(message).toContain('`toolsets: { portfolio: { default: true } }`');
    expect(message).toContain('QC_MCP_TOOLS');
    expect(message).toContain('Only the operator can turn it on');
    expect(message).toContain('You cannot change this setting');
  });

  it('a tool off by its own setting, in a toolset that is on, names the tool setting', async () => {
    c = await connect({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_TOOLS: writeOverlay({ toolsets: { live: { default: true } } }) }) });
    const line = (c.client.getInstructions() ?? '').split('\n').find((l) => l.startsWith('Off on this server')) ?? '';
    expect(line).toMatch(/tools [a-z_, ]*create_live_algorithm/);
    expect(line).not.toMatch(/toolsets [a-z_, ]*\blive\b/);
    const r = await c.client.callTool({
      name: 'create_live_algorithm',
      arguments: { projectId: 1, compileId: 'c', nodeId: 'LN-1', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } },
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain('`tools: { create_live_algorithm: { enabled: true } }`');
    expect(textOf(r)).toContain('`live` toolset');
  });
});
