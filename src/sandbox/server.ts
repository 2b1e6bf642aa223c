/**
 * The sandbox: a real HTTP server on loopback that behaves like QuantConnect's REST API.
 * It checks the auth scheme exactly, validates every request and response against the
 * spec's schemas (generated/schemas.json), keeps state in memory (optionally persisted),
 * and can inject faults for reliability tests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { zipSync } from 'fflate';
import { formatAjvErrors, loadPackagedSchemas, type SchemasDoc } from '../api/api-tools.js';
import { ajv } from '../api/upstream.js';
import type { SandboxState } from './state.js';
import { SandboxStore } from './store.js';
import { routes, type RouteContext, type Timing } from './routes/index.js';
import { FaultInjector, type FaultRule } from './faults.js';
import { shockLive } from './routes/live.js';

/** The sandbox's own control endpoint (not part of QuantConnect's API): POST /api/v2/sandbox/live/shock. */
const SHOCK_OPERATION = 'POST /sandbox/live/shock';

export const API_PREFIX = '/api/v2';
export const MAX_CLOCK_SKEW_S = 7200;
const MAX_BODY_BYTES = 50 * 1024 * 1024;

export const DEFAULT_TIMING: Timing = {
  compileMs: 400,
  backtestQueueMs: 300,
  backtestRunMs: 2000,
  optimizationMs: 3000,
  liveWarmupMs: 1500,
  reportMs: 500,
  loginMs: 2000,
};

export interface SandboxOptions {
  credentials: { userId: string; token: string };
  organizationId?: string;
  /** Persist state to this JSON file, shared safely with other processes using it (see store.ts). */
  statePath?: string;
  timing?: Partial<Timing>;
  faults?: FaultRule[];
  now?: () => number;
  schemas?: SchemasDoc;
  /** Called for each response that does not match the spec (the sandbox's own bugs). */
  onViolation?: (violation: Violation) => void;
}

export interface Violation {
  operation: string;
  problems: string[];
}

export interface RequestRecord {
  operation: string;
  body: unknown;
  status: number;
  /** False when the body did not match the spec's request schema (answered with success:false). */
  valid: boolean;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class Sandbox {
  private readonly store: SandboxStore;
  readonly violations: Violation[] = [];
  readonly requests: RequestRecord[] = [];
  readonly faults: FaultInjector;
  private server: Server | undefined;
  private readonly schemas: SchemasDoc;
  private readonly validators = new Map<string, ValidateFunction | null>();
  private readonly timing: Timing;
  private readonly now: () => number;

  constructor(private readonly options: SandboxOptions) {
    const org = options.organizationId ?? 'sandbox-organization';
    this.store = new SandboxStore(options.statePath, org);
    this.schemas = options.schemas ?? loadPackagedSchemas();
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.now = options.now ?? Date.now;
    this.faults = new FaultInjector(options.faults ?? []);
  }

  /** The account as this process last saw it. */
  get state(): SandboxState {
    return this.store.state;
  }

  get organizationId(): string {
    return this.state.organizationId;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { success: false, errors: [`sandbox error: ${(error as Error).message}`] });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}${API_PREFIX}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private validator(operation: string, kind: 'request' | 'response'): ValidateFunction | null {
    const key = `${kind} ${operation}`;
    if (!this.validators.has(key)) {
      const schema = this.schemas.operations[operation]?.[kind];
      this.validators.set(key, schema ? ajv().compile({ ...schema, $defs: this.schemas.$defs }) : null);
    }
    return this.validators.get(key) ?? null;
  }

  /** The auth problem with this request, or undefined when it is signed correctly. */
  private authProblem(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? '';
    const timestamp = String(req.headers.timestamp ?? '');
    if (!header.startsWith('Basic ')) return 'Authorization header is missing: use Basic auth with your user id and hashed token.';
    if (!/^\d+$/.test(timestamp)) return 'Timestamp header is missing or not unix seconds.';
    if (Math.abs(this.now() / 1000 - Number(timestamp)) > MAX_CLOCK_SKEW_S) return 'Timestamp is too old for hash.';
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const userId = decoded.slice(0, colon);
    const hash = decoded.slice(colon + 1);
    const expected = createHash('sha256').update(`${this.options.credentials.token}:${timestamp}`).digest('hex');
    if (userId !== this.options.credentials.userId) return 'User id does not match.';
    if (hash.length !== expected.length || !timingSafeEqual(Buffer.from(hash), Buffer.from(expected))) return "Hash doesn't match.";
    return undefined;
  }

