/**
 * authorize_connection: POST /live/auth0/authorize answers with a redirect to the brokerage's
 * login page; the human opens it; we poll POST /live/auth0/read until the authorization appears.
 * The login URL goes to the client as a progress message straight away and is in every answer.
 */
import type { paths } from '../../../generated/openapi.js';
import { ToolError } from '../../tool/results.js';
import type { ToolReturn } from '../../tool/tool.js';
import type { ApiHandlerInput } from './index.js';

const DEFAULT_TIMEOUT_S = 300;
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 5000;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new ToolError('Cancelled while waiting for the brokerage login.'));
    }, { once: true });
  });
}

type AuthorizeBody = paths['/live/auth0/authorize']['post']['requestBody']['content']['application/json'];
const textOf = (result: object): string => {
  const data = (result as { data?: unknown }).data;
  return typeof data === 'string' ? data : '';
};

const hasAuthorization = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && Object.keys(value).length > 0;

export async function authorizeConnection({ body, args, ctx }: ApiHandlerInput): Promise<ToolReturn> {
  const timeoutS = typeof args.timeout_s === 'number' ? args.timeout_s : DEFAULT_TIMEOUT_S;
  const brokerage = body as AuthorizeBody;
  let url: string | null = null;
  try {
    const started = await ctx.qc.api.POST('/live/auth0/authorize', {
      body: brokerage,
      parseAs: 'text',
      redirect: 'manual',
      signal: ctx.qc.signalFor(ctx.signal),
      fetch: ctx.qc.fetchFor(false),
    });
    const { response } = started;
    url = response.headers.get('location');
    if (!url && response.ok) {
      const text = textOf(started);
      const parsed = (() => { try { return JSON.parse(text) as { url?: unknown }; } catch { return {}; } })();
      if (typeof parsed.url === 'string') url = parsed.url;
    }
    if (response.status === 401 || response.status === 403) throw new ToolError(`QuantConnect rejected the credentials (HTTP ${response.status}).`);
    if (!url) throw new ToolError(`QuantConnect did not return a login URL for ${brokerage.brokerage} (HTTP ${response.status}).`);
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`Could not start the ${brokerage.brokerage} login: ${(error as Error).message}`);
  }

  await ctx.progress(0, timeoutS, `Open this URL to log in to ${brokerage.brokerage}: ${url}`);
  const deadline = Date.now() + timeoutS * 1000;
  let wait = FIRST_POLL_MS;
  while (Date.now() < deadline) {
    await delay(Math.min(wait, Math.max(0, deadline - Date.now())), ctx.signal);
    wait = Math.min(MAX_POLL_MS, wait * 2);
    const polled = await ctx.qc.api.POST('/live/auth0/read', {
      body: brokerage,
      parseAs: 'text',
      signal: ctx.qc.signalFor(ctx.signal),
      fetch: ctx.qc.fetchFor(true),
    }).catch(() => undefined);
    if (!polled?.response.ok) continue;
    let parsed: { authorization?: unknown; success?: unknown };
    try {
      parsed = JSON.parse(textOf(polled)) as typeof parsed;
    } catch {
      continue;
    }
    if (hasAuthorization(parsed.authorization)) {
      return { structured: { brokerage: brokerage.brokerage, url, authorization: parsed.authorization, success: true } };
    }
    const elapsed = timeoutS - Math.max(0, Math.round((deadline - Date.now()) / 1000));
    await ctx.progress(elapsed, timeoutS, `Waiting for the ${brokerage.brokerage} login at ${url}`);
  }
  throw new ToolError(
    `The ${brokerage.brokerage} login was not completed within ${timeoutS} s. Ask the user to open ${url}, ` +
      'finish the login, then call authorize_connection again.',
    { url },
  );
}
