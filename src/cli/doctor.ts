/**
 * `quantconnect-mcp doctor`: check what the server needs and say what to fix. Node's version, the
 * credentials (one signed account read), the configuration (tools.yaml and the overlay), the audit
 * path, and the research data source. Exit 0 when nothing failed, 1 otherwise.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readEnv } from '../config/env.js';
import type { FlagValues } from '../config/settings.js';
import { checkAccount } from '../qc/account-check.js';
import { createRuntime } from '../server/runtime.js';

type Status = 'ok' | 'warn' | 'fail';
const MARK: Record<Status, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export async function doctor(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), flags: FlagValues = {}): Promise<number> {
  let failed = false;
  const report = (status: Status, what: string, detail: string) => {
    if (status === 'fail') failed = true;
    out(`${MARK[status]}  ${what}: ${detail}`);
  };

  const major = Number(process.versions.node.split('.')[0]);
  report(major >= 20 ? 'ok' : 'fail', 'node', major >= 20 ? `v${process.versions.node}` : `v${process.versions.node} is too old: install Node.js 20 or newer`);

  let env;
  try {
    env = readEnv(process.env, flags);
  } catch (error) {
    report('fail', 'settings', (error as Error).message);
    return 1;
  }

  let runtime;
  try {
    runtime = await createRuntime({ log: () => {}, flags });
    const listed = runtime.registry.listed().length;
    report('ok', 'config', `tools.yaml${env.toolsOverlay ? ` + ${env.toolsOverlay}` : ''}: ${listed} tools enabled`);
  } catch (error) {
    report('fail', 'config', (error as Error).message);
    return 1;
  }
  try {
    if (runtime.settings.backend === 'sandbox') {
      report('warn', 'credentials', 'none set, so the embedded sandbox answers (simulated results). Run quantconnect-mcp login, or set QUANTCONNECT_USER_ID and QUANTCONNECT_API_TOKEN');
    } else {
      report('ok', 'credentials', `from the ${env.credentialsSource} (user ${runtime.settings.auth.userIdMasked ?? '?'})`);
    }
    const check = await checkAccount(runtime.qc, runtime.settings.organizationId);
    if (check.valid) report('ok', 'QuantConnect', `${runtime.settings.backend === 'sandbox' ? 'sandbox ' : ''}accepted the credentials (organization ${check.organizationId ?? 'default'})`);
    else report('fail', 'QuantConnect', check.problem);

    const audit = env.auditLog ?? join(env.stateDir, 'audit.jsonl');
    try {
      mkdirSync(dirname(audit), { recursive: true });
      accessSync(dirname(audit), constants.W_OK);
      report('ok', 'audit log', audit);
    } catch {
      report('fail', 'audit log', `${dirname(audit)} is not writable: set QC_MCP_AUDIT_LOG or QC_MCP_STATE_DIR to a writable place`);
    }

    const data = runtime.settings.data;
    const why = runtime.settings.dataOrigin;
    if (!data) report('warn', 'data source', `none (${why}): research tools need a LEAN CLI workspace (lean.json, or QC_MCP_LEAN_CONFIG) or QC_MCP_DATA=csv:DIR | lean:DIR | objectstore:PREFIX | sim:`);
    else {
      const [kind, ...rest] = data.split(':');
      const dir = rest.join(':');
      if (kind === 'sim') report('warn', 'data source', `${data} SIMULATED market, not real prices (from ${why})`);
      else if (kind === 'objectstore') report('ok', 'data source', `${data} (from ${why})`);
      else if (!existsSync(dir)) report('fail', 'data source', `${data}: ${dir} does not exist`);
      else if (kind === 'lean' && !existsSync(join(dir, 'equity', 'usa'))) report('fail', 'data source', `${data}: no equity/usa folder; point lean: at LEAN's data folder`);
      else report('ok', 'data source', `${data}${kind === 'csv' ? ` (${readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.csv')).length} CSV files)` : ''} (from ${why})`);
    }
  } finally {
    await runtime.close();
  }
  out(failed ? 'Some checks failed: fix the FAIL lines above.' : 'All checks passed.');
  return failed ? 1 : 0;
}
