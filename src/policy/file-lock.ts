/**
 * The one way every file-backed store in the state directory changes: under an exclusive lock on
 * the store's file (proper-lockfile, shared by every process on the machine), the store re-reads
 * what it needs, writes (append, or a temp file renamed over the old one) and lets go. Sections
 * under the lock are synchronous and short, so nothing else in this process runs while it is
 * held. A lock left by a process killed while holding it is stale after STALE_MS and taken over.
 *
 * proper-lockfile takes a lock by creating `FILE.lock` atomically; it does so with `mkdir`, which
 * we swap (through its `fs` option) for an exclusive create of an empty file: as atomic, and about
 * ten times cheaper to remove on ext4 mounted with `discard` (measured: 3.3 ms against 0.3 ms).
 */
import fs, { closeSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';

/** A lock older than this was left by a dead process (proper-lockfile's staleness is by mtime). */
export const STALE_MS = 5000;
/** Give up waiting after this long: the state is then treated as unavailable (callers fail closed). */
export const WAIT_MS = 3 * STALE_MS;

export class StateLockError extends Error {
  override name = 'StateLockError';
}

/** Node's fs, with the lock taken as an exclusive file create instead of a directory. */
const lockFs = {
  ...fs,
  mkdirSync: (path: string) => closeSync(openSync(path, 'wx', 0o600)),
  rmdirSync: (path: string) => unlinkSync(path),
};

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number): void => void Atomics.wait(sleeper, 0, 0, ms);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const pause = (attempt: number): number => Math.min(1 + attempt, 20) * (0.5 + Math.random());

/** The lock's release, or undefined when another process holds it. */
function tryLock(path: string): (() => void) | undefined {
  const options = {
    realpath: false,
    stale: STALE_MS,
    fs: lockFs,
    // Sections never outlive the stale time; if one ever did, say so rather than crash.
    onCompromised: (error: Error) => process.stderr.write(`quantconnect-mcp: lock on ${path} was taken over: ${error.message}\n`),
  };
  try {
    return lockfile.lockSync(path, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') return undefined;
    if (code === 'ENOENT') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return lockfile.lockSync(path, options);
    }
    throw error;
  }
}

function run<T>(path: string, release: () => void, section: () => T): T {
  try {
    return section();
  } finally {
    try {
      release();
    } catch {
      // Already gone (taken over as stale): nothing left to release.
    }
  }
}

const timeout = (path: string): StateLockError =>
  new StateLockError(`${path} is locked by another process for over ${WAIT_MS / 1000} s (its lock: ${path}.lock)`);

/** Run `section` (synchronous) holding the lock on `path`, waiting without blocking the event loop. */
export async function withFileLock<T>(path: string, section: () => T): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const release = tryLock(path);
    if (release) return run(path, release, section);
    if (Date.now() > deadline) throw timeout(path);
    await sleep(pause(attempt));
  }
}

/** Run `section` holding the lock on `path`, waiting synchronously (for callers that must stay synchronous, like the audit). */
export function withFileLockSync<T>(path: string, section: () => T): T {
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const release = tryLock(path);
    if (release) return run(path, release, section);
    if (Date.now() > deadline) throw timeout(path);
    sleepSync(pause(attempt));
  }
}
