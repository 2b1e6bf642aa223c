/**
 * Large parts of tool results, kept in memory so `resources/read` can serve them at
 * quantconnect://results/{id}/{field}.json (or .csv for tables), and files tools export (CSV, PDF) at
 * quantconnect://results/{id}/{name}. Entries belong to the identity that made the call and live until
 * the store passes its size (oldest dropped first) or an hour passes.
 */
import { randomUUID } from 'node:crypto';

export const RESULTS_URI = 'quantconnect://results/';
const MAX_CHARS = 200_000_000;
const TTL_MS = 60 * 60 * 1000;

/** A stored file: text (CSV) or base64 bytes (PDF), as resources/read returns it. */
export type StoredFile = { mimeType: string; text: string } | { mimeType: string; blob: string };

interface Entry {
  identity: string;
  fields: Map<string, string>;
  files?: Map<string, StoredFile>;
  chars: number;
  at: number;
}

export class ResultStore {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;

  /** Keeps the JSON of each field; returns the id the URIs carry. */
  put(identity: string, fields: Record<string, unknown>): string {
    const id = randomUUID();
    const entry: Entry = { identity, fields: new Map(), chars: 0, at: Date.now() };
    for (const [name, value] of Object.entries(fields)) {
      const json = JSON.stringify(value);
      entry.fields.set(name, json);
      entry.chars += json.length;
    }
    this.entries.set(id, entry);
    this.chars += entry.chars;
    this.evict();
    return id;
  }

  /** Keeps exported files (text as is, bytes as base64); returns the id the URIs carry. */
  putFiles(identity: string, files: { name: string; mimeType: string; data: string | Uint8Array }[]): string {
    const id = randomUUID();
    const entry: Entry = { identity, fields: new Map(), files: new Map(), at: Date.now(), chars: 0 };
    for (const f of files) {
      const stored: StoredFile =
        typeof f.data === 'string' ? { mimeType: f.mimeType, text: f.data } : { mimeType: f.mimeType, blob: Buffer.from(f.data).toString('base64') };
      entry.files?.set(f.name, stored);
      entry.chars += 'text' in stored ? stored.text.length : stored.blob.length;
    }
    this.entries.set(id, entry);
    this.chars += entry.chars;
    this.evict();
    return id;
  }

  /** Why a results URI is not readable by this identity: the id, the owner or the file name, said plainly. */
  whyNot(uri: string, identity: string): string {
    const [id, file] = uri.slice(RESULTS_URI.length).split('/');
    const entry = id ? this.entries.get(id) : undefined;
    if (!entry)
      return `No result ${id || '(no id)'} on this server: results are kept for an hour (or until the store is full), then made again by calling the tool.`;
    if (entry.identity !== identity) return `No result ${id} for identity ${identity}: it was made by another identity, and only that identity can read it.`;
    const names = [...entry.fields.keys()].flatMap((f) => [`${f}.json`, `${f}.csv`]).concat([...(entry.files?.keys() ?? [])]);
    return `No result part "${decodeURIComponent(file ?? '')}" in result ${id}: it has ${names.join(', ')}.`;
  }

  private evict(): void {
    const now = Date.now();
    for (const [id, e] of this.entries) {
      if (this.chars <= MAX_CHARS && now - e.at < TTL_MS) break;
      this.entries.delete(id);
      this.chars -= e.chars;
    }
  }

  /** The text and MIME type at a results URI, or undefined when it is not there for this identity. */
  read(uri: string, identity: string): StoredFile | undefined {
    this.evict();
    if (!uri.startsWith(RESULTS_URI)) return undefined;
    const [id, file] = uri.slice(RESULTS_URI.length).split('/');
    const entry = id ? this.entries.get(id) : undefined;
    if (!entry || entry.identity !== identity) return undefined;
    const exported = entry.files?.get(decodeURIComponent(file ?? ''));
    if (exported) return exported;
    const m = /^(.+)\.(json|csv)$/.exec(decodeURIComponent(file ?? ''));
    if (!m) return undefined;
    const json = entry.fields.get(m[1] as string);
    if (json === undefined) return undefined;
    if (m[2] === 'json') return { text: json, mimeType: 'application/json' };
    const csv = toCsv(JSON.parse(json) as unknown);
    return csv === undefined ? undefined : { text: csv, mimeType: 'text/csv' };
  }
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** CSV (RFC 4180) of an array of arrays or an array of flat records (header: the keys, in first-seen order); undefined for anything else. */
export function toCsv(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (value.every((row) => Array.isArray(row))) return `${(value as unknown[][]).map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
  if (!value.every((row) => typeof row === 'object' && row !== null)) return undefined;
  const keys = [...new Set((value as Record<string, unknown>[]).flatMap((row) => Object.keys(row)))];
  return `${[keys.map(cell).join(','), ...(value as Record<string, unknown>[]).map((row) => keys.map((k) => cell(row[k])).join(','))].join('\r\n')}\r\n`;
}

/** One store per process: results are read back on the connection (or replica-local HTTP session) that made them. */
export const resultStore = new ResultStore();
