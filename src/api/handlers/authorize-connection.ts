/**
 * authorize_connection: POST /live/auth0/authorize answers with a redirect to the brokerage's
 * login page; the human opens it; we poll POST /live/auth0/read until the authorization appears.
 * The login URL goes to the client as a progress message straight away and is in every answer.
 */
import { readAnswer } from '../../qc/answer.js';
import { sleep } from '../../util/sleep.js';
import { ToolError } from '../../tool/results.js';
import type { ToolReturn } from '../../tool/tool.js';
import type { ApiHandlerInput } from './handler.js';

const DEFAULT_TIMEOUT_S = 300;
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 5000;

/** The request body of /live/auth0/authorize and /live/auth0/read: which brokerage to log in to. */
interface AuthorizeBody {
  brokerage: string;
}

const hasAuthorization = (value: unknown): boolean => typeof value === 'object' && value !== null && Object.keys(value).length > 0;

export async function authorizeConnection({ body, args, ctx }: ApiHandlerInput): Promise<ToolReturn> {
  const timeoutS = typeof args.timeout_s === 'number' ? args.timeout_s : DEFAULT_TIMEOUT_S;
  const brokerage = body as unknown as AuthorizeBody;
  let url: string | null = null;
  try {
    const response = await ctx.qc.postJson('/live/auth0/authorize', brokerage, { read: false, signal: ctx.signal, redirect: 'manual' });
    url = response.headers.get('location');
    const answer = readAnswer(response.status, await response.text());
    if (!url && answer.kind === 'ok') {
      const found = (answer.body as { url?: unknown }).url;
      if (typeof found === 'string') url = found;
    }
    if (answer.kind === 'auth') throw new ToolError(`QuantConnect rejected the credentials (HTTP ${response.status}).`);
    if (!url) throw new ToolError(`QuantConnect did not return a login URL for ${brokerage.brokerage} (HTTP ${response.status}).`);
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`Could not start the ${brokerage.brokerage} login: ${(error as Error).message}`);
  }

  await ctx.progress(0, timeoutS, `Open this URL to log in to ${brokerage.brokerage}: ${url}`);
  const deadline = Date.now() + timeoutS * 1000;
  let wait = FIRST_POLL_MS;
  while (Date.now() < deadline) {
    await sleep(Math.min(wait, Math.max(0, deadline - Date.now())), ctx.signal);
    if (ctx.signal.aborted) throw new ToolError('Cancelled while waiting for the brokerage login.');
    wait = Math.min(MAX_POLL_MS, wait * 2);
    const polled = await ctx.qc
      .postJson('/live/auth0/read', brokerage, { read: true, signal: ctx.signal })
      .then(async (response) => readAnswer(response.status, await response.text()))
      .catch(() => undefined);
    if (polled?.kind !== 'ok') continue;
    const parsed = polled.body as { authorization?: unknown };
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
