/**
 * The audit log: append-only JSONL, one record per decision and per outcome. Records are
 * hash-chained (each carries the previous record's hash), written (and optionally fsynced) before
 * the call's result is returned, and rotated without breaking the chain. `verify` names the first
 * broken link. Records hold the SHA-256 of the arguments and their top-level keys, never values.
 * Every append happens under the log's file lock and first catches up with the file's end, so any
 * number of processes sharing the log write one chain. A damaged end (a torn or corrupt last line)
 * is moved to a quarantine file and a `damage` record, chained to the last good record, says so.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { inspectTail, quarantineTail } from './audit-tail.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { withFileLockSync } from './file-lock.js';

export const GENESIS = '0'.repeat(64);

export interface AuditFields {
  call_id: string;
  identity: string;
  tool: string;
  risk?: string;
  severity?: string;
  event: 'decision' | 'outcome' | 'damage';
  /** decision: confirmation_requested | human_accepted | human_declined | approval_pending | approval_used | reserved | background (job_id);
   *  outcome: ok | error | denied | invalid; damage: quarantined (the log's own record of a damaged end, in `error`) */
  decision: string;
  /** file#/json/pointer of the rule that decided, when one did. */
  rule?: string | null;
  approval_id?: string | null;
  args_sha256?: string;
  arg_keys?: string[];
  upstream_status?: number | null;
  latency_ms?: number | null;
  error?: string | null;
  /** The call that made this one (a workflow's steps), when another tool made it. */
  parent_call_id?: string;
  /** The background job a call started (its outcome record follows when the job ends). */
  job_id?: string;
  /** A live guard action: the rule, the figures that triggered it and QuantConnect's answer. */
  guard?: Record<string, unknown>;
}

export interface AuditRecord extends AuditFields {
  seq: number;
  time: string;
  prev: string;
  hash: string;
}

export interface AuditOptions {
  /** Rotate when the file grows past this many bytes. */
  maxBytes?: number;
  /** fsync each record (durable against power loss; slower). */
  fsync?: boolean;
  /** Scrubs secrets out of free text (errors). */
  scrub?: (text: string) => string;
  now?: () => number;
  /** Where notices go (a quarantined tail, another process sharing the log); stderr lines in the server. */
  log?: (line: string) => void;
}

const hashOf = (record: Omit<AuditRecord, 'hash'>): string => sha256Hex(`${record.prev}\n${canonicalJson(record)}`);

