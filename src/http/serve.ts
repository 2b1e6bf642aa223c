/**
 * Streamable HTTP at /mcp, secure by default. In front of the SDK: Host and Origin validation
 * (403), bearer grants (401 with WWW-Authenticate), a body size limit (413), a per-identity cap
 * on concurrent requests (429), timeouts for slow clients, and cancellation when a client
 * disconnects. Behind it: the stateless 2026-07-28 protocol through the SDK's createMcpHandler,
 * and 2025 sessions (needed for push elicitation) through per-session transports.
 * The client's Authorization header is never forwarded: upstream credentials are the server's own.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  WebStandardStreamableHTTPServerTransport,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { toWebRequest } from '@modelcontextprotocol/node';
import { createMcpServer, type Runtime } from '../runtime/server.js';
import { GrantStore, type ResolvedGrant } from './grants.js';

export interface HttpOptions {
  host: string;
  port: number;
  grantsPath: string;
  /** Extra hostnames accepted in Host (and as Origins) when bound beyond loopback. */
  allowedHosts?: string[];
  maxBodyBytes?: number;
  /** Concurrent requests one identity may have in flight. */
  maxConcurrentPerIdentity?: number;
  /** Slow clients: time to send the request headers, and the whole request. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxSessions?: number;
  /** The endpoint's path (default /mcp; MCP_PATH). */
  path?: string;
  log?: (line: string, level?: 'debug' | 'info' | 'warning' | 'error') => void;
}

export interface HttpHandle {
  url: string;
  close: () => Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || host.startsWith('127.');

export class HttpSetupError extends Error {
  override name = 'HttpSetupError';
}

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), { status, headers: { 'content-type': 'application/json', ...headers } });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
  } catch {
    // the client went away mid-stream
  }
  res.end();
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  identity: string;
}

/** Binding beyond loopback needs grants: refuse before anything starts. */
export function assertSafeBinding(host: string, grantsPath: string): void {
  if (!isLoopback(host) && new GrantStore(grantsPath).all().length === 0) {
    throw new HttpSetupError(
      `Refusing to listen on ${host} without grants: anyone who can reach it could trade on your account. ` +
        `Create a grant first (quantconnect-mcp grant add <id> [--read-only] [--toolsets a,b]; grants file ${grantsPath}), ` +
        'or bind to 127.0.0.1.',
    );
  }
}

export async function startHttp(runtime: Runtime, options: HttpOptions): Promise<HttpHandle> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  assertSafeBinding(options.host, options.grantsPath);
  const grants = new GrantStore(options.grantsPath);
  const loopback = isLoopback(options.host);
  const hostnames = [...(loopback ? localhostAllowedHostnames() : [options.host]), ...(options.allowedHosts ?? [])];
  const origins = [...localhostAllowedOrigins(), ...(options.allowedHosts ?? [])];
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const endpoint = options.path ?? '/mcp';
  const maxConcurrent = options.maxConcurrentPerIdentity ?? 16;
  const inFlight = new Map<string, number>();
  const sessions = new Map<string, Session>();

  const modern: McpHttpHandler = createMcpHandler(
    (ctx) => {
      const extra = ctx.authInfo?.extra as { identity?: string; grant?: ResolvedGrant } | undefined;
      return createMcpServer(runtime, { identity: extra?.identity ?? 'local', ...(extra?.grant ? { grant: extra.grant } : {}) });
    },
    { legacy: 'reject', maxRequestBodySize: maxBody, onerror: (error) => log(`quantconnect-mcp http: ${error.message}`) },
  );

  /** 2025 sessions: one transport and server per session, bound to the identity that opened it. */
  async function legacy(request: Request, identity: string, grant: ResolvedGrant | undefined): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId);
      // Another identity's session id is answered exactly like an unknown one.
      if (!session || session.identity !== identity) return jsonRpcError(404, -32001, 'Session not found');
      return session.transport.handleRequest(request);
    }
    if (request.method !== 'POST') return jsonRpcError(400, -32000, 'Bad Request: no session id');
    if (sessions.size >= (options.maxSessions ?? 1000)) return jsonRpcError(503, -32000, 'Too many sessions; try again later', { 'retry-after': '5' });
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, { transport, identity }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    const server = createMcpServer(runtime, { identity, ...(grant ? { grant } : {}) });
    await server.connect(transport);
    return transport.handleRequest(request);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (url.pathname !== endpoint) return send(res, jsonRpcError(404, -32000, `Not found: the MCP endpoint is ${endpoint}`));
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const probe = new Request(`http://${req.headers.host ?? 'invalid'}${url.pathname}`, { headers });
    const rejected = hostHeaderValidationResponse(probe, hostnames) ?? originValidationResponse(probe, origins);
    if (rejected) return send(res, rejected);

    let identity = 'local';
    let grant: ResolvedGrant | undefined;
    let configured: ResolvedGrant[];
    try {
      configured = grants.all();
    } catch (error) {
      log(`quantconnect-mcp http: grants file unreadable, refusing every request: ${(error as Error).message}`);
      return send(res, jsonRpcError(503, -32000, 'Server misconfigured: grants unavailable'));
    }
    if (configured.length > 0 || !loopback) {
      const auth = req.headers.authorization ?? '';
      const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
      grant = token ? grants.authenticate(token) : undefined;
      if (!grant) {
        const challenge = token ? 'Bearer realm="quantconnect-mcp", error="invalid_token"' : 'Bearer realm="quantconnect-mcp"';
        return send(res, jsonRpcError(401, -32001, token ? 'Invalid bearer token' : 'Missing bearer token', { 'www-authenticate': challenge }));
      }
      identity = grant.id;
    }

    const length = Number(req.headers['content-length'] ?? 0);
    if (length > maxBody) return send(res, jsonRpcError(413, -32000, `Request body too large (limit ${maxBody} bytes)`));
    // The cap counts requests (POST), not the long-lived GET notification streams of 2025 sessions.
    const counted = req.method === 'POST';
    const running = inFlight.get(identity) ?? 0;
    if (counted && running >= maxConcurrent) return send(res, jsonRpcError(429, -32000, `Too many concurrent requests for ${identity} (limit ${maxConcurrent})`, { 'retry-after': '1' }));
    if (counted) inFlight.set(identity, running + 1);
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
    });
    try {
      let request: Request;
      try {
        request = await toWebRequest(req, undefined, { maxRequestBodySize: maxBody, signal: abort.signal });
      } catch (error) {
        if ((error as { status?: number }).status === 413) return await send(res, jsonRpcError(413, -32000, `Request body too large (limit ${maxBody} bytes)`));
        throw error;
      }
      const response = (await isLegacyRequest(request, undefined, { maxRequestBodySize: maxBody }))
        ? await legacy(request, identity, grant)
        : await modern.fetch(request, { authInfo: { token: '', clientId: identity, scopes: [], extra: { identity, grant } } });
      await send(res, response);
    } finally {
      if (counted) inFlight.set(identity, (inFlight.get(identity) ?? 1) - 1);
    }
  }

  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  // Node checks these timeouts on an interval (30 s by default); check often enough for them to hold.
  const server: HttpServer = createServer({ headersTimeout, requestTimeout: options.requestTimeoutMs ?? 300_000, connectionsCheckingInterval: Math.min(1000, headersTimeout) }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`quantconnect-mcp http: ${(error as Error).message}`);
      if (!res.headersSent) void send(res, jsonRpcError(500, -32603, 'Internal error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${port}${endpoint}`;
  return {
    url,
    close: async () => {
      for (const session of sessions.values()) await session.transport.close().catch(() => {});
      await modern.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
