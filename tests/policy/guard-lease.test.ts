/**
 * Guard coordination: on one machine the lock file lets one guard act and a second wait, and hands
 * over when the lease runs out; with Redis (a real redis-server), exactly one lease holder, and a
 * survivor takes over within a lease period. A breach is claimed once across guards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileGuardCoordination, openRedisGuardCoordination, type GuardCoordination } from '../../src/policy/guard-lease.js';

describe('lock file in the state directory', () => {
  it('one holder at a time; renewal by the holder; takeover once the lease ran out; a breach claimed once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qcmcp-guard-lock-'));
    const a = new FileGuardCoordination(dir);
    const b = new FileGuardCoordination(dir);
    const t = Date.now();
    expect(await a.acquire('A', 5000, t)).toBe(true);
    expect(await b.acquire('B', 5000, t + 1000)).toBe(false);
    expect(await a.acquire('A', 5000, t + 4000)).toBe(true); // renewed until t + 9000
    expect(await b.acquire('B', 5000, t + 8000)).toBe(false);
    expect(await b.acquire('B', 5000, t + 9500)).toBe(true);
    expect(await a.acquire('A', 5000, t + 9600)).toBe(false);
    expect(await a.claim('L-1#exit')).toBe(true);
    expect(await b.claim('L-1#exit')).toBe(false);
  });
});

describe('lock file, processes racing for it', () => {
  it('when a dead process left the lock, four processes trying at the same instant: exactly one takes it, every round', async () => {
    const base = mkdtempSync(join(tmpdir(), 'qcmcp-guard-race-'));
    const rounds = 20;
    for (let round = 0; round < rounds; round++) {
      mkdirSync(join(base, String(round)));
      writeFileSync(join(base, String(round), 'guard.lock'), JSON.stringify({ owner: 'gone', pid: 2 ** 22 + 1, expires: 0 }));
    }
    const racers = ['A', 'B', 'C', 'D'].map((owner) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/guard-lease-racer.ts', base, String(rounds), '100', owner], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      const ready = new Promise<void>((resolve) =>
        child.stdout!.on('data', (chunk: Buffer) => ((out += chunk.toString()), out.startsWith('ready\n') && resolve())),
      );
      const done = new Promise<boolean[]>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length)) as boolean[]) : reject(new Error(`racer ${owner} exited ${String(code)}`)),
        ),
      );
      return { child, ready, done };
    });
    await Promise.all(racers.map((r) => r.ready)); // every racer loaded: now they start together
    const start = String(Date.now() + 200);
    for (const r of racers) r.child.stdin!.end(`${start}\n`);
    const results = await Promise.all(racers.map((r) => r.done));
    const winners = Array.from({ length: rounds }, (_, round) => results.filter((r) => r[round]).length);
    expect(winners).toEqual(Array(rounds).fill(1));
  }, 30_000);
});

describe('Redis lease (redis-server)', () => {
  let redis: ChildProcess;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `redis://127.0.0.1:${port}`;
  const opened: GuardCoordination[] = [];

  beforeAll(async () => {
    redis = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  afterAll(async () => {
    for (const c of opened) await c.close();
    redis.kill('SIGTERM');
  });

  it('exactly one holder; when it stops renewing, the other takes over within one lease period', async () => {
    const a = await openRedisGuardCoordination(url);
    const b = await openRedisGuardCoordination(url);
    opened.push(a, b);
    const lease = 600;
    expect(await a.acquire('A', lease, Date.now())).toBe(true);
    expect(await b.acquire('B', lease, Date.now())).toBe(false);
    expect(await a.acquire('A', lease, Date.now())).toBe(true);
    const died = Date.now(); // A stops renewing (its process died)
    let took: number | undefined;
    while (Date.now() - died < 2 * lease) {
      if (await b.acquire('B', lease, Date.now())) {
        took = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(took).toBeDefined();
    expect(took! - died).toBeLessThanOrEqual(lease + 100);
    expect(await a.acquire('A', lease, Date.now())).toBe(false);
    expect(await a.claim('L-2#exit')).toBe(true);
    expect(await b.claim('L-2#exit')).toBe(false);
  });
});
