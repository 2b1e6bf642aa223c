/**
 * Who else uses this state directory: each server leaves a small file under
 * STATE_DIR/processes/ while it runs, and a server that starts next to a live one says so on
 * stderr. Sharing is safe (every store changes under a file lock); the line makes it visible.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Whether a process with this id is running on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Entry {
  pid: number;
  host: string;
  started: string;
  what: string;
}

/** Register this process in `stateDir`; returns the others that are alive, and how to unregister. */
export function joinStateDir(stateDir: string, what: string): { others: Entry[]; leave: () => void } {
  const dir = join(stateDir, 'processes');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const others: Entry[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Entry;
    } catch {
      continue; // being written, or torn by a crash: the next start cleans it if its process is gone
    }
    if (entry.pid === process.pid) continue;
    if (entry.host === hostname() && !processAlive(entry.pid)) rmSync(join(dir, name), { force: true });
    else others.push(entry);
  }
  const mine = join(dir, `${process.pid}.json`);
  writeFileSync(mine, JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), what }));
  return { others, leave: () => rmSync(mine, { force: true }) };
}
