/** Account, LEAN versions, brokerage login (auth0), the Object Store, and the AI tools. */
import { createHash } from 'node:crypto';
import { hashSeed, hexId, SIMULATED_NOTE } from '../simulate.js';
import { checkCSharp, checkPython } from '../syntax.js';
import { fail, guarded, iso, ok, type Body, type Route, type RouteContext } from './common.js';

// --- brokerage login ---------------------------------------------------------------------------

function authorize(body: Body, ctx: RouteContext) {
  const brokerage = String(body.brokerage);
  // The simulated human finishes the login after timing.loginMs.
  ctx.state.authorizations[brokerage] = { authorizedMs: ctx.now() + ctx.timing.loginMs };
  ctx.save();
  const location = `${ctx.baseUrl.replace(/\/api\/v2$/, '')}/sandbox/login/${encodeURIComponent(brokerage)}`;
  return { status: 302, body: { success: true }, headers: { location } };
}

function readAuthorization(body: Body, ctx: RouteContext) {
  const grant = ctx.state.authorizations[String(body.brokerage)];
  if (!grant) return fail(`No login was started for ${String(body.brokerage)}: call authorize first.`);
  if (ctx.now() < grant.authorizedMs) return ok({ authorization: {} });
  return ok({
    authorization: { brokerage: String(body.brokerage), accessToken: `sandbox-${hexId(hashSeed(String(body.brokerage)), 16)}`, note: SIMULATED_NOTE },
  });
}

// --- object store ------------------------------------------------------------------------------

function checkOrg(body: Body, ctx: RouteContext) {
  return body.organizationId === ctx.state.organizationId ? undefined : fail(`Organization ${String(body.organizationId)} not found or you are not a member.`);
}

const MIME_BY_EXTENSION: Record<string, string> = {
  csv: 'text/csv',
  json: 'application/json',
  txt: 'text/plain',
  html: 'text/html',
  xml: 'application/xml',
  py: 'text/x-python',
  zip: 'application/zip',
  gz: 'application/gzip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  pdf: 'application/pdf',
  parquet: 'application/vnd.apache.parquet',
  pkl: 'application/octet-stream',
  bin: 'application/octet-stream',
};

/** The MIME type from the key's extension; without a known one, text/plain for UTF-8 text, else binary. */
function mimeOf(key: string, bytes: Buffer): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(key.split('/').pop() ?? '')?.[1]?.toLowerCase();
  const known = extension === undefined ? undefined : MIME_BY_EXTENSION[extension];
  if (known) return known;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'text/plain';
  } catch {
    return 'application/octet-stream';
  }
}

function setObject(body: Body, ctx: RouteContext) {
  const bad = checkOrg(body, ctx);
  if (bad) return bad;
  const key = String(body.key).replace(/^\/+/, '');
  if (key === '' || key.includes('..')) return fail(`Invalid key "${String(body.key)}".`);
  const data = body['objectData:binary'] ? String(body.objectData) : Buffer.from(String(body.objectData)).toString('base64');
  const mime = mimeOf(key, Buffer.from(data, 'base64'));
  const now = iso(ctx.now());
  const existing = ctx.state.objects.find((o) => o.key === key);
  if (existing) Object.assign(existing, { data, modified: now, mime });
  else ctx.state.objects.push({ key, data, mime, created: now, modified: now });
  ctx.save();
  return ok();
}

function getObject(body: Body, ctx: RouteContext) {
  const bad = checkOrg(body, ctx);
  if (bad) return bad;
  if (Array.isArray(body.keys)) {
    const keys = body.keys.map(String);
    const missing = keys.filter((k) => !ctx.state.objects.some((o) => o.key === k));
    if (missing.length > 0) return fail(`Object Store key(s) not found: ${missing.join(', ')}.`);
    const jobId = hexId(hashSeed(keys.join('|'), ctx.now()), 32);
    ctx.state.downloadJobs[jobId] = keys;
    ctx.save();
    return ok({ jobId });
  }
  const jobId = String(body.jobId);
  if (!ctx.state.downloadJobs[jobId]) return fail(`Download job ${jobId} not found: request a job id first.`);
  return ok({ url: `${ctx.baseUrl.replace(/\/api\/v2$/, '')}/sandbox/download/${jobId}` });
}

