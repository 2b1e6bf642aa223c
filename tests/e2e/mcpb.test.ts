/**
 * The MCP Bundle: `npm run pack:mcpb` builds it; its manifest validates against the MCPB 0.3 schema
 * (from @anthropic-ai/mcpb); unpacked, the server starts from it with the user_config substitution a
 * client does, and serves tools to a real MCP client (empty credentials: the sandbox).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { v0_3 } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { packMcpb } from '../../scripts/pack-mcpb.js';

describe('MCP Bundle', () => {
  it('builds, validates, and runs from the unpacked bundle', async () => {
    const work = mkdtempSync(join(tmpdir(), 'qcmcp-mcpb-'));
    const { outFile, bytes } = packMcpb(join(work, 'quantconnect-mcp.mcpb'));
    expect(bytes).toBeGreaterThan(1_000_000);
    const files = unzipSync(readFileSync(outFile));
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as Record<string, unknown> & {
      server: { entry_point: string; mcp_config: { args: string[]; env: Record<string, string> } };
      user_config: Record<string, { sensitive?: boolean }>;
    };
    const parsed = v0_3.McpbManifestSchema.safeParse(manifest);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(manifest.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(manifest.user_config.api_token!.sensitive).toBe(true);
    expect(files[manifest.server.entry_point]).toBeDefined();
    expect(Object.keys(files).some((f) => f.startsWith('node_modules/@modelcontextprotocol/server/'))).toBe(true);
    expect(Object.keys(files).some((f) => f.startsWith('node_modules/typescript/'))).toBe(false); // dev dependencies stay out

    const root = join(work, 'unpacked');
    for (const [name, data] of Object.entries(files)) {
      if (name.endsWith('/')) continue;
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), data);
    }
    expect(existsSync(join(root, 'tools.yaml'))).toBe(true);
    // What a client does: substitute ${__dirname} and the user's (here empty) configuration.
    const substitute = (v: string) => v.replace('${__dirname}', root).replace(/\$\{user_config\.\w+\}/g, '');
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: work, QC_MCP_STATE_DIR: join(work, 'state') };
    for (const [k, v] of Object.entries(manifest.server.mcp_config.env)) env[k] = substitute(v);
    const client = new Client({ name: 'mcpb-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: manifest.server.mcp_config.args.map(substitute), env, stderr: 'ignore', cwd: work }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['compile_and_backtest', 'read_backtest', 'get_auth_status']));
      const status = await client.callTool({ name: 'get_auth_status', arguments: {} });
      expect(status.structuredContent).toMatchObject({ sandbox: true });
    } finally {
      await client.close();
    }
  }, 120_000);
});
