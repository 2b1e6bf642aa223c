/**
 * PolicyLayer policy files, loaded as written wherever an overlay goes (QC_MCP_TOOLS). A file is one
 * when its shape says so: `version`, `default`, `hide` or `all_tools` at the top. Shape:
 *   { "version": "1" | 1, "default": "allow" | "deny", "hide": ["tool" | "*"],
 *     "all_tools": { "limits": [LIMIT] },
 *     "tools": { "<tool>": { "action"?: "allow" | "deny" | "require_approval", "reason"?: "text",
 *                            "limits"?: [LIMIT], "rate_limit"?: LIMIT, "require"?: [COND], "deny_if"?: [COND] } } }
 *   LIMIT = { "max", "window": "second" | "minute" | "hour" | "day" | seconds, "scope"?: "grant" | "global", "counter"? }
 *   COND  = "args.path" | { "path": "args.path", "op"?: OP, "value"?, "reason"? }
 * Meaning here: naming a tool enables it (under either default); `action: deny` keeps it listed and refuses every
 * call with `reason`; `require_approval` is `confirm: true`; limits map onto tools.yaml's limits (`scope: grant` is
 * per identity, absent or `global` is one counter for everyone, `counter` shares it by name); `deny_if` and
 * `require` map onto argument rules. quantconnect-mcp's own `allow`, `confirm` and `rules` are accepted too.
 * Unknown keys are warnings naming their pointer; a bad value is an error naming the pointer and the accepted forms.
 */
import { basename } from 'node:path';
import { ConfigError, yaml } from '../config/load-yaml.js';
import { RuleSchema, type Layer, type LayerFields, type LimitSpec, type RuleSpec, type WindowName } from './policy-schema.js';

export interface PolicyLayerTool {
  fields: LayerFields;
  renamed: NonNullable<Layer['renamed']>;
  itemAt: NonNullable<Layer['itemAt']>;
}

export interface PolicyLayerOverlay {
  default: 'allow' | 'deny';
  tools: Record<string, PolicyLayerTool>;
  hide: string[];
  allToolsLimits: LimitSpec[];
  warnings: string[];
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const esc = (t: string): string => t.replace(/~/g, '~0').replace(/\//g, '~1');

const SHAPE_KEYS = ['version', 'default', 'hide', 'all_tools'];
const TOP_KEYS = [...SHAPE_KEYS, 'tools'];
const TOOL_KEYS = ['action', 'reason', 'limits', 'rate_limit', 'require', 'deny_if', 'allow', 'confirm', 'rules'];
const LIMIT_KEYS = ['max', 'window', 'scope', 'counter', 'increment_from'];
const COND_KEYS = ['path', 'op', 'value', 'reason'];
const WINDOW_NAMES = ['second', 'minute', 'hour', 'day'];
/** Operators of a condition, by every spelling accepted, onto the rule predicate they become. */
const OPS: Record<string, string> = {
  eq: 'eq',
  '==': 'eq',
  equals: 'eq',
  neq: 'neq',
  ne: 'neq',
  '!=': 'neq',
  not_equals: 'neq',
  gt: 'gt',
  '>': 'gt',
  gte: 'gte',
  '>=': 'gte',
  lt: 'lt',
  '<': 'lt',
  lte: 'lte',
  '<=': 'lte',
  in: 'in',
  not_in: 'not_in',
  regex: 'regex',
  matches: 'regex',
  exists: 'exists',
};

/** The parsed document when the text is a PolicyLayer policy file (JSON or YAML), else undefined. */
export function isPolicyLayerShape(text: string): Doc | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    try {
      data = yaml().parse(text);
    } catch {
      return undefined; // the overlay reader reports the syntax error with its line
    }
  }
  return isObject(data) && SHAPE_KEYS.some((k) => k in data) ? data : undefined;
}

class Reader {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  constructor(readonly f: string) {}

