/**
 * Policy state in Redis (ioredis), shared by every replica: sliding-window counters reserved
 * atomically by a Lua script, approvals in a hash consumed atomically, and the lockdown key.
 * Commands fail fast when Redis is away (no offline queue), and callers fail closed.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { applyDecision, matches, newApprovalId, type Approval, type ApprovalStore } from './approvals.js';
import { LimitStateError, type LimitRequest, type LimitStore, type Reservation } from './limits.js';
import type { LockdownSwitch } from './lockdown.js';
import { connectRedis } from './redis-client.js';
import type { PolicyState } from './services.js';

const PREFIX = 'qcmcp:';

/**
 * KEYS: the counters. ARGV: now, token, then per key: windowMs, max, amount.
 * Returns {1} when reserved, or {0, index, retryAfterMs, used}.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local token = ARGV[2]
for i, key in ipairs(KEYS) do
  local base = 3 + (i - 1) * 3
  local window = tonumber(ARGV[base])
  local max = tonumber(ARGV[base + 1])
  local amount = tonumber(ARGV[base + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local used = 0
  for j = 1, #entries, 2 do used = used + tonumber(string.match(entries[j], '|([^|]+)$')) end
  if used + amount > max then
    local need = used + amount - max
    local retry = now
    for j = 1, #entries, 2 do
      need = need - tonumber(string.match(entries[j], '|([^|]+)$'))
      retry = tonumber(entries[j + 1]) + window
      if need <= 0 then break end
    end
    return {0, i - 1, math.max(0, retry - now), used}
  end
end
local held = {}
local longest = 0
for i, key in ipairs(KEYS) do
  local base = 3 + (i - 1) * 3
  local window = tonumber(ARGV[base])
  local member = token .. '|' .. i .. '|' .. ARGV[base + 2]
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  if window > longest then longest = window end
  table.insert(held, key)
  table.insert(held, member)
end
redis.call('SET', '${PREFIX}reservation:' .. token, cjson.encode(held), 'PX', longest)
return {1}
`;

const RELEASE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local held = cjson.decode(raw)
for i = 1, #held, 2 do redis.call('ZREM', held[i], held[i + 1]) end
redis.call('DEL', KEYS[1])
return 1
`;

/** KEYS[1]: the approvals hash. ARGV: tool, hash, identity, now. Marks the first matching approved approval used. */
const CONSUME = `
for _, raw in ipairs(redis.call('HVALS', KEYS[1])) do
  local a = cjson.decode(raw)
  if a.status == 'approved' and a.tool == ARGV[1] and a.args_sha256 == ARGV[2] and a.identity == ARGV[3] and a.expires > tonumber(ARGV[4]) then
    a.status = 'used'
    local updated = cjson.encode(a)
    redis.call('HSET', KEYS[1], a.id, updated)
    return updated
  end
end
return false
`;

class RedisLimits implements LimitStore {
  constructor(private readonly redis: Redis) {}

  async reserve(requests: LimitRequest[], now: number): Promise<Reservation> {
    const token = randomUUID();
    let answer: (number | string)[];
    try {
      answer = (await this.redis.eval(
        RESERVE,
        requests.length,
        ...requests.map((r) => `${PREFIX}limit:${r.key}`),
        now,
        token,
        ...requests.flatMap((r) => [r.windowMs, r.max, r.amount]),
      )) as (number | string)[];
    } catch (error) {
      throw new LimitStateError(`Redis is unavailable (${(error as Error).message})`);
    }
    if (Number(answer[0]) === 1) return { ok: true, token };
    return { ok: false, index: Number(answer[1]), retryAfterMs: Number(answer[2]), used: Number(answer[3]) };
  }

  async used(key: string, windowMs: number, now: number): Promise<number> {
    const members = await this.redis.zrangebyscore(`${PREFIX}limit:${key}`, `(${now - windowMs}`, '+inf');
    return members.reduce((sum, member) => sum + Number(member.slice(member.lastIndexOf('|') + 1)), 0);
  }

  async release(token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, `${PREFIX}reservation:${token}`);
  }
}

class RedisApprovals implements ApprovalStore {
  private readonly key = `${PREFIX}approvals`;
  constructor(private readonly redis: Redis) {}

  private async all(): Promise<Approval[]> {
    return (await this.redis.hvals(this.key)).map((raw) => JSON.parse(raw) as Approval);
  }

  async list(now: number) {
    return (await this.all()).map((a) => ({ ...a, expired: a.expires <= now }));
  }

  async consume(tool: string, hash: string, identity: string, now: number) {
    const raw = (await this.redis.eval(CONSUME, 1, this.key, tool, hash, identity, now)) as string | null;
    return raw ? (JSON.parse(raw) as Approval) : undefined;
  }

  async pending(tool: string, hash: string, identity: string, now: number) {
    return (await this.all()).find((a) => a.status === 'pending' && matches(a, tool, hash, identity) && a.expires > now);
  }

  async create(fields: Pick<Approval, 'tool' | 'args_sha256' | 'identity' | 'summary' | 'args'>, ttlMs: number, now: number) {
    const approval: Approval = { ...fields, id: newApprovalId(), created: now, expires: now + ttlMs, status: 'pending' };
    await this.redis.hset(this.key, approval.id, JSON.stringify(approval));
    return approval;
  }

  async decide(id: string, decision: 'approved' | 'denied', now: number) {
    // WATCH/MULTI: a decision is applied only if nobody changed the approval in between.
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.redis.watch(this.key);
      const raw = await this.redis.hget(this.key, id);
      let approval: Approval;
      try {
        approval = applyDecision(raw ? (JSON.parse(raw) as Approval) : undefined, id, decision, now);
      } catch (error) {
        await this.redis.unwatch();
        throw error;
      }
      const done = await this.redis.multi().hset(this.key, id, JSON.stringify(approval)).exec();
      if (done) return approval;
    }
    throw new Error(`approval ${id} kept changing; try again`);
  }
}

class RedisLockdown implements LockdownSwitch {
  private readonly key = `${PREFIX}lockdown`;
  constructor(private readonly redis: Redis) {}
  async isOn(): Promise<boolean> {
    return (await this.redis.exists(this.key)) === 1;
  }
  async set(on: boolean): Promise<void> {
    if (on) await this.redis.set(this.key, new Date().toISOString());
    else await this.redis.del(this.key);
  }
}

export async function openRedisState(url: string): Promise<PolicyState> {
  const redis = await connectRedis(url);
  return {
    kind: 'redis',
    limits: new RedisLimits(redis),
    approvals: new RedisApprovals(redis),
    lockdown: new RedisLockdown(redis),
    close: async () => {
      redis.disconnect();
    },
  };
}
