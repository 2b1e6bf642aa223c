/**
 * The two doors a real MCP client comes through, against a recording upstream: the built CLI spawned
 * over stdio (identity `local`), and Streamable HTTP in front of a runtime with two bearer grants
 * (identities `alice` and `bob`). Both read the operator's policy from QC_MCP_TOOLS.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { GrantStore } from '../../src/policy/grants.js';
import { startHttp } from '../../src/http/serve.js';
import { createRuntime } from '../../src/server/runtime.js';
import { testEnv } from './mcp.js';
import { startRecorder, type Recorder } from './recorder.js';

export type DoorKind = 'stdio' | 'http';
export const CLI = 'dist/src/cli/main.js';

export interface Door {
  kind: DoorKind;
  recorder: Recorder;
  /** A client; over HTTP `who` picks the grant (over stdio there is one identity, `local`). Its human accepts unless told otherwise. */
  connect: (options?: { who?: 'alice' | 'bob'; human?: 'accept' | 'decline' }) => Promise<Client>;
  /** What the server wrote to stderr (stdio only). */
  stderr: () => string;
  sent: (path: string) => number;
  close: () => Promise<void>;
}

export async function openDoor(kind: DoorKind, policyFile: string, extraEnv: Record<string, string> = {}): Promise<Door> {
  const recorder = await startRecorder();
  const env = testEnv(recorder.baseUrl, { QC_MCP_TOOLS: policyFile, ...extraEnv });
  const closers: (() => Promise<void>)[] = [];
  let stderr = '';
  const human = (c: Client, answer: 'accept' | 'decline') =>
    c.setRequestHandler('elicitation/create', async () => (answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' }));
  const newClient = (answer: 'accept' | 'decline'): Client => {
    const c = new Client({ name: `door-${kind}`, version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    human(c, answer);
    return c;
  };

  let connect: Door['connect'];
  if (kind === 'stdio') {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
    connect = async ({ human: answer = 'accept' } = {}) => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [CLI],
        env: { PATH: process.env.PATH ?? '', ...env } as Record<string, string>,
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const c = newClient(answer);
      await c.connect(transport);
      closers.push(() => c.close());
      return c;
    };
  } else {
    const stateDir = String(env.QC_MCP_STATE_DIR);
    const grants = new GrantStore(join(mkdtempSync(join(tmpdir(), 'qcmcp-door-')), 'grants.yaml'));
    const tokens = { alice: grants.add({ id: 'alice' }), bob: grants.add({ id: 'bob' }) };
    const runtime = await createRuntime({ env: { ...env, QC_MCP_STATE_DIR: stateDir }, log: (line) => void (stderr += `${line}\n`) });
    const http = await startHttp(runtime, { host: '127.0.0.1', port: 0, grantsPath: grants.path, log: () => {} });
    closers.push(async () => {
      await http.close();
      await runtime.close();
    });
    connect = async ({ who = 'alice', human: answer = 'accept' } = {}) => {
      const c = newClient(answer);
      await c.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${tokens[who]}` } } }));
      closers.push(() => c.close());
      return c;
    };
  }
  return {
    kind,
    recorder,
    connect,
    stderr: () => stderr,
    sent: (path) => recorder.requests.filter((r) => r.path === path).length,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
      await recorder.close();
    },
  };
}
