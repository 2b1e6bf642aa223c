/**
 * Rate limits as sliding windows, persisted in the state directory so they survive a restart.
 * A call reserves its quota before going upstream and releases it if the upstream call fails.
 * If the state cannot be read or written, limited calls fail closed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';

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

/** Where counters live: the state directory (one process) or Redis (several replicas). */
export interface LimitStore {
  reserve(requests: LimitRequest[], now: number): Promise<Reservation>;
  release(token: string): Promise<void>;
  /** Read-only: the amount counted under `key` in the window ending now (the operator console). */
  used?(key: string, windowMs: number, now: number): Promise<number>;
}

type Entry = [time: number, amount: number, token: string];

export class FileLimitStore implements LimitStore {
  private entries: Record<string, Entry[]> = {};
  private broken: string | undefined;

  constructor(private readonly path: string) {
    if (!existsSync(path)) return;
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as { version: number; entries: Record<string, Entry[]> };
      if (data.version !== 1 || typeof data.entries !== 'object') throw new Error('unknown format');
      this.entries = data.entries;
    } catch (error) {
      this.broken = `${path} cannot be read (${(error as Error).message})`;
    }
  }

  private persist(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ version: 1, entries: this.entries }));
    renameSync(temp, this.path);
  }

  async reserve(requests: LimitRequest[], now: number): Promise<Reservation> {
    if (this.broken) throw new LimitStateError(this.broken);
    for (const [index, request] of requests.entries()) {
      const live = (this.entries[request.key] ?? []).filter(([t]) => t > now - request.windowMs);
      this.entries[request.key] = live;
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
    const before = structuredClone(this.entries);
    for (const request of requests) (this.entries[request.key] ??= []).push([now, request.amount, token]);
    try {
      this.persist();
    } catch (error) {
      this.entries = before;
      throw new LimitStateError(`${this.path} cannot be written (${(error as Error).message})`);
    }
    return { ok: true, token };
  }

  /** Re-reads the file, so another process's counts show too; never changes anything. */
  async used(key: string, windowMs: number, now: number): Promise<number> {
    if (!existsSync(this.path)) return 0;
    const data = JSON.parse(readFileSync(this.path, 'utf8')) as { entries?: Record<string, Entry[]> };
    return (data.entries?.[key] ?? []).filter(([t]) => t > now - windowMs).reduce((sum, [, amount]) => sum + amount, 0);
  }

  async release(token: string): Promise<void> {
    for (const [key, list] of Object.entries(this.entries)) this.entries[key] = list.filter(([, , t]) => t !== token);
    try {
      this.persist();
    } catch {
      // Releasing is best effort: failing to give quota back errs on the safe side.
    }
  }
}
