/**
 * The console's sign-in secret: 32 random bytes kept in QC_MCP_STATE_DIR/console-secret (mode
 * 0600), created on first use. Only someone who can read the state directory can sign in.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const secretFile = (stateDir: string): string => join(stateDir, 'console-secret');

/** The secret, created (0600) when absent. */
export function consoleSecret(stateDir: string): string {
  const file = secretFile(stateDir);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) {
      chmodSync(file, 0o600);
      return secret;
    }
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Constant-time comparison (of digests, so lengths never leak). */
export const sameSecret = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected));
