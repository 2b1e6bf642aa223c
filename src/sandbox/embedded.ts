/** The sandbox the server embeds when no credentials are set: loopback, random port, throwaway credentials. */
import { randomBytes } from 'node:crypto';
import { startSandbox, type SandboxOptions } from './server.js';

export interface EmbeddedSandbox {
  baseUrl: string;
  credentials: { userId: string; token: string };
  organizationId: string;
  /** Move the latest live deployment of a project by `equityChangePct` percent now (the shock endpoint's control). */
  shock: (projectId: number, equityChangePct: number) => Promise<{ ok: true; equity: number } | { ok: false; error: string }>;
  close: () => Promise<void>;
}

export async function startEmbeddedSandbox(options: Partial<SandboxOptions> = {}): Promise<EmbeddedSandbox> {
  const credentials = { userId: 'sandbox', token: randomBytes(16).toString('hex') };
  const { sandbox, baseUrl } = await startSandbox({ credentials, ...options });
  return {
    baseUrl,
    credentials,
    organizationId: sandbox.organizationId,
    shock: (projectId, equityChangePct) => sandbox.shockLive(projectId, equityChangePct),
    close: () => sandbox.close(),
  };
}
