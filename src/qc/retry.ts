/**
 * Retries for idempotent reads: on 429, 5xx and network errors, with exponential backoff,
 * full jitter and Retry-After. Never used for writes (a retried write may run twice).
 */
import { sleep } from '../util/sleep.js';

export interface RetryOptions {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound for a server's Retry-After. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 3, baseDelayMs: 250, maxDelayMs: 4000, maxRetryAfterMs: 30_000 };

export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export const isRetryableStatus = (status: number): boolean => status === 429 || (status >= 500 && status <= 599);

/** Wrap `send` (which must re-sign a fresh copy of the request) with retries. */
export function withRetries(
  send: (request: Request) => Promise<Response>,
  options: RetryOptions = DEFAULT_RETRY,
  random: () => number = Math.random,
): (request: Request) => Promise<Response> {
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      const copy = request.clone();
      let response: Response | undefined;
      try {
        response = await send(copy);
      } catch (error) {
        if (request.signal.aborted || attempt >= options.retries) throw error;
      }
      if (response && (!isRetryableStatus(response.status) || attempt >= options.retries)) return response;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt) * random();
      const serverWait = response ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      const wait = serverWait === undefined ? backoff : Math.min(serverWait, options.maxRetryAfterMs);
      await response?.body?.cancel();
      await sleep(wait, request.signal);
      if (request.signal.aborted) throw request.signal.reason;
    }
  };
}
