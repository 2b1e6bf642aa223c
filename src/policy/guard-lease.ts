/**
 * Who among the guards may act, and what they already did. One machine: a lock file in the state
 * directory (taken over when its holder's lease runs out or its process is gone). Replicas: a Redis
 * lease (SET NX PX, renewed by its holder only), so exactly one guard acts and a survivor takes over
 * within a lease period when the holder dies. The set of breaches acted on lives beside the lease,
 * so a guard that takes over never repeats an action.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/files.js';
import { withFileLock } from './file-lock.js';
import { connectRedis } from './redis-client.js';

export interface GuardCoordination {
  kind: 'file' | 'redis';
  /** Take or renew the lease for `owner`; true while `owner` holds it. */
  acquire(owner: string, ttlMs: number, nowMs: number): Promise<boolean>;
  release(owner: string): Promise<void>;
  /** Record that a breach is being acted on; false when it already was, by this guard or another. */
  claim(key: string): Promise<boolean>;
  /** Forget breaches that ended, so a new breach is acted on again. */
  forget(keys: string[]): Promise<void>;
  claimed(): Promise<string[]>;
  writeStatus(status: unknown): Promise<void>;
  readStatus(): Promise<unknown>;
  close(): Promise<void>;
}

interface LockFile {
  owner: string;
  pid: number;
  expires: number;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readJson = <T>(path: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
};

export class FileGuardCoordination implements GuardCoordination {
  readonly kind = 'file';
  private readonly lock: string;
  private readonly acted: string;
  private readonly status: string;
  constructor(stateDir: string) {
    this.lock = join(stateDir, 'guard.lock');
    this.acted = join(stateDir, 'guard-acted.json');
    this.status = join(stateDir, 'guard-status.json');
  }
  /** Under the state dir's file lock (file-lock.ts), so two processes never both see the lease free and both take it. */
  async acquire(owner: string, ttlMs: number, nowMs: number): Promise<boolean> {
    return withFileLock(this.lock, () => {
      const held = readJson<LockFile>(this.lock);
      // Free, ours to renew, run out, or left by a process that is gone: take it.
      if (held && held.owner !== owner && held.expires > nowMs && alive(held.pid)) return false;
      writeFileAtomic(this.lock, JSON.stringify({ owner, pid: process.pid, expires: nowMs + ttlMs } satisfies LockFile));
      return true;
    });
  }
  async release(owner: string): Promise<void> {
    await withFileLock(this.lock, () => {
      if (readJson<LockFile>(this.lock)?.owner === owner) rmSync(this.lock, { force: true });
    });
  }
  async claim(key: string): Promise<boolean> {
    return withFileLock(this.acted, () => {
      const keys = readJson<string[]>(this.acted) ?? [];
      if (keys.includes(key)) return false;
      writeFileAtomic(this.acted, JSON.stringify([...keys, key]));
      return true;
    });
  }
  async forget(keys: string[]): Promise<void> {
    await withFileLock(this.acted, () => {
      const now = readJson<string[]>(this.acted) ?? [];
      if (keys.some((k) => now.includes(k))) writeFileAtomic(this.acted, JSON.stringify(now.filter((k) => !keys.includes(k))));
    });
  }
  async claimed(): Promise<string[]> {
    return readJson<string[]>(this.acted) ?? [];
  }
  async writeStatus(status: unknown): Promise<void> {
    writeFileAtomic(this.status, `${JSON.stringify(status, null, 2)}\n`);
  }
  async readStatus(): Promise<unknown> {
    return readJson(this.status);
  }
  async close(): Promise<void> {}
}

const PREFIX = 'qcmcp:guard:';
/** Renew when this owner holds the lease, take it when nobody does. */
const ACQUIRE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export async function openRedisGuardCoordination(url: string): Promise<GuardCoordination> {
  const redis = await connectRedis(url);
  return {
    kind: 'redis',
    acquire: async (owner, ttlMs) => (await redis.eval(ACQUIRE, 1, `${PREFIX}lease`, owner, String(Math.round(ttlMs)))) === 1,
    release: async (owner) => {
      await redis.eval(RELEASE, 1, `${PREFIX}lease`, owner);
    },
    claim: async (key) => (await redis.sadd(`${PREFIX}acted`, key)) === 1,
    forget: async (keys) => {
      if (keys.length > 0) await redis.srem(`${PREFIX}acted`, ...keys);
    },
    claimed: async () => redis.smembers(`${PREFIX}acted`),
    writeStatus: async (status) => {
      await redis.set(`${PREFIX}status`, JSON.stringify(status));
    },
    readStatus: async () => {
      const text = await redis.get(`${PREFIX}status`);
      return text ? (JSON.parse(text) as unknown) : undefined;
    },
    close: async () => {
      redis.disconnect();
    },
  };
}

export async function openGuardCoordination(stateUrl: string | undefined, stateDir: string): Promise<GuardCoordination> {
  return stateUrl && /^rediss?:\/\//.test(stateUrl) ? openRedisGuardCoordination(stateUrl) : new FileGuardCoordination(stateDir);
}
