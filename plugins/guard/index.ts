/** read_guard_status: what the live guard running in this server watches, last saw and did. */
import { z } from 'zod';
import { definePlugin, defineTool } from '../../src/tool/tool.js';

/** Where the server's guard leaves its status reader (src/server/guard.ts GUARD_STATE_KEY). */
const GUARD_STATE_KEY = 'guard.status';

export default definePlugin({
  name: 'guard',
  tools: [
    defineTool({
      name: 'read_guard_status',
      title: 'Read live guard status',
      description:
        "The operator's live guard: its rules, last evaluation, each watched deployment's figures (daily loss, drawdown, sigma, idle hours), breaches and actions taken.",
      toolset: 'live',
      risk: 'read',
      severity: 'low',
      input: z.object({}),
      output: z.object({ running: z.boolean() }).passthrough(),
      handler: async (_args, ctx) => {
        const read = ctx.state.get(GUARD_STATE_KEY) as (() => Record<string, unknown>) | undefined;
        if (!read) {
          return {
            structured: { running: false },
            text: 'No live guard runs in this server (no guard: section in its configuration). A standalone guard reports with `npx quantconnect-mcp guard status`.',
          };
        }
        return { structured: { running: true, ...read() } };
      },
    }),
  ],
});
