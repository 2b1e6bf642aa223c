/** One signed account read: do QuantConnect (or the sandbox) accept these credentials? Shared by validate_quantconnect_auth and `doctor`. */
import { answerOf } from './answer.js';
import type { QuantConnectClient } from './client.js';

export type AccountCheck = { valid: true; organizationId: string | null; creditBalance: number | null } | { valid: false; problem: string };

export async function checkAccount(qc: QuantConnectClient, organizationId: string | undefined, signal?: AbortSignal): Promise<AccountCheck> {
  let response: Response;
  try {
    response = await qc.postJson('/account/read', organizationId ? { organizationId } : {}, { read: true, signal });
  } catch (error) {
    return {
      valid: false,
      problem: `QuantConnect could not be reached at ${qc.baseUrl}: ${(error as Error).message}. Check the network or QUANTCONNECT_API_BASE_URL.`,
    };
  }
  const answer = await answerOf(response);
  if (answer.kind === 'auth' || answer.kind === 'refused') {
    const why = answer.kind === 'refused' && answer.errors.length > 0 ? answer.errors.join('; ') : `HTTP ${response.status}`;
    return {
      valid: false,
      problem: `QuantConnect rejected the credentials (${why}). Check QUANTCONNECT_USER_ID and QUANTCONNECT_API_TOKEN (or run \`npx quantconnect-mcp login\`), and that this machine's clock is right.`,
    };
  }
  if (answer.kind !== 'ok') return { valid: false, problem: `QuantConnect answered HTTP ${response.status}; try again later.` };
  const body = answer.body as { organizationId?: unknown; creditBalance?: unknown };
  const balance = Number(body.creditBalance);
  return {
    valid: true,
    organizationId: typeof body.organizationId === 'string' ? body.organizationId : (organizationId ?? null),
    creditBalance: Number.isFinite(balance) ? balance : null,
  };
}
