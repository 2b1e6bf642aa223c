/**
 * QuantConnect's API authentication: HTTP Basic with the user id as the user name and
 * sha256hex("<token>:<unix seconds>") as the password, plus a `Timestamp` header with the
 * same seconds. Computed fresh for every request (and every retry).
 */
import { createHash } from 'node:crypto';

export interface QcCredentials {
  userId: string;
  token: string;
}

export function authHeaders(credentials: QcCredentials, nowMs: number = Date.now()): { Authorization: string; Timestamp: string } {
  const timestamp = String(Math.floor(nowMs / 1000));
  const hash = createHash('sha256').update(`${credentials.token}:${timestamp}`).digest('hex');
  const basic = Buffer.from(`${credentials.userId}:${hash}`).toString('base64');
  return { Authorization: `Basic ${basic}`, Timestamp: timestamp };
}
