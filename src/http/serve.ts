/**
 * Streamable HTTP at /mcp, secure by default. In front of the SDK: Host and Origin validation
 * (403; a wildcard bind accepts the machine's own names and addresses), bearer grants (401 with
 * WWW-Authenticate), a body size limit (413) and a body timeout (408), a per-identity cap on
 * concurrent requests (429) counted once the body has arrived, timeouts for slow clients, and
 * cancellation when a client disconnects. Behind it: the stateless 2026-07-28 protocol through the
 * SDK's createMcpHandler, and 2025 sessions (needed for push elicitation) through per-session
 * transports, capped in all and per identity and closed when idle.
 * The client's Authorization header is never forwarded: upstream credentials are the server's own.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
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
import { createMcpServer, type Runtime } from '../server/server.js';
import { GrantStore, type ResolvedGrant } from '../policy/grants.js';

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
  /** Time to send the request body once the headers are in (408 after it); a slow body holds no concurrency slot. */
  bodyTimeoutMs?: number;
  /** 2025-protocol sessions: open in all, open per identity, and how long one may sit unused before it is closed. */
  maxSessions?: number;
  maxSessionsPerIdentity?: number;
  sessionIdleMs?: number;
  /** The endpoint's path (default /mcp; MCP_PATH). */
  path?: string;
  log?: (line: string, level?: 'debug' | 'info' | 'warning' | 'error') => void;
}

export const HTTP_DEFAULTS = { maxSessions: 1000, maxSessionsPerIdentity: 100, sessionIdleMs: 30 * 60_000, bodyTimeoutMs: 30_000 } as const;

export interface HttpHandle {
  url: string;
  close: () => Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const isLoopback = (host: string): boolean => LOOPBACK.has(host) || host.startsWith('127.');
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** The names a client on this machine or the network may put in Host for a wildcard bind: its hostname and interface addresses. */
function machineNames(): string[] {
  const names = [...localhostAllowedHostnames(), hostname().toLowerCase()];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) names.push(a.family === 'IPv6' ? `[${a.address.split('%')[0]}]` : a.address);
  }
  return names;
}

/** Host names accepted for a bind address (the hostname part of Host, as the SDK's check compares it). */
function hostNamesFor(host: string, allowed: readonly string[]): () => string[] {
  if (isLoopback(host)) return () => [...localhostAllowedHostnames(), ...allowed];
  if (!WILDCARD.has(host)) return () => [host.includes(':') && !host.startsWith('[') ? `[${host}]` : host, ...allowed];
  // Interfaces come and go (DHCP, VPN): read them again at most every 10 s.
  let cached: { at: number; names: string[] } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > 10_000) cached = { at: Date.now(), names: [...machineNames(), ...allowed] };
    return cached.names;
  };
}

const NO_OAUTH =
  'This server does not run OAuth. It takes a static bearer token: send "Authorization: Bearer <token>" ' +
  '(an operator creates one with `npx quantconnect-mcp grant add ID`).';

export class HttpSetupError extends Error {
  override name = 'HttpSetupError';
}

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
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
  /** When a request on it last ended, and how many are open now (an open GET stream counts: the session is in use). */
  lastUsed: number;
  busy: number;
}

/** Binding beyond loopback needs grants: refuse before anything starts. */
export function assertSafeBinding(host: string, grantsPath: string): void {
  if (!isLoopback(host) && new GrantStore(grantsPath).all().length === 0) {
    throw new HttpSetupError(
      `Refusing to listen on ${host} without grants: anyone who can reach it could trade on your account. ` +
        `Create a grant first (\`npx quantconnect-mcp grant add ID\`, narrowed with --read-only or --toolsets a,b; grants file ${grantsPath}), ` +
        'or bind to 127.0.0.1.',
    );
  }
}

