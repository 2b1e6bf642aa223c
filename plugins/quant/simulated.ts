/**
 * Results computed on the simulated market say so: a tool whose structured result has
 * data_source "simulated" gets a one-line note before its JSON text. Applied to the research,
 * portfolio and universe plugins as a whole, so no tool can forget it.
 */
import type { Plugin } from '../../src/tool/tool.js';
import { SIMULATED_NOTE } from '../quant/data/sim-source.js';

export function markSimulated(plugin: Plugin): Plugin {
  return {
    ...plugin,
    tools: plugin.tools.map((tool) => ({
      ...tool,
      handler: async (args, ctx) => {
        const result = await tool.handler(args, ctx);
        if (result.structured.data_source !== 'simulated') return result;
        return { ...result, text: `${SIMULATED_NOTE}\n${result.text ?? JSON.stringify(result.structured)}` };
      },
    })),
  };
}
