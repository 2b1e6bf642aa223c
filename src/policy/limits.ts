/**
 * Rate limits as sliding windows, persisted in the state directory so they survive a restart and
 * count across every process that shares the directory (each reservation is made under the file's lock).
 * A call reserves its quota before going upstream and releases it if the upstream call fails.
 * If the state cannot be read or written, limited calls fail closed.
 */
import { writeFileAtomic } from '../util/files.js';
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { StateLockError, withFileLock } from './file-lock.js';

export interface LimitRequest {
  key: string;
  amount: number;
  max: number;
  windowMs: number;
}

export type Reservation = { ok: true; token: string } | { ok: false; index: number; retryAfterMs: number; used: number };

export class LimitStateError extends Error {
  override name = 'LimitStateError';
}

/** Where counters live: the state directory (processes on one machine) or Redis (several replicas). */
export interface LimitStore {
  reserve(requests: LimitRequest[], now: number): Promise<Reservation>;
  release(token: string): Promise<void>;
  /** Read-only: the amount counted under `key` in the window ending now (the operator console). */
  used?(key: string, windowMs: number, now: number): Promise<number>;
}

type Entry = [time: number, amount: number, token: string];

/** Counters in one JSON file, read and rewritten under its file lock on every reservation, so all processes share them. */
export class FileLimitStore implements LimitStore {
  constructor(private readonly path: string) {}

  /** Under the lock. Unreadable state throws, and limited calls fail closed. */
  private read(): Record<string, Entry[]> {
    if (!existsSync(this.path)) return {};
    try {
      const data = JSON.parse(readFileSync(this.path, 'utf8')) as { version: number; entries: Record<string, Entry[]> };
      if (data.version !== 1 || typeof data.entries !== 'object' || data.entries === null) throw new Error('unknown format');
      return data.entries;
    } catch (error) {
      throw new LimitStateError(`${this.path} cannot be read (${(error as Error).message})`);
    }
  }

  private write(entries: Record<string, Entry[]>): void {
    try {
      writeFileAtomic(this.path, JSON.stringify({ version: 1, entries }));
    } catch (error) {
      throw new LimitStateError(`${this.path} cannot be written (${(error as Error).message})`);
    }
  }

  private locked<T>(section: () => T): Promise<T> {
    return withFileLock(this.path, section).catch((error: unknown) => {
      throw error instanceof StateLockError ? new LimitStateError(error.message) : error;
    });
  }

  async reserve(requests: LimitRequest[], now: number): Promise<Reservation> {
    return this.locked(() => {
      const entries = this.read();
      for (const [index, request] of requests.entries()) {
        const live = (entries[request.key] ?? []).filter(([t]) => t > now - request.windowMs);
        entries[request.key] = live;
        const used = live.reduce((sum, [, amount]) => sum + amount, 0);
        if (used + request.amount > request.max) {
          // When enough of the window's oldest entries age out to make room.
          let freed = used + request.amount - request.max;
          let retryAt = now;
          for (const [t, amount] of live) {
            freed -= amount;
            retryAt = t + request.windowMs;
            if (freed <= 0) break;
          }
          return { ok: false, index, retryAfterMs: Math.max(0, retryAt - now), used };
        }
      }
      const token = randomUUID();
      for (const request of requests) (entries[request.key] ??= []).push([now, request.amount, token]);
      this.write(entries);
      return { ok: true, token };
    });
  }

  /** Re-reads the file, so another process's counts show too; never changes anything. */
  async used(key: string, windowMs: number, now: number): Promise<number> {
    if (!existsSync(this.path)) return 0;
    const data = JSON.parse(readFileSync(this.path, 'utf8')) as { entries?: Record<string, Entry[]> };
    return (data.entries?.[key] ?? []).filter(([t]) => t > now - windowMs).reduce((sum, [, amount]) => sum + amount, 0);
  }

  async release(token: string): Promise<void> {
    try {
      await this.locked(() => {
        const entries = this.read();
        for (const [key, list] of Object.entries(entries)) entries[key] = list.filter(([, , t]) => t !== token);
        this.write(entries);
      });
    } catch {
      // Releasing is best effort: failing to give quota back errs on the safe side.
    }
  }
}