function objectProperties(body: Body, ctx: RouteContext) {
  const bad = checkOrg(body, ctx);
  if (bad) return bad;
  const object = ctx.state.objects.find((o) => o.key === body.key);
  if (!object) return fail(`Object Store key ${String(body.key)} not found.`);
  const bytes = Buffer.from(object.data, 'base64');
  return ok({
    metadata: {
      key: object.key,
      modified: object.modified,
      created: object.created,
      size: bytes.length,
      md5: createHash('md5').update(bytes).digest('hex'),
      mime: object.mime,
      preview: bytes.subarray(0, 200).toString('utf8'),
    },
  });
}

function listObjects(body: Body, ctx: RouteContext) {
  const bad = checkOrg(body, ctx);
  if (bad) return bad;
  // The API answers path "/" for the root and echoes any other path as given; folders have no trailing slash.
  const given = typeof body.path === 'string' ? body.path : '';
  const folder = given.replace(/^\/+/, '').replace(/\/+$/, '');
  const prefix = folder === '' ? '' : `${folder}/`;
  const entries = new Map<string, { key: string; name: string; modified: string; mime: string; folder: boolean; size: number }>();
  for (const object of ctx.state.objects.filter((o) => o.key.startsWith(prefix))) {
    const rest = object.key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) {
      const name = rest.slice(0, slash);
      entries.set(name, { key: `${prefix}${name}`, name, modified: object.modified, mime: 'directory', folder: true, size: 0 });
    } else {
      entries.set(rest, {
        key: object.key,
        name: rest,
        modified: object.modified,
        mime: object.mime,
        folder: false,
        size: Buffer.from(object.data, 'base64').length,
      });
    }
  }
  const path = folder === '' ? '/' : given;
  const used = ctx.state.objects.reduce((n, o) => n + Buffer.from(o.data, 'base64').length, 0);
  return ok({
    path,
    objects: [...entries.values()],
    page: 0,
    totalPages: 1,
    objectStorageUsed: used,
    objectStorageUsedHuman: `${(used / 1024).toFixed(1)} KB`,
  });
}

function deleteObject(body: Body, ctx: RouteContext) {
  const bad = checkOrg(body, ctx);
  if (bad) return bad;
  const before = ctx.state.objects.length;
  const key = String(body.key).replace(/^\/+/, '').replace(/\/+$/, '');
  // A folder's key deletes everything under it.
  ctx.state.objects = ctx.state.objects.filter((o) => o.key !== key && !o.key.startsWith(`${key}/`));
  if (ctx.state.objects.length === before) return fail(`Object Store key ${String(body.key)} not found.`);
  ctx.save();
  return ok();
}

// --- AI tools ----------------------------------------------------------------------------------

type SourceFile = { name?: string; content?: string };

function syntaxErrors(language: unknown, files: unknown): string[] {
  return ((files as SourceFile[] | undefined) ?? []).flatMap((f) =>
    language === 'C#' ? checkCSharp(f.content ?? '', f.name ?? 'Main.cs') : checkPython(f.content ?? '', f.name ?? 'main.py'),
  );
}

const COMPLETIONS = [
  'self.add_equity',
  'self.add_crypto',
  'self.add_forex',
  'self.add_future',
  'self.add_option',
  'self.set_holdings',
  'self.set_cash',
  'self.set_start_date',
  'self.set_end_date',
  'self.set_benchmark',
  'self.history',
  'self.liquidate',
  'self.market_order',
  'self.limit_order',
  'self.schedule.on',
  'self.portfolio',
  'self.securities',
  'self.debug',
  'self.log',
  'self.plot',
  'self.sma',
  'self.ema',
  'self.rsi',
  'self.bb',
];

const toSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function pep8(files: unknown): Record<string, string> {
  return Object.fromEntries(
    ((files as SourceFile[] | undefined) ?? []).map((f) => [
      f.name ?? 'main.py',
      (f.content ?? '')
        .replace(/\b(self|algorithm)\.([A-Z][A-Za-z0-9]*)\b/g, (_m, owner: string, member: string) => `${owner}.${toSnake(member)}`)
        .replace(/\bdef ([A-Z][A-Za-z0-9]*)\(/g, (_m, name: string) => `def ${toSnake(name)}(`),
    ]),
  );
}

const DOCS = [
  {
    url: 'https://www.quantconnect.com/docs/v2/writing-algorithms/key-concepts/algorithm-engine',
    content: 'LEAN runs your algorithm: initialize sets up data and cash; on_data receives each Slice.',
  },
  {
    url: 'https://www.quantconnect.com/docs/v2/writing-algorithms/trading-and-orders/order-types/market-orders',
    content: 'Market orders fill at the next available price: self.market_order(symbol, quantity).',
  },
  {
    url: 'https://www.quantconnect.com/docs/v2/writing-algorithms/historical-data/history-requests',
    content: 'self.history(symbols, periods, resolution) returns a DataFrame of past bars.',
  },
  {
    url: 'https://www.quantconnect.com/docs/v2/writing-algorithms/scheduled-events',
    content: 'self.schedule.on(date_rule, time_rule, callback) runs code at fixed times.',
  },
];

const aiAnswer = (fields: Record<string, unknown>) => ({ body: { state: 'End', version: 1, ...fields } });

function search(body: Body) {
  const criteria = (body.criteria as { input?: string; count?: number }[] | undefined) ?? [];
  const retrivals = criteria.flatMap((c) => {
    const words = String(c.input ?? '')
      .toLowerCase()
      .split(/\W+/)
      .filter((w) => w.length > 2);
    return DOCS.map((d) => ({ ...d, score: words.filter((w) => d.content.toLowerCase().includes(w)).length / Math.max(1, words.length), type: 0 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, Math.max(1, Math.min(10, c.count ?? 3)));
  });
  return { body: { state: 'End', version: 1, retrivals, messageId: 1 } };
}

export const miscRoutes: Record<string, Route> = Object.fromEntries(
  Object.entries({
    'POST /account/read': (_body: Body, ctx: RouteContext) => ({
      body: { organizationId: ctx.state.organizationId, creditBalance: 1000, card: { brand: 'Sandbox', expiration: '12/30', last4: '0000' } },
    }),
    'POST /lean/versions/read': () =>
      ok({
        versions: [17000, 16990].map((id, i) => ({
          id,
          created: iso(Date.UTC(2026, 9, 1 - i * 14)),
          description: `LEAN ${id} (sandbox)`,
          leanHash: hexId(id, 40),
          name: `v2.5.${id}`,
          public: true,
        })),
      }),
    'POST /live/auth0/authorize': authorize,
    'POST /live/auth0/read': readAuthorization,
    'POST /object/set': setObject,
    'POST /object/get': getObject,
    'POST /object/properties': objectProperties,
    'POST /object/list': listObjects,
    'POST /object/delete': deleteObject,
    'POST /ai/tools/backtest-init': (body: Body) => {
      const errors = syntaxErrors(body.language, body.files);
      return aiAnswer({ payload: errors.length > 0 ? errors.join('\n') : 'No initialization errors found (sandbox check).', payloadType: 'text' });
    },
    'POST /ai/tools/complete': (body: Body) => {
      const sentence = String(body.sentence).trim();
      const limit = Number(body.responseSizeLimit ?? 10);
      const matches = COMPLETIONS.filter((c) => c.startsWith(sentence) || c.includes(sentence)).slice(0, limit);
      return aiAnswer({ payload: matches, payloadType: 'list' });
    },
    'POST /ai/tools/error-enhance': (body: Body) => {
      const error = body.error as { message?: string };
      return aiAnswer({
        payload: `The algorithm raised: ${error.message ?? 'an error'}. Check the line in the stack trace; the sandbox cannot analyse it further.`,
        payloadType: 'text',
      });
    },
    'POST /ai/tools/pep8-convert': (body: Body) => aiAnswer({ payload: pep8(body.files), payloadType: 'files' }),
    'POST /ai/tools/syntax-check': (body: Body) => aiAnswer({ payload: syntaxErrors(body.language, body.files), payloadType: 'list' }),
    'POST /ai/tools/search': search,
  }).map(([op, route]) => [op, guarded(route)]),
);
