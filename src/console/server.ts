/**
 * The operator console: a small server-rendered web page on loopback (node:http, no front-end
 * build). Sign-in with the secret from the state directory; a session is an HttpOnly,
 * SameSite=Strict cookie. Every state change is a POST that must come from the console's own
 * origin (Origin and Sec-Fetch-Site checked) and carry the session's CSRF token; the Host header
 * must name the loopback address (DNS rebinding). No URL carries the secret, so an agent that
 * sees a link to an approval cannot use it to approve its own call.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auditView, grantList, limitCounts, pendingApprovals, recentDecisions, toolPolicies, type AuditFilter, type ConsoleSources } from './data.js';
import { sameSecret } from './secret.js';
import { dashboardPage, messagePage, signInPage, STYLE_HASH, tokenPage } from './views.js';

export interface ConsoleOptions {
  /** Loopback only: 127.0.0.1 (default), localhost or ::1. */
  host?: string;
  port: number;
  secret: string;
  secretPath: string;
  sources: ConsoleSources;
  log?: (line: string) => void;
}

export interface ConsoleHandle {
  url: string;
  close: () => Promise<void>;
}

interface Session {
  csrf: string;
  expires: number;
  flash?: string;
}

const COOKIE = 'qcm_console';
const SESSION_MS = 8 * 3_600_000;
const MAX_BODY = 16 * 1024;
const SIGNIN_FAILURES_PER_MINUTE = 10;
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none'; style-src '${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin', // not no-referrer: Chromium would then send Origin: null on the console's own forms
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const sameToken = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Only the console's own pages may be the target after sign-in. */
const safeNext = (next: string | null | undefined): string => (next && /^\/(approvals\/ap_[0-9a-f]+)?$/.test(next) ? next : '/');

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startConsole(options: ConsoleOptions): Promise<ConsoleHandle> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.includes(host)) throw new Error(`the operator console listens on loopback only (127.0.0.1, localhost or ::1), not ${host}`);
  const { sources } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sessions = new Map<string, Session>();
  let failures: number[] = [];
  let allowedHosts = new Set<string>();

  const html = (res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...HEADERS, ...extra });
    res.end(body);
  };
  const refuse = (res: ServerResponse, status: number, title: string, message: string): void => html(res, status, messagePage({ title, message }));
  const redirect = (res: ServerResponse, location: string, extra: Record<string, string> = {}): void => {
    res.writeHead(303, { location, 'cache-control': 'no-store', ...extra });
    res.end();
  };

  function sessionOf(req: IncomingMessage): Session | undefined {
    const id = cookieOf(req);
    if (!id) return undefined;
    const session = sessions.get(id);
    if (!session) return undefined;
    if (session.expires <= Date.now()) {
      sessions.delete(id);
      return undefined;
    }
    return session;
  }

  async function dashboard(res: ServerResponse, session: Session, filter: AuditFilter, focus: string | undefined): Promise<void> {
    try {
      sources.refresh?.();
    } catch (error) {
      session.flash = `tools.yaml or the overlay could not be re-read (showing the last good configuration): ${(error as Error).message}`;
    }
    const flash = session.flash;
    delete session.flash;
    html(
      res,
      200,
      dashboardPage({
        csrf: session.csrf,
        flash,
        focus,
        pending: await pendingApprovals(sources),
        decided: await recentDecisions(sources),
        lockdown: await sources.lockdown.isOn().catch(() => true),
        stateWhere: sources.stateWhere,
        limits: await limitCounts(sources),
        audit: auditView(sources, filter),
        filter,
        grants: grantList(sources),
        grantsPath: sources.grants.path,
        tools: toolPolicies(sources),
      }),
    );
  }

  /** A POST from a signed-in session: what it changes, and the notice shown afterwards. */
  async function act(path: string, form: URLSearchParams, session: Session, res: ServerResponse): Promise<void> {
    const now = sources.now();
    const approval = /^\/approvals\/(ap_[0-9a-f]+)\/(approve|deny)$/.exec(path);
    if (approval) {
      const [, id, verb] = approval as unknown as [string, string, 'approve' | 'deny'];
      try {
        const decided = await sources.approvals.decide(id, verb === 'approve' ? 'approved' : 'denied', now);
        session.flash =
          verb === 'approve'
            ? `${id} approved: ${decided.tool} for ${decided.identity} may run once, with exactly these arguments, until ${new Date(decided.expires).toISOString()}.`
            : `${id} denied: ${decided.tool} for ${decided.identity} will be refused.`;
        log(`quantconnect-mcp console: ${id} ${verb === 'approve' ? 'approved' : 'denied'} (${decided.tool} for ${decided.identity}).`);
      } catch (error) {
        session.flash = `${id}: ${(error as Error).message}`;
      }
      return redirect(res, '/#approvals');
    }
    if (path === '/lockdown') {
      const on = form.get('state') === 'on';
      await sources.lockdown.set(on);
      session.flash = on
        ? 'Lockdown on: every critical tool is refused from the next call.'
        : 'Lockdown lifted: critical tools are allowed again, subject to policy.';
      log(`quantconnect-mcp console: lockdown ${on ? 'on' : 'off'}.`);
      return redirect(res, '/#lockdown');
    }
    if (path === '/grants') {
      const id = (form.get('id') ?? '').trim();
      const toolsets = (form.get('toolsets') ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      try {
        const token = sources.grants.add({ id, ...(form.get('read_only') ? { read_only: true } : {}), ...(toolsets.length > 0 ? { toolsets } : {}) });
        log(`quantconnect-mcp console: grant ${id} added.`);
        return html(res, 200, tokenPage({ csrf: session.csrf, id, token }));
      } catch (error) {
        session.flash = `Grant not added: ${(error as Error).message}`;
        return redirect(res, '/#grants');
      }
    }
    const revoke = /^\/grants\/([A-Za-z0-9_.@-]{1,64})\/revoke$/.exec(path);
    if (revoke) {
      try {
        sources.grants.revoke(revoke[1] as string);
        session.flash = `Grant ${revoke[1]} revoked: its token is refused from the next request.`;
        log(`quantconnect-mcp console: grant ${revoke[1]} revoked.`);
      } catch (error) {
        session.flash = (error as Error).message;
      }
      return redirect(res, '/#grants');
    }
    refuse(res, 404, 'Not found', 'There is no such action.');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostHeader = req.headers.host ?? '';
    if (!allowedHosts.has(hostHeader)) return refuse(res, 403, 'Refused', 'This console answers only on its loopback address.');
    const self = `http://${hostHeader}`;
    const url = new URL(req.url ?? '/', self);
    const path = url.pathname;
    const session = sessionOf(req);

    if (req.method === 'GET' || req.method === 'HEAD') {
      const approvalPage = /^\/approvals\/(ap_[0-9a-f]+)$/.exec(path);
      if (path !== '/' && !approvalPage) return refuse(res, 404, 'Not found', 'There is no such page.');
      if (!session) return html(res, 200, signInPage({ next: safeNext(path), secretPath: options.secretPath }));
      const filter: AuditFilter = {};
      for (const key of ['tool', 'identity', 'outcome'] as const) {
        const value = url.searchParams.get(key);
        if (value) filter[key] = value;
      }
      return dashboard(res, session, filter, approvalPage?.[1]);
    }
    if (req.method !== 'POST') return refuse(res, 405, 'Not allowed', 'Only GET and POST are served.');

    // Cross-site requests are refused before anything else is read.
    const fetchSite = req.headers['sec-fetch-site'];
    if (req.headers.origin !== self || (fetchSite !== undefined && fetchSite !== 'same-origin')) {
      return refuse(res, 403, 'Cross-site request refused', 'Changes are accepted only from the console page itself.');
    }
    const form = await readForm(req);
    if (!form) return refuse(res, 400, 'Bad request', 'Expected a form of at most 16 KiB.');

    if (path === '/signin') {
      const now = Date.now();
      failures = failures.filter((t) => t > now - 60_000);
      if (failures.length >= SIGNIN_FAILURES_PER_MINUTE)
        return refuse(res, 429, 'Too many attempts', 'Too many wrong secrets in the last minute; wait a minute.');
      if (!sameSecret(form.get('secret') ?? '', options.secret)) {
        failures.push(now);
        return html(res, 401, signInPage({ failed: true, next: safeNext(form.get('next')), secretPath: options.secretPath }));
      }
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, { csrf: randomBytes(32).toString('base64url'), expires: now + SESSION_MS });
      return redirect(res, safeNext(form.get('next')), { 'set-cookie': `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}` });
    }
    if (!session) return refuse(res, 403, 'Not signed in', 'Sign in first.');
    if (!sameToken(form.get('csrf') ?? '', session.csrf))
      return refuse(res, 403, 'Refused', 'The form is stale or was not sent by this console (CSRF token mismatch). Reload the page.');
    if (path === '/signout') {
      sessions.delete(cookieOf(req) as string);
      return redirect(res, '/', { 'set-cookie': `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
    }
    return act(path, form, session, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`quantconnect-mcp console: ${(error as Error).message}`);
      if (!res.headersSent) refuse(res, 500, 'Error', 'The console could not do that; the server log says why.');
      else res.end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const shown = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
