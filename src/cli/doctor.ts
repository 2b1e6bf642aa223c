/**
 * `quantconnect-mcp doctor`: check what the server needs and say, in a sentence each, what holds
 * and what to fix: Node, the state directory, Redis, the policy files and grants, the guard, the
 * credentials and the backend's answer, the audit path and the research data source.
 * Exit 0 when nothing failed, 1 otherwise.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readEnv, type EnvSettings } from '../config/env.js';
import type { FlagValues } from '../config/settings.js';
import { GrantStore } from '../policy/grants.js';
import { openState } from '../policy/state.js';
import { offSummary } from '../server/off-tools.js';
import type { Runtime } from '../server/server.js';
import { checkAccount } from '../qc/account-check.js';
import { createRuntime } from '../server/runtime.js';

type Status = 'ok' | 'warn' | 'fail';
type Report = (status: Status, what: string, detail: string) => void;

/** Why the state directory cannot be used, or undefined when it can. */
function checkStateDir(stateDir: string): string | undefined {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    accessSync(stateDir, constants.W_OK);
    return undefined;
  } catch (error) {
    return `${stateDir} cannot be created or written (${(error as Error).message}). Set QC_MCP_STATE_DIR to a folder this account can write.`;
  }
}

/** Reports Redis; returns false when it is set and cannot be used. */
async function checkRedis(url: string | undefined, stateDir: string, report: Report): Promise<boolean> {
  if (!url) {
    report('ok', 'Redis', `not used: policy state stays in files in ${stateDir}. Set QC_MCP_STATE=redis://… only when several replicas must share it.`);
    return true;
  }
  try {
    const state = await openState(url, stateDir);
    await state.lockdown.isOn();
    await state.close();
    report('ok', 'Redis', 'reachable: limits, approvals and lockdown are shared by every replica that uses it.');
    return true;
  } catch (error) {
    report(
      'fail',
      'Redis',
      `${(error as Error).message.replace(/\.+$/, '')}. While Redis is unreachable, limited and confirmed tools are refused; start Redis or fix QC_MCP_STATE.`,
    );
    return false;
  }
}

function policyFiles(runtime: Runtime, env: EnvSettings, report: Report): void {
  const files = runtime.registry.operatorConfig.sources;
  const listed = runtime.registry.listed().length;
  const off = offSummary(runtime.registry);
  report(
    'ok',
    'policy files',
    `${files.join(' then ')} ${files.length === 1 ? 'loads' : 'load'} without errors: ${listed} tools are served` +
      (off.toolsets.length > 0 ? `; toolsets ${off.toolsets.join(', ')} are off` : '') +
      (env.readOnly ? '; read-only mode is on (QC_MCP_READ_ONLY)' : '') +
      `. ${env.toolsOverlay ? '' : 'No overlay is set (QC_MCP_TOOLS), so the packaged defaults apply.'}`.trimEnd(),
  );
  const grantsPath = env.grantsPath ?? join(env.stateDir, 'grants.yaml');
  try {
    const grants = new GrantStore(grantsPath).all();
    report(
      'ok',
      'grants',
      grants.length === 0
        ? `none in ${grantsPath}, so HTTP serves loopback callers only.`
        : `${grants.length} in ${grantsPath} (${grants.map((g) => g.id).join(', ')}).`,
    );
  } catch (error) {
    report('fail', 'grants', `${grantsPath} cannot be read: ${(error as Error).message}`);
  }
}
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

  const stateProblem = checkStateDir(env.stateDir);
  if (stateProblem) report('fail', 'state dir', stateProblem);
  else report('ok', 'state dir', `${env.stateDir} is writable; limits, approvals, lockdown, the audit log and the console secret are kept there.`);
  const redisOk = await checkRedis(env.stateUrl, env.stateDir, report);

  let runtime;
  try {
    // With Redis already reported as unreachable, the other checks run on file state.
    runtime = await createRuntime({ log: () => {}, flags, ...(redisOk ? {} : { env: { ...process.env, QC_MCP_STATE: '' } }) });
  } catch (error) {
    report('fail', 'policy files', `the configuration does not load, so the server would not start: ${(error as Error).message}`);
    return 1;
  }
  policyFiles(runtime, env, report);
  report('ok', 'guard', 'not configured: this version has no live guard, so nothing watches live deployments on its own.');
  try {
    if (runtime.settings.backend === 'sandbox') {
      report(
        'warn',
        'credentials',
        'none set, so the embedded sandbox answers with simulated results. To use your account, run `npx quantconnect-mcp login`, or set QUANTCONNECT_USER_ID and QUANTCONNECT_API_TOKEN.',
      );
    } else {
      report('ok', 'credentials', `set in the ${env.credentialsSource}, for user ${runtime.settings.auth.userIdMasked ?? '?'}.`);
    }
    const check = await checkAccount(runtime.qc, runtime.settings.organizationId);
    const where = runtime.settings.backend === 'sandbox' ? 'the embedded sandbox' : env.baseUrl;
    if (check.valid)
      report('ok', 'QuantConnect', `accepted the credentials: ${where} answered a signed account read (organization ${check.organizationId ?? 'default'}).`);
    else report('fail', 'QuantConnect', `${check.problem} (asked ${where}).`);

    const audit = env.auditLog ?? join(env.stateDir, 'audit.jsonl');
    try {
      mkdirSync(dirname(audit), { recursive: true });
      accessSync(dirname(audit), constants.W_OK);
      report('ok', 'audit log', `${audit} can be written; every call is recorded there.`);
    } catch {
      report('fail', 'audit log', `${dirname(audit)} is not writable: set QC_MCP_AUDIT_LOG or QC_MCP_STATE_DIR to a writable place`);
    }

    const data = runtime.settings.data;
    const why = runtime.settings.dataOrigin;
    if (!data)
      report(
        'warn',
        'data source',
        `none (${why}): research tools need a LEAN CLI workspace (lean.json, or QC_MCP_LEAN_CONFIG) or QC_MCP_DATA=csv:DIR | lean:DIR | objectstore:PREFIX | sim:`,
      );
    else {
      const [kind, ...rest] = data.split(':');
      const dir = rest.join(':');
      if (kind === 'sim') report('warn', 'data source', `${data} SIMULATED market, not real prices (from ${why})`);
      else if (kind === 'objectstore') report('ok', 'data source', `${data} (from ${why})`);
      else if (!existsSync(dir)) report('fail', 'data source', `${data}: ${dir} does not exist`);
      else if (kind === 'lean' && !existsSync(join(dir, 'equity', 'usa')))
        report('fail', 'data source', `${data}: no equity/usa folder; point lean: at LEAN's data folder`);
      else
        report(
          'ok',
          'data source',
          `${data}${kind === 'csv' ? ` (${readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.csv')).length} CSV files)` : ''} (from ${why})`,
        );
    }
  } finally {
    await runtime.close();
  }
  out(failed ? 'Some checks failed: fix the FAIL lines above.' : 'All checks passed.');
  return failed ? 1 : 0;
}
