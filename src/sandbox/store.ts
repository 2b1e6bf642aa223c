/**
 * Where the sandbox's state lives between requests. In memory by default; with a state file,
 * every request runs against the file as it is now: under the file's lock the store re-reads it
 * when another process has replaced it since, the route runs (synchronously), and a route that
 * changed something saves it (temp file renamed over the old one) before the lock is let go.
 * So several servers sharing one state directory hand out distinct ids and lose no change.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { withFileLock } from '../policy/file-lock.js';
import { processAlive } from '../policy/state-dir.js';
import { emptyState, loadState, saveState, type SandboxState } from './state.js';

/** Identifies one version of the file: every save renames a new file into place. */
const versionOf = (path: string): string | undefined => {
  if (!existsSync(path)) return undefined;
  const st = statSync(path, { bigint: true });
  return `${st.ino}:${st.size}:${st.mtimeNs}`;
};

export class SandboxStore {
  private current: SandboxState;
  private version: string | undefined;

  constructor(
    private readonly path: string | undefined,
    private readonly organizationId: string,
  ) {
    this.current = path ? loadState(path, organizationId) : emptyState(organizationId);
    if (path) {
      this.version = versionOf(path);
      removeStaleTemps(path);
    }
  }

  /** The state as this process last saw it (reads outside a request may be a moment behind another process). */
  get state(): SandboxState {
    return this.current;
  }

  /** Pick up another process's changes (no lock: saves are atomic renames). */
  refresh(): SandboxState {
    if (this.path) {
      const now = versionOf(this.path);
      if (now !== undefined && now !== this.version) {
        this.current = loadState(this.path, this.organizationId);
        this.version = now;
      }
    }
    return this.current;
  }

  /** Run `section` (synchronous) against the latest state; `save` inside it persists at once. */
  async transaction<T>(section: (state: SandboxState, save: () => void) => T): Promise<T> {
    const path = this.path;
    if (!path) return section(this.current, () => {});
    return withFileLock(path, () => {
      const state = this.refresh();
      return section(state, () => {
        saveState(path, state);
        this.version = versionOf(path);
      });
    });
  }
}

/** Temp files of saves cut short by a crash (`STATE.PID.tmp` whose process is gone). */
function removeStaleTemps(path: string): void {
  const prefix = `${basename(path)}.`;
  if (!existsSync(dirname(path))) return;
  for (const name of readdirSync(dirname(path))) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length, -4)) : NaN;
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    rmSync(join(dirname(path), name), { force: true });
  }
}
