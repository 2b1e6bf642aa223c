/** `quantconnect-mcp tools`: the inventory as operators see it, after tools.yaml and the overlay. */
import type { FlagValues } from '../config/settings.js';
import { createRuntime } from '../server/runtime.js';

export async function printToolTable(flags: FlagValues = {}): Promise<void> {
  const runtime = await createRuntime({ log: () => {}, flags });
  try {
    const rows = runtime.registry.all().map((tool) => {
      const availability = runtime.registry.availability(tool);
      const policy = runtime.registry.policy(tool);
      const limits = policy.limits.map((l) => `${l.max}/${typeof l.window === 'number' ? `${l.window}s` : l.window}`).join(',');
      return [tool.name, tool.toolset, tool.risk, tool.severity, availability.available ? 'yes' : 'no', policy.confirm.value ? 'yes' : 'no', limits || '-'];
    });
    const header = ['name', 'toolset', 'risk', 'severity', 'enabled', 'confirm', 'limits'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
    process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  } finally {
    await runtime.close();
  }
}
