/** The typed QuantConnect client: openapi-fetch, signed per request, with timeouts and read retries. */
import createClient, { type Client } from 'openapi-fetch';
import { authHeaders, type QcCredentials } from './auth.js';
import { DEFAULT_RETRY, withRetries, type RetryOptions } from './retry.js';

export const DEFAULT_TIMEOUT_MS = 60_000;

export interface QcClientOptions {
  baseUrl: string;
  credentials: QcCredentials;
  userAgent: string;
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export class QuantConnectClient {
  /** openapi-fetch over the API; its calls are typed by the spec's paths in generated/tools.ts. */
  readonly api: Client<Record<string, never>>;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly signedFetch: (request: Request) => Promise<Response>;
  private readonly retryingFetch: (request: Request) => Promise<Response>;

  constructor(options: QcClientOptions) {
    const send = options.fetch ?? globalThis.fetch;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.signedFetch = (request) => {
      const headers = new Headers(request.headers);
      for (const [name, value] of Object.entries(authHeaders(options.credentials))) headers.set(name, value);
      headers.set('User-Agent', options.userAgent);
      return send(new Request(request, { headers }));
    };
    this.retryingFetch = withRetries(this.signedFetch, options.retry ?? DEFAULT_RETRY);
    this.api = createClient<Record<string, never>>({ baseUrl: this.baseUrl, fetch: this.signedFetch });
  }

  /** The fetch for one call: retried only when the call is a read. */
  fetchFor(retry: boolean): (request: Request) => Promise<Response> {
    return retry ? this.retryingFetch : this.signedFetch;
  }

  /**
   * One signed JSON POST outside the generated tools (workflows, the account check): retried only
   * when it is a read, cancelled with the caller, bounded by this client's timeout.
   */
  postJson(
    path: string,
    body: unknown,
    options: { read: boolean; signal?: AbortSignal | undefined; redirect?: 'follow' | 'manual' | 'error' },
  ): Promise<Response> {
    const request = new Request(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: this.signalFor(options.signal),
      redirect: options.redirect ?? 'follow',
    });
    return this.fetchFor(options.read)(request);
  }

  /** The caller's signal combined with this client's timeout. */
  signalFor(caller: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return caller ? AbortSignal.any([caller, timeout]) : timeout;
  }
}