  ptr(path: string): string {
    return `${this.f}#${path}`;
  }
  bad(path: string, message: string): undefined {
    this.problems.push(`${this.ptr(path)}: ${message}`);
    return undefined;
  }
  unknownKeys(obj: Doc, known: string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.warnings.push(`${this.ptr(`${path}/${esc(key)}`)}: unknown key "${key}" ignored (known here: ${known.join(', ')})`);
    }
  }

  limit(value: unknown, path: string): LimitSpec | undefined {
    if (!isObject(value)) return this.bad(path, 'a limit is an object { "max", "window", "scope"?, "counter"? }');
    this.unknownKeys(value, LIMIT_KEYS, path);
    const { max, window, scope, counter } = value;
    const increment = value.increment_from;
    let ok = true;
    if (typeof max !== 'number' || !Number.isInteger(max) || max <= 0)
      ok = this.bad(`${path}/max`, `must be a positive whole number (got ${JSON.stringify(max)})`) ?? false;
    const windowOk = (typeof window === 'string' && WINDOW_NAMES.includes(window)) || (typeof window === 'number' && Number.isInteger(window) && window > 0);
    if (!windowOk)
      ok = this.bad(`${path}/window`, `must be "second", "minute", "hour", "day" or a whole number of seconds (got ${JSON.stringify(window)})`) ?? false;
    if (scope !== undefined && !['grant', 'global', 'identity', 'tool'].includes(String(scope))) {
      ok =
        this.bad(
          `${path}/scope`,
          `must be "grant" (per caller) or "global" (everyone; the default), or quantconnect-mcp's "identity" or "tool" (got ${JSON.stringify(scope)})`,
        ) ?? false;
    }
    if (counter !== undefined && (typeof counter !== 'string' || counter === '')) ok = this.bad(`${path}/counter`, 'must be a non-empty name') ?? false;
    if (increment !== undefined && (typeof increment !== 'string' || increment === ''))
      ok = this.bad(`${path}/increment_from`, 'must be an argument path') ?? false;
    if (!ok) return undefined;
    const mapped = scope === 'grant' || scope === 'identity' ? 'identity' : scope === 'tool' ? 'tool' : 'global';
    return {
      max: max as number,
      window: window as WindowName | number,
      scope: mapped,
      ...(typeof counter === 'string' ? { counter } : {}),
      ...(typeof increment === 'string' ? { increment_from: increment } : {}),
    };
  }

  limits(value: unknown, path: string): { limits: LimitSpec[]; at: string[] } {
    if (!Array.isArray(value)) {
      this.bad(path, 'must be a list of limits [{ "max", "window", "scope"?, "counter"? }]');
      return { limits: [], at: [] };
    }
    const out: { limits: LimitSpec[]; at: string[] } = { limits: [], at: [] };
    value.forEach((item, i) => {
      const limit = this.limit(item, `${path}/${i}`);
      if (limit) {
        out.limits.push(limit);
        out.at.push(this.ptr(`${path}/${i}`));
      }
    });
    return out;
  }

  /** A `require` or `deny_if` entry as an argument rule. */
  condition(value: unknown, path: string, kind: 'require' | 'deny_if', tool: string, reason: string | undefined): RuleSpec | undefined {
    const forms = '"args.name", or { "path": "args.name", "op"?: eq|neq|gt|gte|lt|lte|in|not_in|regex|exists, "value"?, "reason"? }';
    const cond: Doc | undefined = typeof value === 'string' ? { path: value } : isObject(value) ? value : undefined;
    if (!cond) return this.bad(path, `a condition is ${forms}`);
    this.unknownKeys(cond, COND_KEYS, path);
    if (typeof cond.path !== 'string' || cond.path.replace(/^args\./, '') === '')
      return this.bad(`${path}/path`, `must name an argument, e.g. "args.reason" (a condition is ${forms})`);
    const arg = cond.path.replace(/^(args|arguments)\./, '');
    const op = cond.op === undefined ? 'exists' : OPS[String(cond.op)];
    if (!op) return this.bad(`${path}/op`, `unknown operator ${JSON.stringify(cond.op)} (accepted: ${Object.keys(OPS).join(', ')})`);
    const operand = op === 'exists' ? (cond.value ?? true) : cond.value;
    const own = typeof cond.reason === 'string' && cond.reason !== '' ? cond.reason : undefined;
    const shown = op === 'exists' ? (operand ? 'present' : 'absent') : `${op} ${JSON.stringify(operand)}`;
    const deny =
      own ?? reason ?? (kind === 'require' ? `${tool} requires argument ${arg} to be ${shown}.` : `${tool} is refused when argument ${arg} is ${shown}.`);
    const rule = { arg, [op]: operand, deny, ...(kind === 'require' ? { unless: true as const } : {}) };
    const checked = RuleSchema.safeParse({ arg, [op]: operand, deny });
    if (!checked.success)
      return this.bad(
        path,
        `${checked.error.issues.map((i) => i.message).join('; ')} (a condition is ${forms}; gt/gte/lt/lte take a number, in/not_in a list, regex a pattern, exists true or false)`,
      );
    return rule as RuleSpec;
  }

  tool(name: string, value: unknown): PolicyLayerTool | undefined {
    const path = `/tools/${esc(name)}`;
    if (!isObject(value)) return this.bad(path, 'a tool entry is an object ({} allows the tool)');
    this.unknownKeys(value, TOOL_KEYS, path);
    const fields: LayerFields = { enabled: true };
    const renamed: PolicyLayerTool['renamed'] = { enabled: '' };
    const itemAt: PolicyLayerTool['itemAt'] = { limits: [], rules: [] };
    const reason = value.reason;
    if (reason !== undefined && (typeof reason !== 'string' || reason === '')) this.bad(`${path}/reason`, 'must be text shown to the agent');
    const why = typeof reason === 'string' && reason !== '' ? reason : undefined;
    if (value.action !== undefined) {
      const action = value.action;
      if (action === 'deny') {
        fields.deny = why ?? `${name} is denied by the operator's policy.`;
        renamed.deny = 'action';
      } else if (action === 'require_approval') {
        fields.confirm = true;
        renamed.confirm = 'action';
      } else if (action !== 'allow') {
        this.bad(`${path}/action`, `must be "allow", "deny" or "require_approval" (got ${JSON.stringify(action)})`);
      }
    }
    if (value.allow !== undefined) {
      if (typeof value.allow !== 'boolean') this.bad(`${path}/allow`, 'must be true or false');
      else {
        fields.enabled = value.allow;
        renamed.enabled = 'allow';
      }
    }
    if (value.confirm !== undefined) {
      if (typeof value.confirm !== 'boolean') this.bad(`${path}/confirm`, 'must be true or false');
      else {
        fields.confirm = value.confirm;
        renamed.confirm = 'confirm';
      }
    }
    const limits: LimitSpec[] = [];
    if (value.limits !== undefined) {
      const read = this.limits(value.limits, `${path}/limits`);
      limits.push(...read.limits);
      itemAt.limits?.push(...read.at);
    }
    if (value.rate_limit !== undefined) {
      const limit = this.limit(value.rate_limit, `${path}/rate_limit`);
      if (limit) {
        limits.push(limit);
        itemAt.limits?.push(this.ptr(`${path}/rate_limit`));
      }
    }
    if (limits.length > 0) fields.limits = limits;
    const rules: RuleSpec[] = [];
    for (const kind of ['require', 'deny_if'] as const) {
      const list = value[kind];
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        this.bad(`${path}/${kind}`, 'must be a list of conditions');
        continue;
      }
      list.forEach((item, i) => {
        const rule = this.condition(item, `${path}/${kind}/${i}`, kind, name, why);
        if (rule) {
          rules.push(rule);
          itemAt.rules?.push(this.ptr(`${path}/${kind}/${i}`));
        }
      });
    }
    if (value.rules !== undefined) {
      const parsed = RuleSchema.array().safeParse(value.rules);
      if (!parsed.success) for (const issue of parsed.error.issues) this.bad(`${path}/rules/${issue.path.join('/')}`, issue.message);
      else {
        parsed.data.forEach((rule, i) => {
          rules.push(rule);
          itemAt.rules?.push(this.ptr(`${path}/rules/${i}`));
        });
      }
    }
    if (rules.length > 0) fields.rules = rules;
    return { fields, renamed, itemAt };
  }
}

