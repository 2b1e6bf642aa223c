/**
 * Credentials saved by `quantconnect-mcp login`: QC_MCP_STATE_DIR/credentials.json, mode 0600,
 * written atomically. The environment always wins over the file; nothing here is ever printed.
 */
import { writeFileAtomic } from '../util/files.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredCredentials {
  userId: string;
  token: string;
  organizationId?: string | undefined;
}

export const credentialsPath = (stateDir: string): string => join(stateDir, 'credentials.json');

export class CredentialsFileError extends Error {
  override name = 'CredentialsFileError';
}

export function readStoredCredentials(stateDir: string): StoredCredentials | undefined {
  const path = credentialsPath(stateDir);
  if (!existsSync(path)) return undefined;
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new CredentialsFileError(`${path} is readable by other users: run chmod 600 ${path} (or run \`npx quantconnect-mcp login\` again).`);
  }
  let parsed: Partial<StoredCredentials>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoredCredentials>;
  } catch {
    throw new CredentialsFileError(`${path} is not valid JSON: run \`npx quantconnect-mcp login\` again.`);
  }
  if (typeof parsed.userId !== 'string' || typeof parsed.token !== 'string' || parsed.userId === '' || parsed.token === '') {
    throw new CredentialsFileError(`${path} lacks userId or token: run \`npx quantconnect-mcp login\` again.`);
  }
  return { userId: parsed.userId, token: parsed.token, ...(typeof parsed.organizationId === 'string' ? { organizationId: parsed.organizationId } : {}) };
}

export function writeStoredCredentials(stateDir: string, credentials: StoredCredentials): string {
  const path = credentialsPath(stateDir);
  writeFileAtomic(path, `${JSON.stringify(credentials, null, 2)}\n`);
  return path;
}

/** "12****56": enough to recognise an account, not to use it. */
export function maskUserId(userId: string): string {
  if (userId.length <= 4) return '*'.repeat(userId.length);
  return `${userId.slice(0, 2)}${'*'.repeat(userId.length - 4)}${userId.slice(-2)}`;
}