export async function startHttp(runtime: Runtime, options: HttpOptions): Promise<HttpHandle> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  assertSafeBinding(options.host, options.grantsPath);
  const grants = new GrantStore(options.grantsPath);
  const loopback = isLoopback(options.host);
  const allowed = (options.allowedHosts ?? []).map((h) => h.toLowerCase());
  const hostnames = hostNamesFor(options.host, allowed);
  const origins = WILDCARD.has(options.host) ? hostnames : () => [...localhostAllowedOrigins(), ...allowed];
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const endpoint = options.path ?? '/mcp';
  const maxConcurrent = options.maxConcurrentPerIdentity ?? 16;
  const maxSessions = options.maxSessions ?? HTTP_DEFAULTS.maxSessions;
  const maxPerIdentity = options.maxSessionsPerIdentity ?? HTTP_DEFAULTS.maxSessionsPerIdentity;
  const idleMs = options.sessionIdleMs ?? HTTP_DEFAULTS.sessionIdleMs;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? HTTP_DEFAULTS.bodyTimeoutMs;
  const inFlight = new Map<string, number>();
  const sessions = new Map<string, Session>();

  const modern: McpHttpHandler = createMcpHandler(
    (ctx) => {
      const extra = ctx.authInfo?.extra as { identity?: string; grant?: ResolvedGrant } | undefined;
      return createMcpServer(runtime, { identity: extra?.identity ?? 'local', ...(extra?.grant ? { grant: extra.grant } : {}) });
    },
    { legacy: 'reject', maxRequestBodySize: maxBody, onerror: (error) => log(`quantconnect-mcp http: ${error.message}`) },
  );

  function closeSession(id: string, session: Session): void {
    sessions.delete(id);
    void session.transport.close().catch(() => {});
  }

  /** Close the least recently used session that has nothing open, among those `which` selects; false if there is none. */
  function evictIdle(which: (session: Session) => boolean): boolean {
    let oldest: [string, Session] | undefined;
    for (const entry of sessions) if (entry[1].busy === 0 && which(entry[1]) && (!oldest || entry[1].lastUsed < oldest[1].lastUsed)) oldest = entry;
    if (oldest) closeSession(...oldest);
    return oldest !== undefined;
  }

  /** Room for one more session of `identity`: an identity over its cap gives up its own idle sessions, never another's. */
  function makeRoom(identity: string): Response | undefined {
    const counts = new Map<string, number>();
    for (const s of sessions.values()) counts.set(s.identity, (counts.get(s.identity) ?? 0) + 1);
    if ((counts.get(identity) ?? 0) >= maxPerIdentity && !evictIdle((s) => s.identity === identity)) {
      return jsonRpcError(429, -32000, `Too many open sessions for ${identity} (limit ${maxPerIdentity}); close one or try again later`, {
        'retry-after': '5',
      });
    }
    if (sessions.size >= maxSessions) {
      // Take from whoever holds the most sessions, so no one identity can fill the server.
      const largest = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
      if (!largest.some((id) => evictIdle((s) => s.identity === id)))
        return jsonRpcError(503, -32000, 'Too many sessions; try again later', { 'retry-after': '5' });
    }
    return undefined;
  }

  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [id, session] of sessions) if (session.busy === 0 && now - session.lastUsed > idleMs) closeSession(id, session);
    },
    Math.max(50, Math.min(idleMs / 2, 60_000)),
  );
  sweeper.unref();

  /** 2025 sessions: one transport and server per session, bound to the identity that opened it. */
  async function legacy(request: Request, identity: string, grant: ResolvedGrant | undefined): Promise<{ response: Response; session?: Session }> {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId);
      // Another identity's session id is answered exactly like an unknown one.
      if (!session || session.identity !== identity) return { response: jsonRpcError(404, -32001, 'Session not found') };
      session.busy++;
      try {
        return { response: await session.transport.handleRequest(request), session };
      } catch (error) {
        session.busy--;
        throw error;
      }
    }
    if (request.method !== 'POST') return { response: jsonRpcError(400, -32000, 'Bad Request: no session id') };
    const full = makeRoom(identity);
    if (full) return { response: full };
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, { transport, identity, lastUsed: Date.now(), busy: 1 }),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    const server = createMcpServer(runtime, { identity, ...(grant ? { grant } : {}) });
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    const session = transport.sessionId ? sessions.get(transport.sessionId) : undefined;
    return session ? { response, session } : { response };
  }

  /** The body, read before the request counts against its identity's concurrency; 408 when it does not arrive in time. */
  async function readBody(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<Request | undefined> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (!res.headersSent) {
        res.writeHead(408, { 'content-type': 'application/json', connection: 'close' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32000, message: `Request body not received within ${Math.round(bodyTimeoutMs / 1000)} s` },
            id: null,
          }),
          () => req.destroy(),
        );
      } else req.destroy();
    }, bodyTimeoutMs);
    try {
      return await toWebRequest(req, undefined, { maxRequestBodySize: maxBody, signal });
    } catch (error) {
      if (timedOut) return undefined;
      if ((error as { status?: number }).status === 413) {
        await send(res, jsonRpcError(413, -32000, `Request body too large (limit ${maxBody} bytes)`));
        return undefined;
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (url.pathname.startsWith('/.well-known/oauth') || url.pathname.startsWith('/.well-known/openid')) {
      // OAuth discovery finds nothing, so a client says it needs a token instead of starting a flow it cannot finish.
      return send(res, Response.json({ error: 'not_found', error_description: NO_OAUTH }, { status: 404 }));
    }
    if (url.pathname !== endpoint) return send(res, jsonRpcError(404, -32000, `Not found: the MCP endpoint is ${endpoint}`));
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const probe = new Request(`http://${req.headers.host ?? 'invalid'}${url.pathname}`, { headers });
    const rejected = hostHeaderValidationResponse(probe, hostnames()) ?? originValidationResponse(probe, origins());
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
    // With grants configured, every client (loopback ones too) is its grant: unrelated local clients never share a cap.
    if (configured.length > 0 || !loopback) {
      const auth = req.headers.authorization ?? '';
      const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
      grant = token ? grants.authenticate(token) : undefined;
      if (!grant) {
        const challenge = token
          ? 'Bearer realm="quantconnect-mcp", error="invalid_token", error_description="The bearer token is not valid (revoked or mistyped)"'
          : 'Bearer realm="quantconnect-mcp"';
        return send(
          res,
          jsonRpcError(401, -32001, `${token ? 'Invalid bearer token' : 'Missing bearer token'}. ${NO_OAUTH}`, { 'www-authenticate': challenge }),
        );
      }
      identity = grant.id;
    }

    const length = Number(req.headers['content-length'] ?? 0);
    if (length > maxBody) return send(res, jsonRpcError(413, -32000, `Request body too large (limit ${maxBody} bytes)`));
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
    });
    const request = await readBody(req, res, abort.signal);
    if (!request) return;
    // The cap counts requests (POST) whose body has arrived, not the long-lived GET notification streams of 2025 sessions.
    const counted = req.method === 'POST';
    const running = inFlight.get(identity) ?? 0;
    if (counted && running >= maxConcurrent)
      return send(res, jsonRpcError(429, -32000, `Too many concurrent requests for ${identity} (limit ${maxConcurrent})`, { 'retry-after': '1' }));
    if (counted) inFlight.set(identity, running + 1);
    let session: Session | undefined;
    try {
      let response: Response;
      if (await isLegacyRequest(request, undefined, { maxRequestBodySize: maxBody })) {
        ({ response, session } = await legacy(request, identity, grant));
      } else {
        response = await modern.fetch(request, { authInfo: { token: '', clientId: identity, scopes: [], extra: { identity, grant } } });
      }
      await send(res, response);
    } finally {
      if (counted) inFlight.set(identity, (inFlight.get(identity) ?? 1) - 1);
      if (session) {
        session.busy--;
        session.lastUsed = Date.now();
      }
    }
  }

  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  // Node checks these timeouts on an interval (30 s by default); check often enough for them to hold.
  const server: HttpServer = createServer(
    { headersTimeout, requestTimeout: options.requestTimeoutMs ?? 300_000, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        log(`quantconnect-mcp http: ${(error as Error).message}`);
        if (!res.headersSent) void send(res, jsonRpcError(500, -32603, 'Internal error'));
        else res.destroy();
      });
    },
  );
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
      clearInterval(sweeper);
      for (const session of sessions.values()) await session.transport.close().catch(() => {});
      await modern.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
