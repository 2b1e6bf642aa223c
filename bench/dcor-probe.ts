/**
 * One distance-correlation measurement in a fresh process (bench/main.ts spawns it), so the peak
 * resident memory it reports is this call's: `dcor-probe.ts N fast|naive` prints
 * {"seconds": …, "extra_mb": …, "value": …}. extra_mb is the rise of the process's peak RSS across the
 * first full-size call, after the inputs exist and a small warm-up has compiled the code; seconds is that
 * call's time for the naive definition, and the median of three further calls for the fast one.
 */
import { distanceCorrelation, distanceCorrelationNaive } from '../plugins/quant/stats/dcor.js';

const n = Number(process.argv[2]);
const fn = process.argv[3] === 'naive' ? distanceCorrelationNaive : distanceCorrelation;
let seed = 42;
const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
const x = Float64Array.from({ length: n }, rand);
const y = x.map((v) => v * v + 0.3 * rand());
fn(x.subarray(0, 200), y.subarray(0, 200));
const before = process.resourceUsage().maxRSS;
let start = performance.now();
const value = fn(x, y);
let seconds = (performance.now() - start) / 1000;
const extraMb = (process.resourceUsage().maxRSS - before) / 1024;
if (fn === distanceCorrelation) {
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    start = performance.now();
    fn(x, y);
    times.push((performance.now() - start) / 1000);
  }
  seconds = times.sort((a, b) => a - b)[1] as number;
}
process.stdout.write(JSON.stringify({ seconds, extra_mb: extraMb, value }));
