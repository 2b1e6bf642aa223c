/** The server's own version and the newest published one; where the credentials stand (never the token). */
import { execFile } from 'node:child_process';
import { z } from 'zod';
import { checkAccount } from '../../src/qc/account-check.js';
import { packageVersion } from '../../src/config/package-info.js';
import { ToolError } from '../../src/tool/results.js';
import { definePlugin, defineTool } from '../../src/tool/tool.js';
import { waitForJob } from './wait-for-job.js';

export const PACKAGE_NAME = 'quantconnect-mcp';

/** `npm view <name> version`, through the user's own npm and its configured registry. */
export function npmViewVersion(name: string, signal: AbortSignal, npm: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(npm, ['view', name, 'version'], { timeout: 20_000, signal, shell: process.platform === 'win32' }, (error, stdout, stderr) => {
      if (error) reject(new ToolError(`npm could not look up ${name}: ${(stderr || error.message).trim().split('\n')[0] ?? ''}`));
      else resolve(stdout.trim());
    });
  });
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export default definePlugin({
  name: 'meta',
  tools: [
    defineTool({
      name: 'read_mcp_server_version',
      title: 'Read server version',
      description: 'The version of this quantconnect-mcp server.',
      toolset: 'meta',
      risk: 'read',
      severity: 'low',
      input: z.object({}),
      output: z.object({ result: z.string() }),
      handler: async () => ({ structured: { result: packageVersion() }, text: packageVersion() }),
    }),
    defineTool({
      name: 'read_latest_mcp_server_version',
      title: 'Read latest server version',
      description: 'The newest published version of quantconnect-mcp (asked of npm), and whether this server is older.',
      toolset: 'meta',
      risk: 'read',
      severity: 'low',
      openWorld: true,
      input: z.object({}),
      output: z.object({ result: z.string(), current: z.string(), update_available: z.boolean() }),
      handler: async (_args, ctx) => {
        const latest = await npmViewVersion(PACKAGE_NAME, ctx.signal, ctx.settings.npm);
        if (!/^\d+\.\d+\.\d+/.test(latest)) throw new ToolError(`npm answered an unexpected version string: ${latest.slice(0, 80)}`);
        const current = packageVersion();
        return { structured: { result: latest, current, update_available: compareVersions(latest, current) > 0 }, text: latest };
      },
    }),
    defineTool({
      name: 'get_auth_status',
      title: 'Authentication status',
      description:
        'Which QuantConnect account this server acts for: masked user id, organization, credential source (environment or login file), sandbox or not. No secret is ever shown, and no tool takes one.',
      toolset: 'meta',
      risk: 'read',
      severity: 'low',
      input: z.object({}),
      output: z.object({
        backend: z.string(),
        sandbox: z.boolean(),
        user_id: z.string().nullable(),
        organization_id: z.string().nullable(),
        credentials_source: z.string(),
      }),
      handler: async (_args, ctx) => ({
        structured: {
          backend: ctx.settings.backend,
          sandbox: ctx.settings.backend === 'sandbox',
          user_id: ctx.settings.auth.userIdMasked,
          organization_id: ctx.settings.organizationId ?? null,
          credentials_source: ctx.settings.auth.source,
        },
      }),
    }),
    defineTool({
      name: 'validate_quantconnect_auth',
      title: 'Validate credentials',
      description:
        "Check that QuantConnect accepts this server's credentials (one signed account read) and report the organization and credit balance, or what to fix.",
      toolset: 'meta',
      risk: 'read',
      severity: 'low',
      openWorld: true,
      input: z.object({}),
      output: z.object({
        valid: z.boolean(),
        backend: z.string(),
        organization_id: z.string().nullable(),
        credit_balance: z.number().nullable(),
        problem: z.string().optional(),
      }),
      handler: async (_args, ctx) => {
        const check = await checkAccount(ctx.qc, ctx.settings.organizationId, ctx.signal);
        const backend = ctx.settings.backend;
        if (!check.valid)
          return { structured: { valid: false, backend, organization_id: ctx.settings.organizationId ?? null, credit_balance: null, problem: check.problem } };
        return { structured: { valid: true, backend, organization_id: check.organizationId, credit_balance: check.creditBalance } };
      },
    }),
    waitForJob,
  ],
});
