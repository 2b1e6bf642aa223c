/** `quantconnect-mcp guard`: the live guard alone (beside a stdio client); `guard status`: what it last saw and did. */
import { readEnv, SettingsError } from '../config/env.js';
import type { FlagValues } from '../config/settings.js';
import { openGuardCoordination } from '../policy/guard-lease.js';
import { startGuard } from '../server/guard.js';
import { createRuntime } from '../server/runtime.js';

export async function guardCommand(sub: string | undefined, flags: FlagValues = {}): Promise<number> {
  const env = readEnv(process.env, flags);
  if (sub === 'status') {
    const coordination = await openGuardCoordination(env.stateUrl, env.stateDir);
    const status = await coordination.readStatus().finally(() => coordination.close());
    if (!status) {
      process.stderr.write(`quantconnect-mcp: no guard has reported yet (${env.stateUrl ? 'Redis' : env.stateDir}).\n`);
      return 1;
    }
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return 0;
  }
  if (sub !== undefined) throw new SettingsError(`guard takes no argument or 'status' (got '${sub}')`);
  const runtime = await createRuntime({ watch: false });
  const guard = await startGuard(runtime, env.stateUrl);
  if (!guard) {
    await runtime.close();
    throw new SettingsError('no guard: section in tools.yaml or the overlay (QC_MCP_TOOLS); see docs/operators.md, "Live guard"');
  }
  const stop = async (): Promise<void> => {
    await guard.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return -1;
}
