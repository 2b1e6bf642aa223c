/**
 * The shared worker pool (plugins/quant/pool.ts): module functions run there give what they give on
 * this thread, an error class the tool tells apart survives the trip, a cancelled task stops, and the
 * pool restarts after it was closed.
 */
import { describe, expect, it } from 'vitest';
import { minimizeCvar } from '../../plugins/quant/portfolio/cvar.js';
import { hrp } from '../../plugins/quant/portfolio/hrp.js';
import { callInPool, closePool, runInPool } from '../../plugins/quant/pool.js';
import { screenPairs } from '../../plugins/quant/stats/pairs.js';

let seed = 3;
const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;

describe('the worker pool', () => {
  it('runs HRP and min-CVaR with the same answers as this thread; an infeasible target comes back as such', async () => {
    const p = 160;
    const returns = Array.from({ length: p }, (_, i) => Float64Array.from({ length: 300 }, () => 0.01 * rand() + 0.0001 * i));
    const cov = new Float64Array(p * p);
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let t = 0; t < 300; t++) s += returns[i]![t]! * returns[j]![t]!;
        cov[i * p + j] = s / 299;
      }
    const corr = cov.map((v, k) => v / Math.sqrt(cov[Math.floor(k / p) * (p + 1)]! * cov[(k % p) * (p + 1)]!));
    const pooled = await callInPool('hrp', [cov, corr, p, 'single', 'd']);
    const local = hrp(cov, corr, p, 'single', 'd');
    expect([...pooled.weights]).toEqual([...local.weights]);
    expect(pooled.order).toEqual(local.order);
    const few = returns.slice(0, 20);
    const solved = await callInPool('minimizeCvar', [few, 0.95, 0.2, undefined]);
    expect([...(solved.result?.weights ?? [])]).toEqual([...(await minimizeCvar(few, 0.95, 0.2)).weights]);
    expect(await callInPool('minimizeCvar', [few, 0.95, 0.2, 100])).toEqual({ infeasible: true });
  }, 120_000);

  it('stops a screen when its signal aborts, and starts again after being closed', async () => {
    const series = Array.from({ length: 120 }, () => {
      let level = 0;
      return Float64Array.from({ length: 500 }, () => (level += rand()));
    });
    const controller = new AbortController();
    let reports = 0;
    const running = screenPairs(
      series,
      { threshold: 0.05, threads: 2 },
      () => void (++reports === 2 && controller.abort(new Error('stop'))),
      controller.signal,
    );
    await expect(running).rejects.toThrow('stop');
    expect(reports).toBeLessThan(10);
    await closePool();
    const out = new Float64Array(new SharedArrayBuffer(32));
    expect(await runInPool('bh', { p: Float64Array.of(0.01, 0.04), out })).toBe(2);
    expect([...out]).toEqual([0.02, 0.04, 0.01, 0.04]);
    await closePool();
  }, 120_000);
});
