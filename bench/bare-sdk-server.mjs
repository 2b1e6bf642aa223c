// The baseline for `npm run bench`: the MCP TypeScript SDK with nothing of ours. One tool, read_account,
// that makes the same signed call to the sandbox our read_account makes (QUANTCONNECT_API_BASE_URL,
// QUANTCONNECT_USER_ID, QUANTCONNECT_API_TOKEN). `node bench/bare-sdk-server.mjs` serves stdio;
// `--http` serves Streamable HTTP (2025 sessions, as the SDK's examples do) on a free loopback port and
// prints its URL on stderr.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { toWebRequest } from '@modelcontextprotocol/node';
import * as z from 'zod';

const base = process.env.QUANTCONNECT_API_BASE_URL;
const userId = process.env.QUANTCONNECT_USER_ID ?? '';
const token = process.env.QUANTCONNECT_API_TOKEN ?? '';

function newServer() {
  const server = new McpServer({ name: 'bare-sdk', version: '1.0.0' });
  server.registerTool('read_account', { description: 'Read the organization account.', inputSchema: z.object({}) }, async () => {
    if (!base) return { content: [{ type: 'text', text: 'no API' }] };
    const timestamp = String(Math.floor(Date.now() / 1000));
    const hash = createHash('sha256').update(`${token}:${timestamp}`).digest('hex');
    const answer = await fetch(`${base}/account/read`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${userId}:${hash}`).toString('base64')}`, timestamp, 'content-type': 'application/json' },
      body: '{}',
    });
    return { content: [{ type: 'text', text: JSON.stringify(await answer.json()) }] };
  });
  return server;
}

if (process.argv.includes('--http')) {
  const sessions = new Map();
  const http = createServer(async (req, res) => {
    const request = await toWebRequest(req);
    const id = request.headers.get('mcp-session-id');
    let transport = id ? sessions.get(id) : undefined;
    if (!transport) {
      transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, transport),
        onsessionclosed: (sid) => void sessions.delete(sid),
      });
      await newServer().connect(transport);
    }
    const response = await transport.handleRequest(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  });
  http.listen(0, '127.0.0.1', () => process.stderr.write(`bare SDK at http://127.0.0.1:${http.address().port}/mcp\n`));
} else {
  const { StdioServerTransport } = await import('@modelcontextprotocol/server/stdio');
  await newServer().connect(new StdioServerTransport());
}
