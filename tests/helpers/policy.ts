/**
 * Policy test rig: one runtime (recording upstream, temp state dir, controllable clock) and any
 * number of MCP clients, each with its own identity, human (accept/decline/cancel/none) and
 * protocol era (2025 push elicitation, or 2026-07-28 input_required).
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { createRuntime, type RuntimeOptions } from '../../src/server/runtime.js';
import { createMcpServer, type Runtime } from '../../src/server/server.js';
import { testEnv } from './mcp.js';
import { writeOverlay } from './overlay.js';
import { startRecorder, type Recorder } from './recorder.js';

/** An overlay turning on the live toolset and, one by one, its financial and critical tools. */
export const LIVE_ON = {
  toolsets: { live: { default: true } },
  tools: {
    create_live_algorithm: { enabled: true },
    liquidate_live_algorithm: { enabled: true },
    create_live_command: { enabled: true },
    broadcast_live_command: { enabled: true },
  },
};

export type Human = 'accept' | 'decline' | 'cancel' | 'untick' | 'none';

export interface PolicyClient {
  client: Client;
  /** What this client's human was asked. */
  asked: string[];
  /** Change how the human answers from now on. */
  setHuman: (human: Exclude<Human, 'none'>) => void;
  call: (name: string, args?: Record<string, unknown>) => ReturnType<Client['callTool']>;
}

export interface Rig {
  runtime: Runtime;
  recorder: Recorder;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  clock: { now: number };
  connect: (options?: { identity?: string; human?: Human; era?: 'legacy' | 'modern' }) => Promise<PolicyClient>;
  /** Upstream requests to a path. */
  sent: (path: string) => number;
  close: () => Promise<void>;
}

export async function policyRig(overlay: unknown, options: Partial<RuntimeOptions> = {}, extraEnv: Record<string, string> = {}): Promise<Rig> {
  const recorder = await startRecorder();
  const clock = { now: Date.UTC(2026, 10, 21, 12, 0, 0) };
  const env = { ...testEnv(recorder.baseUrl, { QC_MCP_TOOLS: writeOverlay(overlay), ...extraEnv }) };
  const runtime = await createRuntime({ env, log: () => {}, now: () => clock.now, ...options });
  const closers: (() => Promise<void>)[] = [];

  const connect: Rig['connect'] = async ({ identity = 'local', human = 'accept', era = 'legacy' } = {}) => {
    let answer: Exclude<Human, 'none'> = human === 'none' ? 'accept' : human;
    const asked: string[] = [];
    const client = new Client(
      { name: `policy-${identity}`, version: '1.0.0' },
      {
        ...(human === 'none' ? {} : { capabilities: { elicitation: { form: {} } } }),
        ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      },
    );
    if (human !== 'none') {
      client.setRequestHandler('elicitation/create', async (request) => {
        asked.push(String((request.params as { message?: string }).message));
        if (answer === 'accept') return { action: 'accept', content: { confirm: true } };
        if (answer === 'untick') return { action: 'accept', content: { confirm: false } };
        return { action: answer };
      });
    }
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    if (era === 'modern') {
      const handle = serveStdio(() => createMcpServer(runtime, { identity }), { transport: serverTransport });
      closers.push(() => handle.close());
    } else {
      const server = createMcpServer(runtime, { identity });
      await server.connect(serverTransport);
      closers.push(() => server.close());
    }
    await client.connect(clientTransport);
    closers.push(() => client.close());
    return {
      client,
      asked,
      setHuman: (h) => void (answer = h),
      call: (name, args = {}) => client.callTool({ name, arguments: args }),
    };
  };

  return {
    runtime,
    recorder,
    stateDir: String(env.QC_MCP_STATE_DIR),
    env,
    clock,
    connect,
    sent: (path) => recorder.requests.filter((r) => r.path === path).length,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
      await runtime.close();
      await recorder.close();
    },
  };
}

export const text = (result: { content?: unknown }): string => JSON.stringify(result.content ?? '');
