/** A loopback HTTP server that records requests and answers from a table: QuantConnect's stand-in. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON, or the form fields of a multipart body. */
  body: unknown;
  contentType: string;
  /** The client went away before the answer was sent. */
  aborted: boolean;
}

export type Responder = (request: Recorded) => {
  status?: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Destroy the connection instead of answering. */
  drop?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
};

export interface Recorder {
  baseUrl: string;
  requests: Recorded[];
  respond: (path: string, responder: Responder) => void;
  close: () => Promise<void>;
}

async function parse(req: IncomingMessage, raw: Buffer): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return undefined;
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const out: Record<string, string> = {};
    for (const [key, value] of form.entries()) out[key] = typeof value === 'string' ? value : await value.text();
    return out;
  }
  return JSON.parse(raw.toString('utf8')) as unknown;
}

export async function startRecorder(fallback: Responder = () => ({ body: { success: true } })): Promise<Recorder> {
  const requests: Recorded[] = [];
  const table = new Map<string, Responder>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://recorder');
    const path = url.pathname.replace(/^\/api\/v2/, '');
    const record: Recorded = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      body: await parse(req, Buffer.concat(chunks)),
      contentType: req.headers['content-type'] ?? '',
      aborted: false,
    };
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    requests.push(record);
    const answer = (table.get(path) ?? fallback)(record);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (answer.drop) {
      req.socket.destroy();
      return;
    }
    const text = answer.raw ?? JSON.stringify(answer.body ?? { success: true });
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v2`,
    requests,
    respond: (path, responder) => void table.set(path, responder),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
