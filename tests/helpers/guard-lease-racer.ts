/**
 * One racer for tests/policy/guard-lease.test.ts: prints "ready", reads the start time (ms) from
 * stdin, then for each round waits until the round's start, tries once to take the guard lock in
 * that round's state dir, and prints whether it got it (a JSON list).
 * Usage: node --import tsx tests/helpers/guard-lease-racer.ts BASE_DIR ROUNDS GAP_MS OWNER
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { FileGuardCoordination } from '../../src/policy/guard-lease.js';

const [base, rounds, gap, owner] = process.argv.slice(2) as [string, string, string, string];
process.stdout.write('ready\n');
const start = Number(String((await once(process.stdin, 'data'))[0]).trim());
process.stdin.destroy();
const results: boolean[] = [];
for (let round = 0; round < Number(rounds); round++) {
  const at = start + round * Number(gap);
  while (Date.now() < at - 3) await new Promise((resolve) => setTimeout(resolve, 1));
  while (Date.now() < at); // spin the last milliseconds, so the racers start together
  results.push(await new FileGuardCoordination(join(base, String(round))).acquire(owner, 60_000, Date.now()));
}
process.stdout.write(`${JSON.stringify(results)}\n`);
