/**
 * The live guard: every interval_s, reads the watched running deployments through the pipeline
 * (identity `guard`), evaluates the operator's rules (src/policy/guard-rules.ts) and acts on a
 * breach without a human: the operator's `guard:` section pre-authorised those actions. Each action
 * is taken once per breach, audited with the rule, the figures and QuantConnect's answer, retried
 * with backoff when it fails and then escalated to lockdown. Only the holder of the guard lease
 * (a lock file, or a Redis lease across replicas) acts.
 */
import { readSetting } from '../config/settings.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { conditionOf, type GuardAction, type GuardSection } from '../config/guard-schema.js';
import { evaluateRules, measure, type EquityPoint, type Evaluation, type Measured } from '../policy/guard-rules.js';
import { openGuardCoordination, type GuardCoordination } from '../policy/guard-lease.js';
import { sleep } from '../util/sleep.js';
import type { ToolReturn } from '../tool/tool.js';
import { callInternally } from './call.js';
import type { Caller } from './call-state.js';
import type { Runtime } from './runtime.js';
import { createMcpServer } from './server.js';

export const GUARD_IDENTITY = 'guard';
const READS = ['list_live_algorithms', 'read_live_algorithm', 'read_live_chart', 'read_live_orders'];
const ACTION_TOOLS: Record<GuardAction, string | undefined> = {
  notify: undefined,
  lockdown: undefined,
  stop: 'stop_live_algorithm',
  liquidate: 'liquidate_live_algorithm',
};
/** The order breaches are acted on in: the strongest first, so a liquidation makes a stop unneeded. */
const STRENGTH: Record<GuardAction, number> = { liquidate: 3, stop: 2, lockdown: 1, notify: 0 };

export interface GuardNotice {
  level: 'warning' | 'error' | 'info' | 'alert';
  message: string;
  data: Record<string, unknown>;
}

export interface DeploymentStatus {
  projectId: number;
  deployId: string;
  brokerage: string | null;
  figures: Measured;
  evaluations: Evaluation[];
}

export interface GuardActionRecord {
  time: string;
  projectId: number;
  deployId: string;
  rule: number;
  condition: string;
  value: number | null;
  threshold: number;
  action: GuardAction;
  outcome: 'done' | 'failed' | 'escalated';
  attempts: number;
  answer: unknown;
}

export interface GuardStatus {
  owner: string;
  role: 'acting' | 'standby' | 'starting';
  coordination: 'file' | 'redis';
  intervalS: number;
  deployments: 'all' | number[];
  rules: GuardSection['rules'];
  at: string;
  lastEvaluation: string | null;
  lastError: string | null;
  watched: DeploymentStatus[];
  actions: GuardActionRecord[];
}

export interface GuardOptions {
  log?: (line: string) => void;
  /** Delivers a notice to connected clients (MCP logging) and the webhook. */
  notify?: (notice: GuardNotice) => void;
  /** First retry delay; doubles each retry (1 s by default). */
  backoffMs?: number;
  webhook?: string | undefined;
  fetch?: typeof fetch;
}

const money = (text: unknown): number | undefined => {
  if (typeof text === 'number') return text;
  if (typeof text !== 'string') return undefined;
  const n = Number(text.replace(/[^0-9.-]/g, ''));
  return text.trim() === '' || !Number.isFinite(n) ? undefined : n;
};
const timeOf = (value: unknown): number | undefined => {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
};

export class Guard {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly samples = new Map<string, EquityPoint[]>();
  private readonly state: GuardStatus;
  private readonly caller: Caller;
  private readonly server;

  private constructor(
    private readonly runtime: Runtime,
    private readonly section: GuardSection,
    private readonly at: string,
    private readonly coordination: GuardCoordination,
    private readonly options: GuardOptions,
  ) {
    const tools = new Set([...READS, ...section.rules.map((r) => ACTION_TOOLS[r.action]).filter((t): t is string => t !== undefined)]);
    if (section.rules.some((r) => r.action === 'liquidate')) tools.add('stop_live_algorithm');
    this.caller = { identity: GUARD_IDENTITY, preauthorised: { at, tools } };
    this.server = createMcpServer(runtime, { identity: GUARD_IDENTITY });
    this.state = {
      owner: this.owner,
      role: 'starting',
      coordination: coordination.kind,
      intervalS: section.interval_s,
      deployments: section.deployments,
      rules: section.rules,
      at,
      lastEvaluation: null,
      lastError: null,
      watched: [],
      actions: [],
    };
  }

