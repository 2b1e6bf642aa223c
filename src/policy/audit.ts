/**
 * The audit log: append-only JSONL, one record per decision and per outcome. Records are
 * hash-chained (each carries the previous record's hash), written (and optionally fsynced) before
 * the call's result is returned, and rotated without breaking the chain. `verify` names the first
 * broken link. Records hold the SHA-256 of the arguments and their top-level keys, never values.
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
import { basename, dirname, join } from 'node:path';
import { canonicalJson, sha256Hex } from './canonical.js';

export const GENESIS = '0'.repeat(64);

export interface AuditFields {
  call_id: string;
  identity: string;
  tool: string;
  risk?: string;
  severity?: string;
  event: 'decision' | 'outcome';
  /** decision: confirmation_requested | human_accepted | human_declined | approval_pending | approval_used | reserved;
   *  outcome: ok | error | denied | invalid */
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
}

const hashOf = (record: Omit<AuditRecord, 'hash'>): string => sha256Hex(`${record.prev}\n${canonicalJson(record)}`);

/** The last line of a file, read from its end. */
function lastLine(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let chunk = 4096;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      const lines = buffer.toString('utf8').split('\n').filter((l) => l.trim() !== '');
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

export class AuditLog {
  private fd: number | undefined;
  private prev = GENESIS;
  private seq = 0;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly options: AuditOptions = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    const tailSource = existsSync(path) && statSync(path).size > 0 ? path : rotatedFiles(path).at(-1);
    if (tailSource) {
      const line = lastLine(tailSource);
      if (line) {
        const last = JSON.parse(line) as AuditRecord;
        this.prev = last.hash;
        this.seq = last.seq;
      }
    }
  }

  private open(): number {
    if (this.fd === undefined) {
      this.fd = openSync(this.path, 'a', 0o600);
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const next = (rotatedFiles(this.path).map((f) => Number(f.slice(this.path.length + 1))).at(-1) ?? 0) + 1;
    renameSync(this.path, `${this.path}.${next}`);
  }

  /** Append one record; returns it. Throws if it cannot be written (the caller must not proceed). */
  append(fields: AuditFields): AuditRecord {
    if (this.options.maxBytes && this.size > this.options.maxBytes && existsSync(this.path)) this.rotate();
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
    const fd = this.open();
    writeSync(fd, line);
    if (this.options.fsync) fsyncSync(fd);
    this.size += Buffer.byteLength(line);
    this.prev = record.hash;
    this.seq = record.seq;
    return record;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  files: string[];
  /** The first broken record: file, line (1-based), seq, and what is wrong. */
  broken?: { file: string; line: number; seq: number | undefined; reason: string };
}

/** Verify the chain across `files` (oldest first). The first record of the first file must start at genesis. */
export function verifyAudit(files: string[]): VerifyResult {
  let prev = GENESIS;
  let records = 0;
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      const fail = (reason: string, seq?: number): VerifyResult => ({ ok: false, records, files, broken: { file, line: index + 1, seq, reason } });
      let record: AuditRecord;
      try {
        record = JSON.parse(line) as AuditRecord;
      } catch {
        return fail('not valid JSON');
      }
      if (record.prev !== prev) return fail(`prev ${String(record.prev).slice(0, 12)}… does not match the previous record's hash ${prev.slice(0, 12)}…`, record.seq);
      const { hash, ...body } = record;
      if (hashOf(body) !== hash) return fail('hash does not match the record (edited?)', record.seq);
      prev = hash;
      records++;
    }
  }
  return { ok: true, records, files };
}

/** The files of a log, oldest first: rotated ones, then the live one. */
export function auditFiles(path: string): string[] {
  return [...rotatedFiles(path), ...(existsSync(path) ? [path] : [])];
}
