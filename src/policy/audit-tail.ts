/**
 * The end of an audit file: its last complete record, or the damaged bytes after the last good
 * one (a line torn by a crash or a full disk, or one that is not a valid record), and how those
 * bytes are moved out of the live file into a quarantine file beside it.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, truncateSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createHash } from 'node:crypto';

export interface Tail {
  /** The last line when it is a good record. */
  last?: string;
  /** The damaged end of the file: from byte `start` (1-based line `line`) to the end. */
  damage?: { start: number; reason: string };
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buffer = Buffer.alloc(end - start);
  readSync(fd, buffer, 0, buffer.length, start);
  return buffer;
}

/** Inspect the end of `path`; `problem` says what is wrong with a complete line (undefined when it is a good record). */
export function inspectTail(path: string, problem: (line: string) => string | undefined): Tail {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let end = size;
    // Trailing blank lines are not records.
    for (;;) {
      if (end === 0) return {};
      const last = readRange(fd, end - 1, end);
      if (last[0] !== 0x0a) break;
      end--;
      if (end === 0) return {};
    }
    const torn = end === size; // the last line has no end of line
    for (let chunk = 4096; ; chunk *= 4) {
      const from = Math.max(0, end - chunk);
      const text = readRange(fd, from, end);
      const newline = text.lastIndexOf(0x0a);
      if (newline === -1 && from > 0) continue;
      const start = from + newline + 1;
      if (torn) return { damage: { start, reason: 'the line is torn (no end of line: an interrupted write)' } };
      const line = text.subarray(newline + 1).toString('utf8');
      const wrong = problem(line);
      return wrong ? { damage: { start, reason: wrong } } : { last: line };
    }
  } finally {
    closeSync(fd);
  }
}

/** The 1-based line number of byte `offset`. */
export function lineAt(path: string, offset: number): number {
  const fd = openSync(path, 'r');
  try {
    let lines = 1;
    const buffer = Buffer.alloc(1 << 16);
    for (let pos = 0; pos < offset; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, offset - pos), pos);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buffer[i] === 0x0a) lines++;
      pos += n;
    }
    return lines;
  } finally {
    closeSync(fd);
  }
}

export interface Quarantined {
  line: number;
  bytes: number;
  sha256: string;
  /** The quarantine file's name, beside the log. */
  file: string;
}

/** Move bytes [start, end of file) of `path` to `path.damaged-N` and cut them from the live file. */
export function quarantineTail(path: string, start: number): Quarantined {
  const line = lineAt(path, start);
  const fd = openSync(path, 'r');
  let bytes: Buffer;
  try {
    bytes = readRange(fd, start, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
  let n = 1;
  while (existsSync(`${path}.damaged-${n}`)) n++;
  const file = `${path}.damaged-${n}`;
  writeFileSync(file, bytes, { mode: 0o600 });
  truncateSync(path, start);
  return { line, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), file: basename(file) };
}