  static async open(runtime: Runtime, section: GuardSection, at: string, stateUrl: string | undefined, options: GuardOptions = {}): Promise<Guard> {
    return new Guard(runtime, section, at, await openGuardCoordination(stateUrl, runtime.policy.stateDir), options);
  }

  get leaseMs(): number {
    return (this.section.lease_s ?? Math.max(5, 3 * this.section.interval_s)) * 1000;
  }

  status(): GuardStatus {
    return structuredClone(this.state);
  }

  /** Evaluate every interval_s until closed (the first evaluation now). */
  start(): void {
    const loop = async (): Promise<void> => {
      if (this.closed) return;
      this.running = this.tick();
      await this.running;
      if (!this.closed) this.timer = setTimeout(() => void loop(), this.section.interval_s * 1000);
    };
    void loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running?.catch(() => {});
    await this.coordination.release(this.owner).catch(() => {});
    await this.coordination.close();
    await this.server.close().catch(() => {});
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`quantconnect-mcp guard: ${line}`);
  }

  private call(name: string, args: Record<string, unknown>): Promise<ToolReturn> {
    return callInternally(this.runtime, this.server, this.caller, name, args, this.abort.signal);
  }

  /** One evaluation: take or renew the lease, read, evaluate, act. Never throws. */
  async tick(): Promise<void> {
    try {
      const holds = await this.coordination.acquire(this.owner, this.leaseMs, Date.now());
      this.state.role = holds ? 'acting' : 'standby';
      if (!holds) return;
      await this.evaluate();
      this.state.lastError = null;
    } catch (error) {
      this.state.lastError = (error as Error).message;
      this.log(`evaluation failed: ${(error as Error).message}`);
    } finally {
      this.state.lastEvaluation = new Date(this.runtime.policy.now()).toISOString();
      if (this.state.role === 'acting') await this.coordination.writeStatus(this.state).catch(() => {});
    }
  }

  private async evaluate(): Promise<void> {
    const list = await this.call('list_live_algorithms', { status: 'Running' });
    const rows = ((list.structured.live ?? []) as Record<string, unknown>[]).filter((r) => r.status === 'Running');
    const wanted = this.section.deployments;
    const watched = rows.filter((r) => wanted === 'all' || wanted.includes(Number(r.projectId)));
    const statuses: DeploymentStatus[] = [];
    const keep: string[] = [];
    for (const row of watched) {
      const status = await this.figures(Number(row.projectId), row);
      statuses.push(status);
      const breached = status.evaluations.filter((e) => e.breached).sort((a, b) => STRENGTH[b.action] - STRENGTH[a.action]);
      let exited = false;
      for (const e of breached) {
        const key = e.action === 'stop' || e.action === 'liquidate' ? `${status.deployId}#exit` : `${status.deployId}#${e.rule}`;
        keep.push(key);
        if (exited && (e.action === 'stop' || e.action === 'liquidate')) continue;
        if (!(await this.coordination.claim(key))) continue; // acted on already, by this guard or another
        const record = await this.act(status, e);
        if (record.outcome === 'done' && (e.action === 'stop' || e.action === 'liquidate')) exited = true;
      }
    }
    this.state.watched = statuses;
    // Breaches that ended (a rule back within its threshold, a deployment no longer running) may be acted on again later.
    const ended = (await this.coordination.claimed()).filter(
      (k) => !keep.includes(k) && statuses.some((s) => k.startsWith(`${s.deployId}#`)) && !k.endsWith('#exit'),
    );
    await this.coordination.forget(ended);
  }

  /** The deployment's figures: equity history (Strategy Equity chart, this guard's samples, the current statistics), last fill, launch. */
  private async figures(projectId: number, row: Record<string, unknown>): Promise<DeploymentStatus> {
    const now = this.runtime.policy.now();
    const read = (await this.call('read_live_algorithm', { projectId })).structured;
    const deployId = String(read.deployId ?? row.deployId ?? projectId);
    const points: EquityPoint[] = [];
    try {
      const start = Math.floor((now - 400 * 86_400_000) / 1000);
      const chart = (await this.call('read_live_chart', { projectId, name: 'Strategy Equity', start, end: Math.ceil(now / 1000), count: 500 })).structured
        .chart as { series?: Record<string, { values?: unknown[] }> } | undefined;
      const series = chart?.series?.Equity ?? Object.values(chart?.series ?? {})[0];
      for (const v of series?.values ?? []) {
        const point = Array.isArray(v) ? { t: v[0], y: v[v.length - 1] } : { t: (v as { x?: unknown }).x, y: (v as { y?: unknown }).y };
        const ms = timeOf(point.t);
        const equity = money(point.y);
        if (ms !== undefined && equity !== undefined) points.push({ ms, equity });
      }
    } catch {
      // a chart still loading, or not served: the statistics and this guard's samples remain
    }
    const stats = (read.runtimeStatistics ?? {}) as Record<string, unknown>;
    const current = money(stats.Equity) ?? money(row.equity);
    const own = this.samples.get(deployId) ?? [];
    if (current !== undefined) own.push({ ms: now, equity: current });
    this.samples.set(deployId, own.slice(-2000));
    const launchedMs = timeOf(read.launched ?? row.launched);
    let lastFillMs: number | undefined;
    if (this.section.rules.some((r) => r.idle_hours !== undefined)) {
      try {
        const orders = ((await this.call('read_live_orders', { projectId, start: 0, end: 1000 })).structured.orders ?? []) as {
          time?: unknown;
          lastFillTime?: unknown;
        }[];
        const times = orders.map((o) => timeOf(o.lastFillTime ?? o.time)).filter((t): t is number => t !== undefined);
        if (times.length > 0) lastFillMs = Math.max(...times);
      } catch {
        // orders still loading: idle counts from the launch
      }
    }
    const figures = measure({ equity: [...points, ...own], lastFillMs, launchedMs }, now);
    return {
      projectId,
      deployId,
      brokerage: typeof read.brokerage === 'string' ? read.brokerage : null,
      figures,
      evaluations: evaluateRules(this.section.rules, figures),
    };
  }

  /** Take one action for one breach: retried with backoff, escalated to lockdown when it keeps failing; audited once. */
  private async act(status: DeploymentStatus, e: Evaluation): Promise<GuardActionRecord> {
    const { projectId, deployId } = status;
    const rule = this.section.rules[e.rule];
    const name = rule?.name ?? `${e.condition} ${e.threshold}`;
    const what = `${conditionOf(rule ?? { action: e.action, [e.condition]: e.threshold }).condition} is ${e.value} against ${e.threshold}`;
    let attempts = 0;
    let answer: unknown;
    let outcome: GuardActionRecord['outcome'] = 'failed';
    const tries = e.action === 'stop' || e.action === 'liquidate' ? this.section.retries + 1 : 1;
    for (; attempts < tries && !this.closed; ) {
      attempts++;
      try {
        answer = await this.perform(e.action, projectId, status, name, what);
        outcome = 'done';
        break;
      } catch (error) {
        answer = { error: this.runtime.policy.secrets.scrub((error as Error).message) };
        if (attempts < tries) await sleep((this.options.backoffMs ?? 1000) * 2 ** (attempts - 1));
      }
    }
    if (outcome === 'failed') {
      await this.runtime.policy.lockdown.set(true).catch(() => {});
      outcome = 'escalated';
    }
    const record: GuardActionRecord = {
      time: new Date(this.runtime.policy.now()).toISOString(),
      projectId,
      deployId,
      rule: e.rule,
      condition: e.condition,
      value: e.value,
      threshold: e.threshold,
      action: e.action,
      outcome,
      attempts,
      answer,
    };
    this.state.actions = [...this.state.actions, record].slice(-50);
    this.runtime.policy.audit.append({
      call_id: randomUUID(),
      identity: GUARD_IDENTITY,
      tool: ACTION_TOOLS[e.action] ?? `guard:${e.action}`,
      event: 'outcome',
      decision: outcome === 'done' ? 'guard_action' : 'guard_escalated',
      rule: `${this.at}/rules/${e.rule}`,
      ...(outcome === 'done' ? {} : { error: `${e.action} failed ${attempts} time(s); the server is now locked down` }),
      guard: {
        project_id: projectId,
        deploy_id: deployId,
        condition: e.condition,
        threshold: e.threshold,
        value: e.value,
        action: e.action,
        attempts,
        figures: status.figures,
        answer,
      },
    });
    const message =
      outcome === 'done'
        ? `rule "${name}" fired on project ${projectId} (${what}): ${e.action} done.`
        : `rule "${name}" fired on project ${projectId} (${what}): ${e.action} failed ${attempts} time(s), so the guard locked the server down (\`npx quantconnect-mcp lockdown off\` lifts it).`;
    this.log(message);
    this.options.notify?.({ level: outcome === 'done' ? 'warning' : 'alert', message, data: { ...record, name } });
    return record;
  }

  private async perform(action: GuardAction, projectId: number, status: DeploymentStatus, name: string, what: string): Promise<unknown> {
    switch (action) {
      case 'notify':
        return {
          notified: true,
          webhook: await this.webhook({ event: 'guard.breach', rule: name, projectId, deployId: status.deployId, reason: what, figures: status.figures }),
        };
      case 'lockdown':
        await this.runtime.policy.lockdown.set(true);
        return { lockdown: true };
      case 'stop':
        return (await this.call('stop_live_algorithm', { projectId })).structured;
      case 'liquidate': {
        const liquidated = (await this.call('liquidate_live_algorithm', { projectId })).structured;
        const after = (await this.call('read_live_algorithm', { projectId })).structured;
        if (after.status === 'Running' || after.status === 'InQueue' || after.status === 'RuntimeError') {
          return { liquidate: liquidated, stop: (await this.call('stop_live_algorithm', { projectId })).structured };
        }
        return { liquidate: liquidated, status: after.status ?? null };
      }
    }
  }

  /**
   * POST a JSON notice to QC_MCP_GUARD_WEBHOOK, when set. A failure is logged and recorded in the
   * action's answer, never retried, and never fails the action (the URL itself, often a secret, is in neither).
   */
  private async webhook(body: Record<string, unknown>): Promise<string | undefined> {
    const url = this.options.webhook;
    if (!url) return undefined;
    try {
      const response = await (this.options.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, time: new Date(this.runtime.policy.now()).toISOString() }),
        signal: AbortSignal.timeout(5000),
      });
      await response.body?.cancel().catch(() => {});
      if (response.ok) return 'delivered';
      this.log(`webhook answered HTTP ${response.status}`);
      return `HTTP ${response.status}`;
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? 'no answer within 5 s' : ((error as { cause?: { code?: string } }).cause?.code ?? 'unreachable');
      this.log(`webhook failed: ${reason}`);
      return `failed: ${reason}`;
    }
  }
}

/** The key under which a running guard's status reader sits in the runtime's plugin state (read_guard_status). */
export const GUARD_STATE_KEY = 'guard.status';

/**
 * Start the guard when the operator's configuration has a `guard:` section (serve, any transport,
 * and `quantconnect-mcp guard`); notices go to connected clients as MCP logging messages.
 */
export async function startGuard(runtime: Runtime, stateUrl: string | undefined, options: GuardOptions = {}): Promise<Guard | undefined> {
  const config = runtime.registry.operatorConfig.guard;
  if (!config) return undefined;
  const guard = await Guard.open(runtime, config.value, config.at, stateUrl, {
    webhook: readSetting('guardWebhook', process.env),
    notify: (n) => runtime.notices.forEach((listen) => listen({ ...n, logger: 'guard' })),
    ...options,
  });
  runtime.pluginState.set(GUARD_STATE_KEY, () => guard.status());
  guard.start();
  const ids = config.value.deployments === 'all' ? 'every running deployment' : `projects ${config.value.deployments.join(', ')}`;
  (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(
    `quantconnect-mcp guard: watching ${ids} every ${config.value.interval_s} s with ${config.value.rules.length} rule(s) from ${config.at} (${guard.status().coordination} lock).`,
  );
  return guard;
}
