/** The one atomic file write: a temp file beside the target (one per process), then a rename. */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Write `data` to `path` so a reader sees the old file or the new one, never half of it. `mode` applies to the file (and 0700 to a new folder). */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Writes are synchronous, so one temp name per process suffices (the sandbox store sweeps `FILE.PID.tmp` of dead processes).
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}
