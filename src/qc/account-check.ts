/** One signed account read: do QuantConnect (or the sandbox) accept these credentials? Shared by validate_quantconnect_auth and `doctor`. */
import type { QuantConnectClient } from './client.js';

export type AccountCheck = { valid: true; organizationId: string | null; creditBalance: number | null } | { valid: false; problem: string };

export async function checkAccount(qc: QuantConnectClient, organizationId: string | undefined, signal?: AbortSignal): Promise<AccountCheck> {
  let response: Response;
  try {
    response = await qc.postJson('/account/read', organizationId ? { organizationId } : {}, { read: true, signal });
  } catch (error) {
    return { valid: false, problem: `QuantConnect could not be reached at ${qc.baseUrl}: ${(error as Error).message}. Check the network or QUANTCONNECT_API_BASE_URL.` };
  }
  const body = (await response.json().catch(() => ({}))) as { success?: unknown; organizationId?: unknown; creditBalance?: unknown; errors?: unknown };
  if (response.status === 401 || response.status === 403 || body.success === false) {
    const why = Array.isArray(body.errors) && body.errors.length > 0 ? body.errors.join('; ') : `HTTP ${response.status}`;
    return { valid: false, problem: `QuantConnect rejected the credentials (${why}). Check QUANTCONNECT_USER_ID and QUANTCONNECT_API_TOKEN (or run quantconnect-mcp login), and that this machine's clock is right.` };
  }
  if (!response.ok) return { valid: false, problem: `QuantConnect answered HTTP ${response.status}; try again later.` };
  const balance = Number(body.creditBalance);
  return { valid: true, organizationId: typeof body.organizationId === 'string' ? body.organizationId : (organizationId ?? null), creditBalance: Number.isFinite(balance) ? balance : null };
}