/** The last non-blank line of a file, read from its end. */
function lastRecordLine(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let chunk = 4096;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      const lines = buffer
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      if (lines.length > 1 || start === 0) return lines[lines.length - 1];
      chunk *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

/** Rotated files of `path`, oldest first: path.1, path.2, ... */
export function rotatedFiles(path: string): string[] {
  const dir = dirname(path);
  if (!existsSync(dir)) return [];
  const base = basename(path);
  return readdirSync(dir)
    .map((f) => ({ f, n: f.startsWith(`${base}.`) ? Number(f.slice(base.length + 1)) : NaN }))
    .filter(({ n }) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a.n - b.n)
    .map(({ f }) => join(dir, f));
}

/** What is wrong with a line as the last record of a log, or undefined when it is a good record. */
function recordProblem(line: string): string | undefined {
  let record: AuditRecord;
  try {
    record = JSON.parse(line) as AuditRecord;
  } catch {
    return 'the line is not valid JSON';
  }
  if (typeof record !== 'object' || record === null || typeof record.hash !== 'string' || typeof record.seq !== 'number')
    return 'the line is not an audit record';
  const { hash, ...body } = record;
  return hashOf(body) === hash ? undefined : 'the record does not match its hash';
}

export class AuditLog {
  private fd: number | undefined;
  private fdIno: number | undefined;
  private prev = GENESIS;
  private seq = 0;
  /** The live file as this process last left it; when it differs, another process wrote (or rotated). */
  private known: { ino: number; size: number } | undefined;
  private sharedNoticed = false;

  constructor(
    readonly path: string,
    private readonly options: AuditOptions = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    // Read the chain's end now: a damaged tail is quarantined (and recorded) at start.
    withFileLockSync(path, () => this.catchUp());
  }

  /** Under the lock: where the chain ends now, whoever wrote last. Returns the live file's size (undefined when absent). */
  private catchUp(): number | undefined {
    const st = existsSync(this.path) ? statSync(this.path) : undefined;
    if (st && this.known && st.ino === this.known.ino && st.size === this.known.size) return st.size;
    if (this.known && !this.sharedNoticed) {
      this.sharedNoticed = true;
      this.options.log?.(`quantconnect-mcp: another process also writes ${this.path}; its records join the same chain (appends are made under a file lock).`);
    }
    if (this.fd !== undefined && this.fdIno !== st?.ino) this.closeFd();
    let tail: { last?: string } = {};
    const notes: string[] = [];
    if (st && st.size > 0) {
      let found = inspectTail(this.path, recordProblem);
      while (found.damage) {
        if (notes.length >= 8)
          throw new Error(
            `${this.path}: the end of the audit log is damaged over more than 8 lines; move it aside, then run \`npx quantconnect-mcp audit verify FILE\` on it`,
          );
        const moved = quarantineTail(this.path, found.damage.start);
        notes.push(
          `line ${moved.line} of ${basename(this.path)} was damaged (${found.damage.reason}): its ${moved.bytes} bytes (sha256 ${moved.sha256}) were moved to ${moved.file}`,
        );
        found = inspectTail(this.path, recordProblem);
      }
      tail = found;
    }
    const rotated = rotatedFiles(this.path).at(-1);
    this.prev = GENESIS;
    this.seq = 0;
    this.adopt(tail.last ?? (rotated ? lastRecordLine(rotated) : undefined));
    this.known = st ? { ino: st.ino, size: statSync(this.path).size } : undefined;
    if (notes.length === 0) return this.known?.size;
    const note = notes.reverse().join('; ');
    this.options.log?.(`quantconnect-mcp: audit log damaged: ${note}. The server continues the chain with a record of the break.`);
    this.write(
      { call_id: randomUUID(), identity: 'quantconnect-mcp', tool: 'audit', event: 'damage', decision: 'quarantined', error: note },
      this.known?.size ?? 0,
    );
    return this.known?.size;
  }

  private adopt(line: string | undefined): void {
    if (!line) return;
    const last = JSON.parse(line) as AuditRecord;
    this.prev = last.hash;
    this.seq = last.seq;
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.fdIno = undefined;
  }

  private rotate(): void {
    this.closeFd();
    const next =
      (rotatedFiles(this.path)
        .map((f) => Number(f.slice(this.path.length + 1)))
        .at(-1) ?? 0) + 1;
    renameSync(this.path, `${this.path}.${next}`);
    this.known = undefined;
  }

  /** Under the lock, with the chain caught up: write one record at the end of a file of `size` bytes. */
  private write(fields: AuditFields, size: number): AuditRecord {
    const scrub = this.options.scrub ?? ((t: string) => t);
    const body = {
      ...fields,
      ...(fields.error ? { error: scrub(fields.error) } : {}),
      seq: this.seq + 1,
      time: new Date((this.options.now ?? Date.now)()).toISOString(),
      prev: this.prev,
    };
    const record: AuditRecord = { ...body, hash: hashOf(body) };
    const line = `${JSON.stringify(record)}\n`;
    if (this.fd === undefined) {
      this.fd = openSync(this.path, 'a', 0o600);
      this.fdIno = fstatSync(this.fd).ino;
    }
    writeSync(this.fd, line);
    if (this.options.fsync) fsyncSync(this.fd);
    this.known = { ino: this.fdIno as number, size: size + Buffer.byteLength(line) };
    this.prev = record.hash;
    this.seq = record.seq;
    return record;
  }

  /** Append one record; returns it. Throws if it cannot be written (the caller must not proceed). */
  append(fields: AuditFields): AuditRecord {
    return withFileLockSync(this.path, () => {
      let size = this.catchUp();
      if (size !== undefined && this.options.maxBytes && size > this.options.maxBytes) {
        this.rotate();
        size = undefined;
      }
      return this.write(fields, size ?? 0);
    });
  }

  close(): void {
    this.closeFd();
  }
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  files: string[];
  /** The first broken record: file, line (1-based), seq, what is wrong, and whether it looks like damage (a torn last line) or tampering. */
  broken?: { file: string; line: number; seq: number | undefined; reason: string; kind: 'damage' | 'tampering' };
  /** Breaks the server recorded itself: a damaged end it quarantined, where, and what it moved. */
  damage: { file: string; line: number; seq: number; note: string }[];
}

/** Verify the chain across `files` (oldest first). The first record of the first file must start at genesis. */
export function verifyAudit(files: string[]): VerifyResult {
  let prev = GENESIS;
  let records = 0;
  const damage: VerifyResult['damage'] = [];
  for (const [fileIndex, file] of files.entries()) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const lastLine = lines.findLastIndex((l) => l.trim() !== '');
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      const fail = (reason: string, seq?: number, kind: 'damage' | 'tampering' = 'tampering'): VerifyResult => ({
        ok: false,
        records,
        files,
        damage,
        broken: { file, line: index + 1, seq, reason, kind },
      });
      let record: AuditRecord;
      try {
        record = JSON.parse(line) as AuditRecord;
      } catch {
        if (fileIndex === files.length - 1 && index === lastLine) {
          return fail(
            'the last line is not valid JSON: a torn write (a crash or a full disk); the server quarantines it when it next starts',
            undefined,
            'damage',
          );
        }
        return fail('not valid JSON');
      }
      if (record.prev !== prev)
        return fail(`prev ${String(record.prev).slice(0, 12)}… does not match the previous record's hash ${prev.slice(0, 12)}…`, record.seq);
      const { hash, ...body } = record;
      if (hashOf(body) !== hash) return fail('hash does not match the record (edited?)', record.seq);
      if (record.event === 'damage') damage.push({ file, line: index + 1, seq: record.seq, note: String(record.error) });
      prev = hash;
      records++;
    }
  }
  return { ok: true, records, files, damage };
}

/** The files of a log, oldest first: rotated ones, then the live one. */
export function auditFiles(path: string): string[] {
  return [...rotatedFiles(path), ...(existsSync(path) ? [path] : [])];
}