  private async parseBody(req: IncomingMessage, raw: Buffer): Promise<unknown> {
    const type = req.headers['content-type'] ?? '';
    if (raw.length === 0) return {};
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const body: Record<string, unknown> = {};
      for (const [key, value] of form.entries()) {
        body[key] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer()).toString('base64');
        if (typeof value !== 'string') body[`${key}:binary`] = true;
      }
      return body;
    }
    return JSON.parse(raw.toString('utf8')) as unknown;
  }

  /** GET pages behind URLs the API hands out: Object Store downloads and the simulated brokerage login. */
  private serveSandboxPage(pathname: string, res: ServerResponse): void {
    const download = /^\/sandbox\/download\/([0-9a-f]+)$/.exec(pathname);
    if (download) {
      this.store.refresh();
      const keys = this.state.downloadJobs[download[1] ?? ''];
      const objects = (keys ?? []).map((k) => this.state.objects.find((o) => o.key === k)).filter((o) => o !== undefined);
      if (!keys || objects.length !== keys.length) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('download job not found or expired');
        return;
      }
      const zipped = Buffer.from(zipSync(Object.fromEntries(objects.map((o) => [o.key, new Uint8Array(Buffer.from(o.data, 'base64'))]))));
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zipped.length }).end(zipped);
      return;
    }
    if (pathname.startsWith('/sandbox/login/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>Sandbox brokerage login: simulated, nothing to do. The login completes by itself.</p>');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  /** Test control: move a live deployment's equity by `equityChangePct` percent now (see docs/operators.md). */
  shockLive(projectId: number, equityChangePct: number): Promise<{ ok: true; equity: number } | { ok: false; error: string }> {
    return this.store.transaction((state, save) => {
      const result = shockLive(state, projectId, equityChangePct, this.now());
      if (result.ok) save();
      return result;
    });
  }

  private async answerShock(raw: Buffer, res: ServerResponse): Promise<void> {
    let body: { projectId?: unknown; equityChangePct?: unknown };
    try {
      body = JSON.parse(raw.toString('utf8') || '{}') as typeof body;
    } catch {
      json(res, 200, { success: false, errors: ['The request body is not valid JSON.'] });
      return;
    }
    const result = await this.shockLive(body.projectId as number, body.equityChangePct as number);
    json(res, 200, result.ok ? { success: true, equity: result.equity } : { success: false, errors: [result.error] });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (req.method === 'GET' && url.pathname.startsWith('/sandbox/')) {
      this.serveSandboxPage(url.pathname, res);
      return;
    }
    if (req.method !== 'POST' || !url.pathname.startsWith(`${API_PREFIX}/`)) {
      json(res, 404, { success: false, errors: [`No such endpoint: ${req.method ?? ''} ${url.pathname}`] });
      return;
    }
    const path = url.pathname.slice(API_PREFIX.length);
    const operation = `POST ${path}`;
    const route = routes[operation];
    const raw = await readBody(req).catch((error: { status?: number; message: string }) => {
      json(res, error.status ?? 400, { success: false, errors: [error.message] });
      return undefined;
    });
    if (raw === undefined) return;

    const fault = this.faults.pick(path);
    if (fault && (await this.faults.apply(fault, req, res))) return;

    const authProblem = this.authProblem(req);
    if (authProblem) {
      this.requests.push({ operation, body: null, status: 401, valid: true });
      json(res, 401, { success: false, errors: [authProblem] }, { 'www-authenticate': 'Basic realm="QuantConnect"' });
      return;
    }
    if (operation === SHOCK_OPERATION) {
      this.answerShock(raw, res);
      return;
    }
    if (!route) {
      json(res, 404, { success: false, errors: [`No such endpoint: ${operation}`] });
      return;
    }
    let body: unknown;
    try {
      body = await this.parseBody(req, raw);
    } catch {
      json(res, 200, { success: false, errors: ['The request body is not valid JSON.'] });
      return;
    }
    const validateRequest = this.validator(operation, 'request');
    const requestBody = typeof body === 'object' && body !== null ? Object.fromEntries(Object.entries(body).filter(([k]) => !k.endsWith(':binary'))) : body;
    if (validateRequest && !validateRequest(requestBody)) {
      this.requests.push({ operation, body, status: 200, valid: false });
      json(res, 200, { success: false, errors: [`Invalid request: ${formatAjvErrors(validateRequest.errors, 'body').join('; ')}`] });
      return;
    }
    // The route runs under the state file's lock against the latest state (routes are synchronous).
    const answer = await this.store.transaction((state, save) => {
      const ctx: RouteContext = {
        state,
        now: this.now,
        timing: this.timing,
        credentials: this.options.credentials,
        baseUrl: `http://${req.headers.host ?? '127.0.0.1'}${API_PREFIX}`,
        save,
      };
      return route(body as Record<string, unknown>, ctx);
    });
    this.requests.push({ operation, body, status: answer.status ?? 200, valid: true });
    if (answer.status === undefined || answer.status === 200) {
      const validateResponse = this.validator(operation, 'response');
      if (validateResponse && !validateResponse(answer.body)) {
        const violation = { operation, problems: formatAjvErrors(validateResponse.errors, 'response') };
        this.violations.push(violation);
        this.options.onViolation?.(violation);
      }
    }
    json(res, answer.status ?? 200, answer.body, answer.headers);
  }
}

/** Start a sandbox on loopback; resolves with it and its base URL. */
export async function startSandbox(options: SandboxOptions, port = 0, host = '127.0.0.1'): Promise<{ sandbox: Sandbox; baseUrl: string }> {
  const sandbox = new Sandbox(options);
  const baseUrl = await sandbox.listen(port, host);
  return { sandbox, baseUrl };
}