/** Read a PolicyLayer document; throws a ConfigError listing every invalid value with its pointer. */
export function readPolicyLayer(doc: Doc, file: string): PolicyLayerOverlay {
  const r = new Reader(basename(file));
  r.unknownKeys(doc, TOP_KEYS, '');
  if (doc.version !== undefined && doc.version !== '1' && doc.version !== 1) r.bad('/version', `must be "1" (or 1); got ${JSON.stringify(doc.version)}`);
  if (doc.default !== 'allow' && doc.default !== 'deny') {
    r.bad(
      '/default',
      `is required: "deny" (only the tools named under "tools" are served) or "allow" (tools.yaml decides the others); got ${JSON.stringify(doc.default)}`,
    );
  }
  const hide: string[] = [];
  if (doc.hide !== undefined) {
    if (!Array.isArray(doc.hide)) r.bad('/hide', 'must be a list of tool names, or ["*"] for every tool');
    else {
      doc.hide.forEach((name, i) => {
        if (typeof name === 'string' && name !== '') hide.push(name);
        else r.bad(`/hide/${i}`, 'must be a tool name or "*"');
      });
    }
  }
  let allToolsLimits: LimitSpec[] = [];
  if (doc.all_tools !== undefined) {
    if (!isObject(doc.all_tools)) r.bad('/all_tools', 'must be an object { "limits": [...] }');
    else {
      r.unknownKeys(doc.all_tools, ['limits'], '/all_tools');
      if (doc.all_tools.limits !== undefined) allToolsLimits = r.limits(doc.all_tools.limits, '/all_tools/limits').limits;
    }
  }
  const tools: Record<string, PolicyLayerTool> = {};
  if (doc.tools !== undefined && !isObject(doc.tools)) r.bad('/tools', 'must be an object keyed by tool name');
  else
    for (const [name, value] of Object.entries(doc.tools ?? {})) {
      const tool = r.tool(name, value);
      if (tool) tools[name] = tool;
    }
  if (r.problems.length > 0) throw new ConfigError(file, r.problems);
  return { default: doc.default as 'allow' | 'deny', tools, hide, allToolsLimits, warnings: r.warnings };
}
