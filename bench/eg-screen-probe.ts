/**
 * One Engle-Granger screen on synthetic log prices in a fresh process (bench/main.ts spawns it), so the
 * peak resident memory it reports (workers included: they are threads of this process) is this screen's.
 * `eg-screen-probe.ts SYMBOLS ROWS THREADS [job]` prints {"seconds", "max_rss_mb", "pairs", "progress_events",
 * "found"}. With `job` the screen runs as a background job (src/tool/jobs.ts) with the BH correction, as
 * find_cointegrated_pairs with background: true does, and the figures are the job's. The pool's threads are
 * started before the clock (a warm-up screen), as in a server that has run one screen already.
 */
import { closePool } from '../plugins/quant/pool.js';
import { screenPairs } from '../plugins/quant/stats/pairs.js';
import { applyScreenFilters } from '../plugins/quant/stats/screen-filters.js';
import { JobStore } from '../src/tool/jobs.js';

const [symbols, rows, threads] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const asJob = process.argv[5] === 'job';
let seed = 7;
const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
// Random walks; every tenth series is its predecessor plus stationary noise (a planted pair).
const series = Array.from({ length: symbols }, () => new Float64Array(rows));
for (let i = 0; i < symbols; i++) {
  const s = series[i] as Float64Array;
  let level = 3 + rand();
  for (let t = 0; t < rows; t++) s[t] = i % 10 === 9 ? (series[i - 1] as Float64Array)[t]! + 0.02 * rand() : (level += 0.02 * rand());
}
// The pool is persistent: start its threads (and let them load the code) before timing, as a running server has.
if (threads > 1)
  await screenPairs(
    series.slice(0, 40).map((s) => s.subarray(0, 252)),
    { threshold: 0.05, threads },
    () => {},
    new AbortController().signal,
  );
const options = { p_value_threshold: 0.05, correction: 'fdr_bh' as const, johansen: false, k_ar_diff: 1 };
let events = 0;
const start = performance.now();
let found = 0;
if (asJob) {
  const store = new JobStore();
  const job = store.start('bench', 'find_cointegrated_pairs', async (ctx) => {
    const screen = await screenPairs(series, { threshold: 0.05 }, (done, total) => void ctx.progress(done, total), ctx.signal);
    const out = await applyScreenFilters(screen, options, 50, ctx.signal);
    return { structured: { found: out.found, tested: screen.pairs } };
  });
  let status = job.status;
  while (status === 'working') {
    const now = await store.wait(job.id, 'bench', 60_000, new AbortController().signal, () => events++);
    status = now?.status ?? 'failed';
    if (status === 'completed') found = now?.result?.structured.found as number;
    else if (status !== 'working') throw new Error(`job ${status}: ${now?.error}`);
  }
} else {
  const screen = await screenPairs(series, { threshold: 0.05, threads }, () => events++, new AbortController().signal);
  found = (await applyScreenFilters(screen, options, 50, new AbortController().signal)).found;
}
const seconds = (performance.now() - start) / 1000;
await closePool();
process.stdout.write(
  JSON.stringify({ seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024, pairs: (symbols * (symbols - 1)) / 2, progress_events: events, found }),
);
