/**
 * What stands between stdin and the SDK's stdio transport: it splits the stream into lines and
 * answers, itself, the ones the transport would drop or choke on, so the server never goes deaf.
 * A line longer than the limit is discarded as it streams (never buffered whole) and answered
 * with a JSON-RPC "Invalid Request" error; a line that is not JSON gets "Parse error"; a JSON
 * value that is not a JSON-RPC message gets "Invalid Request" (with its id when it has one).
 * Every other line passes through unchanged.
 */
import { readSetting } from '../config/settings.js';
import { Transform, type TransformCallback } from 'node:stream';
import { parseJSONRPCMessage } from '@modelcontextprotocol/server';

/** Default QC_MCP_STDIO_MAX_BYTES: the SDK's own read-buffer limit (10 MiB). */
export const DEFAULT_STDIO_MAX_BYTES = 10 * 1024 * 1024;

/** QC_MCP_STDIO_MAX_BYTES as a number of bytes, or throws with what is wrong. */
export function stdioMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = readSetting('stdioMaxBytes', env) ?? DEFAULT_STDIO_MAX_BYTES;
  if (n < 1024) throw new Error(`QC_MCP_STDIO_MAX_BYTES must be a whole number of bytes, at least 1024 (got ${n})`);
  return n;
}

type Id = string | number | null;
const errorLine = (id: Id, code: number, message: string): string => `${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`;

export class StdioGuard extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of an oversize line thrown away so far (0 when not discarding). */
  private discarded = 0;

  constructor(
    private readonly maxBytes: number,
    /** Writes an answer to the client (stdout). */
    private readonly answer: (line: string) => void,
    private readonly log: (line: string) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, from)) {
      this.collect(chunk.subarray(from, newline));
      this.endLine();
      from = newline + 1;
    }
    if (from < chunk.length) this.collect(chunk.subarray(from));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pendingBytes > 0 || this.discarded > 0) this.endLine();
    done();
  }

  private collect(part: Buffer): void {
    if (part.length === 0) return;
    if (this.discarded > 0) {
      this.discarded += part.length;
      return;
    }
    if (this.pendingBytes + part.length > this.maxBytes) {
      this.discarded = this.pendingBytes + part.length;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  private endLine(): void {
    if (this.discarded > 0) {
      const size = this.discarded;
      this.discarded = 0;
      const message = `Request too large: a message of ${size} bytes exceeds the server's limit of ${this.maxBytes} bytes (QC_MCP_STDIO_MAX_BYTES); it was discarded`;
      this.log(`quantconnect-mcp: ${message}.`);
      this.answer(errorLine(null, -32600, `${message}.`));
      return;
    }
    const line = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.answer(errorLine(null, -32700, 'Parse error: the message is not valid JSON.'));
      return;
    }
    try {
      parseJSONRPCMessage(parsed);
    } catch (error) {
      const id = (parsed as { id?: unknown } | null)?.id;
      const known: Id = typeof id === 'string' || typeof id === 'number' ? id : null;
      this.answer(errorLine(known, -32600, `Invalid Request: not a JSON-RPC 2.0 message (${(error as Error).message.slice(0, 300)}).`));
      return;
    }
    this.push(`${line}\n`);
  }
}
