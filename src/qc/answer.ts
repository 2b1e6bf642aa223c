/**
 * The one reader of QuantConnect's answers: the HTTP status, the JSON body, and the API's own
 * `success` flag with its `errors`. Every caller (generated tools, the brokerage login, the account
 * check, the Object Store data source) decides what to do from the same reading.
 */

export type Answer =
  /** 2xx with JSON that does not say success: false. */
  | { kind: 'ok'; status: number; body: unknown }
  /** The API said success: false (QuantConnect does so with HTTP 200). */
  | { kind: 'refused'; status: number; errors: string[]; body: Record<string, unknown> }
  /** Rejected credentials (401/403). */
  | { kind: 'auth'; status: number; text: string }
  /** Any other HTTP error status. */
  | { kind: 'http'; status: number; text: string }
  /** A 2xx whose body is not JSON (cut off or garbled). */
  | { kind: 'not-json'; status: number; text: string };

/** QuantConnect spells a failed `success` three ways. */
const SUCCESS_FALSE = new Set<unknown>([false, 'false', 'False']);

export function readAnswer(status: number, text: string): Answer {
  if (status === 401 || status === 403) return { kind: 'auth', status, text };
  if (status >= 400) return { kind: 'http', status, text };
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    return { kind: 'not-json', status, text };
  }
  if (typeof body === 'object' && body !== null && 'success' in body && SUCCESS_FALSE.has((body as { success: unknown }).success)) {
    const errors = (body as { errors?: unknown }).errors;
    const list = Array.isArray(errors) ? errors.map(String) : errors === undefined ? [] : [String(errors)];
    return { kind: 'refused', status, errors: list, body: body as Record<string, unknown> };
  }
  return { kind: 'ok', status, body };
}

/** Read a fetch Response (its body is consumed). */
export async function answerOf(response: Response): Promise<Answer> {
  return readAnswer(response.status, await response.text());
}
