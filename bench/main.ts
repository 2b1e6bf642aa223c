/**
 * `npm run bench`: figures measured in one run, each next to a baseline measured in the same run.
 * - tools/list context cost (chars/4), out of the box and with every tool enabled
 * - stdio cold start to the first tools/list, against a bare `node -e` start
 * - sandbox round trip through the MCP server, against the bare signed HTTP call
 * - 200 concurrent read calls through the MCP server (p50/p99)
 * - distance correlation, O(n log n) against the O(n²) definition: time and peak extra memory
 * - writes by two server processes sharing one state directory, against one process
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { authHeaders } from '../src/qc/auth.js';
import { startSandbox } from '../src/sandbox/server.js';
import { connect, testEnv } from '../tests/helpers/mcp.js';
import { allEnabledOverlay } from '../tests/helpers/overlay.js';

const OFFICIAL_SERVER_TOKENS = 40_000; // the official server's tools/list, as published by its users

const quantile = (xs: number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const median = (xs: number[]): number => quantile(xs, 0.5);

/** Seconds: the median of `runs` calls after `warmups` untimed ones (the Python references do the same). */
async function medianSeconds(fn: () => unknown, warmups: number, runs: number): Promise<number> {
  for (let i = 0; i < warmups; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

/** Debian's python3 (or the one on PATH) if it can import these modules. */
async function pythonWith(modules: string): Promise<string | undefined> {
  const { spawnSync } = await import('node:child_process');
  return ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0);
}
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const line = (label: string, value: string): void => console.log(`${label.padEnd(58)} ${value}`);

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('QUANTCONNECT_') && !k.startsWith('QC_')) env[k] = v;
  return { ...env, QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-bench-')) };
}

async function tokens(): Promise<void> {
  const base = testEnv('http://127.0.0.1:9/api/v2');
  const defaults = await connect({ env: base });
  const all = await connect({ env: { ...base, QC_MCP_TOOLS: allEnabledOverlay() } });
  const count = async (c: typeof defaults) => {
    const { tools } = await c.client.listTools();
    return { n: tools.length, tokens: Math.round(JSON.stringify({ tools }).length / 4) };
  };
  const d = await count(defaults);
  const a = await count(all);
  console.log('\n## tools/list context cost (chars / 4)');
  line(`out of the box (${d.n} tools)`, `${d.tokens} tokens (limit 10000; ${(OFFICIAL_SERVER_TOKENS / d.tokens).toFixed(1)}x smaller than ~40k)`);
  line(`every tool enabled (${a.n} tools)`, `${a.tokens} tokens (limit 20000; ${(OFFICIAL_SERVER_TOKENS / a.tokens).toFixed(1)}x smaller than ~40k)`);
  await defaults.close();
  await all.close();
}

async function coldStart(runs = 7): Promise<void> {
  const firstList = async (args: string[]): Promise<number> => {
    const started = performance.now();
    const transport = new StdioClientTransport({ command: process.execPath, args, env: cleanEnv(), stderr: 'ignore' });
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(transport);
    await client.listTools();
    const elapsed = performance.now() - started;
    await client.close();
    return elapsed;
  };
  const bare: number[] = [];
  const sdk: number[] = [];
  const ours: number[] = [];
  // Interleaved, so that a change in the machine's load falls on all three alike.
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) =>
      spawn(process.execPath, ['-e', '0'])
        .on('exit', () => resolve())
        .on('error', reject),
    );
    bare.push(performance.now() - started);
    sdk.push(await firstList(['bench/bare-sdk-server.mjs']));
    ours.push(await firstList(['dist/src/cli/main.js']));
  }
  console.log(`\n## stdio cold start to the first tools/list (median of ${runs}, interleaved; embedded sandbox)`);
  line('bare `node -e 0`', ms(median(bare)));
  line('bare SDK server, one tool (baseline: bench/bare-sdk-server.mjs)', ms(median(sdk)));
  line(
    'quantconnect-mcp spawn + initialize + tools/list',
    `${ms(median(ours))} (${(median(ours) / median(sdk)).toFixed(2)}x the bare SDK server; target <= 1.5x)`,
  );
}

async function sandboxRoundTrip(): Promise<void> {
  const credentials = { userId: 'bench', token: 'bench-token' };
  const { sandbox, baseUrl } = await startSandbox({ credentials, timing: { compileMs: 0, backtestQueueMs: 0, backtestRunMs: 0 } });
  const mcp = await connect({ env: { ...testEnv(baseUrl), QUANTCONNECT_USER_ID: credentials.userId, QUANTCONNECT_API_TOKEN: credentials.token } });
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = await mcp.client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(JSON.stringify(r.content));
    return r.structuredContent as Record<string, unknown>;
  };
  const project = await call('create_project', { name: 'bench', language: 'Py' });
  const projectId = (project.projects as { projectId: number }[])[0]!.projectId;
  const compile = await call('create_compile', { projectId });
  await call('read_compile', { projectId, compileId: compile.compileId });
  const backtest = await call('create_backtest', { projectId, compileId: compile.compileId, backtestName: 'bench' });
  const backtestId = (backtest.backtest as { backtestId: string }).backtestId;
  const body = JSON.stringify({ projectId, backtestId });

  const bareCall = async () => {
    const response = await fetch(`${baseUrl}/backtests/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders(credentials) },
      body,
    });
    await response.json();
  };
  const mcpCall = () => call('read_backtest', { projectId, backtestId });
  for (let i = 0; i < 50; i++) {
    await bareCall();
    await mcpCall();
  }
  const bare: number[] = [];
  const viaMcp: number[] = [];
  for (let i = 0; i < 300; i++) {
    let t = performance.now();
    await bareCall();
    bare.push(performance.now() - t);
    t = performance.now();
    await mcpCall();
    viaMcp.push(performance.now() - t);
  }
  console.log('\n## sandbox round trip: read_backtest, sequential (300 calls, after warm-up)');
  line('bare signed HTTP POST (baseline) p50 / p99', `${ms(median(bare))} / ${ms(quantile(bare, 0.99))}`);
  line('through the MCP server (in-memory client) p50 / p99', `${ms(median(viaMcp))} / ${ms(quantile(viaMcp, 0.99))}`);
  line("server's own overhead per call (p50 difference)", `${ms(median(viaMcp) - median(bare))} (${(median(viaMcp) / median(bare)).toFixed(2)}x bare)`);

  const concurrent = async (fn: () => Promise<unknown>) => {
    const times: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        const t = performance.now();
        await fn();
        times.push(performance.now() - t);
      }),
    );
    return { times, wall: performance.now() - started };
  };
  const bareC = await concurrent(bareCall);
  const mcpC = await concurrent(mcpCall);
  console.log('\n## 200 concurrent read_backtest calls');
  line('bare signed HTTP (baseline) p50 / p99 / wall', `${ms(median(bareC.times))} / ${ms(quantile(bareC.times, 0.99))} / ${ms(bareC.wall)}`);
  line('through the MCP server p50 / p99 / wall', `${ms(median(mcpC.times))} / ${ms(quantile(mcpC.times, 0.99))} / ${ms(mcpC.wall)}`);
  if (sandbox.violations.length > 0) throw new Error(`sandbox answered off-spec: ${JSON.stringify(sandbox.violations[0])}`);
  await mcp.close();
  await sandbox.close();
}

async function policyOverhead(): Promise<void> {
  const { createRuntime } = await import('../src/server/runtime.js');
  const { createMcpServer } = await import('../src/server/server.js');
  const { handleToolCall } = await import('../src/server/call.js');
  const { writeOverlay } = await import('../tests/helpers/overlay.js');
  const run = async (overlay: unknown) => {
    const runtime = await createRuntime({ env: testEnv('http://127.0.0.1:9/api/v2', { QC_MCP_TOOLS: writeOverlay(overlay) }), log: () => {} });
    const server = createMcpServer(runtime);
    const tool = runtime.registry.all().find((t) => t.name === 'read_mcp_server_version')!;
    const ctx = {
      mcpReq: { id: 1, method: 'tools/call', signal: new AbortController().signal, requestState: () => undefined, notify: async () => {} },
    } as unknown as Parameters<typeof handleToolCall>[4];
    const request = { method: 'tools/call', params: { name: tool.name, arguments: {} } } as Parameters<typeof handleToolCall>[3];
    const toolCtx = {
      signal: new AbortController().signal,
      identity: 'bench',
      qc: runtime.qc,
      settings: runtime.settings,
      state: runtime.pluginState,
      progress: async () => {},
      availability: () => ({ available: true as const }),
      call: async () => ({ structured: {} }),
    };
    const bare: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < 3000; i++) {
      let t = performance.now();
      await tool.handler({}, toolCtx);
      const b = performance.now() - t;
      t = performance.now();
      await handleToolCall(runtime, server, { identity: 'bench' }, request, ctx);
      const f = performance.now() - t;
      if (i >= 500) {
        bare.push(b);
        full.push(f);
      }
    }
    await runtime.close();
    return { bare, full };
  };
  const plain = await run({});
  const limited = await run({ tools: { read_mcp_server_version: { limits: [{ window: 'second', max: 1e9 }] } } });
  const overhead = (r: { bare: number[]; full: number[] }) => r.full.map((f, i) => f - (r.bare[i] ?? 0));
  console.log('\n## policy overhead per call (2500 calls of a local tool, confirmation excluded)');
  line('handler alone (baseline) p50', ms(median(plain.bare)));
  line(
    'policy path: lookup, validation, lockdown, rules, audit record',
    `p50 ${ms(median(overhead(plain)))} / p99 ${ms(quantile(overhead(plain), 0.99))} (target p50 < 0.2 ms)`,
  );
  line('  ... plus a limit (reserve, persisted to the state dir)', `p50 ${ms(median(overhead(limited)))} / p99 ${ms(quantile(overhead(limited), 0.99))}`);
}

async function httpThroughput(): Promise<void> {
  const { spawn, spawnSync } = await import('node:child_process');
  const { startHttp } = await import('../src/http/serve.js');
  const { createRuntime } = await import('../src/server/runtime.js');
  const credentials = { userId: 'bench', token: 'bench-token-123456' };
  const { sandbox, baseUrl } = await startSandbox({ credentials });
  const env = { ...testEnv(baseUrl), QUANTCONNECT_USER_ID: credentials.userId, QUANTCONNECT_API_TOKEN: credentials.token };
  const drive = async (urls: string[], clientsN = 20, callsEach = 100) => {
    const clients = await Promise.all(
      Array.from({ length: clientsN }, async (_, i) => {
        const c = new Client({ name: 'bench', version: '1' });
        await c.connect(new (await import('@modelcontextprotocol/client')).StreamableHTTPClientTransport(new URL(urls[i % urls.length]!)));
        return c;
      }),
    );
    const times: number[] = [];
    const started = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (let n = 0; n < callsEach; n++) {
          const t = performance.now();
          const r = await c.callTool({ name: 'read_account', arguments: {} });
          if (r.isError) throw new Error(JSON.stringify(r.content));
          times.push(performance.now() - t);
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    for (const c of clients) await c.close();
    return { rps: times.length / wall, p50: median(times), p99: quantile(times, 0.99) };
  };
  const serveChild = (args: string[], pattern: RegExp, extraEnv: Record<string, string> = {}) =>
    new Promise<{ url: string; kill: () => void }>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        env: { ...process.env, ...env, QC_MCP_TOOLS: '', QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-bench-')), ...extraEnv },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        const m = pattern.exec(err);
        if (m) resolve({ url: m[1]!, kill: () => child.kill('SIGTERM') });
      });
      child.on('exit', () => reject(new Error(err)));
    });
  console.log('\n## Streamable HTTP: read_account against the sandbox, each server in its own process (400 calls per row)');
  const bareSdk = await serveChild(['bench/bare-sdk-server.mjs', '--http'], /bare SDK at (\S+\/mcp)/);
  const oursChild = await serveChild(['dist/src/cli/main.js', 'serve', '--transport', 'http', '--port', '0'], /Streamable HTTP at (\S+\/mcp)/);
  for (const n of [1, 4, 16]) {
    const calls = Math.ceil(400 / n);
    await drive([bareSdk.url], n, 5); // warm both
    await drive([oursChild.url], n, 5);
    const sdkRun = await drive([bareSdk.url], n, calls);
    const ourRun = await drive([oursChild.url], n, calls);
    line(
      `${n} client${n === 1 ? '' : 's'}`,
      `bare SDK ${sdkRun.rps.toFixed(0)} calls/s (p50 ${ms(sdkRun.p50)}); quantconnect-mcp ${ourRun.rps.toFixed(0)} calls/s (p50 ${ms(ourRun.p50)}, p99 ${ms(ourRun.p99)}): ${(ourRun.rps / sdkRun.rps).toFixed(2)}x the bare SDK (target >= 0.66x)`,
    );
  }
  bareSdk.kill();
  oursChild.kill();

  console.log('\n## Streamable HTTP: 20 clients x 100 read_account calls against the sandbox');
  const bare = await (async () => {
    const times: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let n = 0; n < 100; n++) {
          const t = performance.now();
          await (await fetch(`${baseUrl}/account/read`, { method: 'POST', headers: authHeaders(credentials) })).json();
          times.push(performance.now() - t);
        }
      }),
    );
    return { rps: times.length / ((performance.now() - started) / 1000), p50: median(times), p99: quantile(times, 0.99) };
  })();
  line('bare signed HTTP to the sandbox (baseline)', `${bare.rps.toFixed(0)} calls/s, p50 ${ms(bare.p50)}, p99 ${ms(bare.p99)}`);
  const runtime = await createRuntime({ env, log: () => {} });
  const one = await startHttp(runtime, { host: '127.0.0.1', port: 0, grantsPath: '/nonexistent/grants.yaml', maxConcurrentPerIdentity: 64, log: () => {} });
  const single = await drive([one.url]);
  line(
    'one process',
    `${single.rps.toFixed(0)} calls/s, p50 ${ms(single.p50)}, p99 ${ms(single.p99)} (${(bare.rps / single.rps).toFixed(1)}x fewer calls/s than bare)`,
  );
  await one.close();
  await runtime.close();

  if (spawnSync('redis-server', ['--version']).status !== 0) {
    line('two processes behind Redis', 'skipped: redis-server is not installed (apt-get install redis-server)');
  } else {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    const children = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<{ url: string; kill: () => void }>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ['dist/src/cli/main.js', 'serve', '--transport', 'http', '--port', '0', '--state', `redis://127.0.0.1:${port}`],
              {
                env: { ...process.env, ...env, QC_MCP_TOOLS: '', QC_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'qcmcp-bench-')) },
                stdio: ['ignore', 'ignore', 'pipe'],
              },
            );
            let err = '';
            child.stderr!.on('data', (c: Buffer) => {
              err += c.toString();
              const m = /Streamable HTTP at (\S+\/mcp)/.exec(err);
              if (m) resolve({ url: m[1]!, kill: () => child.kill('SIGTERM') });
            });
            child.on('exit', () => reject(new Error(err)));
          }),
      ),
    );
    const two = await drive(children.map((c) => c.url));
    line('two processes behind Redis', `${two.rps.toFixed(0)} calls/s, p50 ${ms(two.p50)}, p99 ${ms(two.p99)}`);
    for (const c of children) c.kill();
    redis.kill('SIGKILL');
  }
  await sandbox.close();
}

async function researchRatios(): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { CsvSource } = await import('../plugins/quant/data/source.js');
  const { screenPairs } = await import('../plugins/quant/stats/pairs.js');
  const { pca, pearsonMatrix, simpleReturns } = await import('../plugins/quant/stats/describe.js');
  const { prng } = await import('../src/sandbox/simulate.js');
  console.log('\n## research statistics against the reference libraries (same files, same run)');
  const python = await pythonWith('statsmodels, sklearn, pandas');
  if (!python) {
    line('statsmodels / scikit-learn / pandas', 'skipped: not installed (apt-get install python3-statsmodels python3-sklearn python3-pandas)');
    return;
  }
  const ASSETS = 300;
  const DAYS = 2520;
  const PAIR_SYMBOLS = 40;
  const dir = mkdtempSync(join(tmpdir(), 'qcmcp-research-bench-'));
  const next = prng(2520);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
  const dates = Array.from({ length: DAYS }, (_, i) => new Date(Date.UTC(2010, 0, 4) + i * 86_400_000).toISOString().slice(0, 10));
  const market = Array.from({ length: DAYS }, () => 0.01 * gauss());
  for (let a = 0; a < ASSETS; a++) {
    let log = Math.log(20 + 200 * next());
    const beta = 0.5 + next();
    const lines = ['date,close'];
    for (let t = 0; t < DAYS; t++) {
      log += beta * (market[t] as number) + 0.012 * gauss();
      lines.push(`${dates[t]},${Math.exp(log)}`);
    }
    writeFileSync(join(dir, `S${String(a).padStart(3, '0')}.csv`), lines.join('\n'));
  }
  const reference = spawnSync(python, ['scripts/bench/research_reference.py', dir, String(PAIR_SYMBOLS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (reference.status !== 0) throw new Error(`reference script failed: ${reference.stderr}`);
  const ref = JSON.parse(reference.stdout) as { coint_loop_s: number; pairs: number; load_corrcoef_s: number; pca_s: number };
  const source = new CsvSource(dir);
  const symbols = Array.from({ length: ASSETS }, (_, a) => `S${String(a).padStart(3, '0')}`);

  const logs = await Promise.all(
    symbols.slice(0, PAIR_SYMBOLS).map(async (s) => Float64Array.from((await source.load(s, '2000-01-01', '2100-01-01', 'daily')).price.map(Math.log))),
  );
  let t = performance.now();
  await screenPairs(logs, { threshold: 0.05 }, () => {}, new AbortController().signal);
  const screen = (performance.now() - t) / 1000;
  line(
    `Engle-Granger all pairs, ${PAIR_SYMBOLS} x ${DAYS} (${ref.pairs} pairs)`,
    `${screen.toFixed(2)} s vs statsmodels loop ${ref.coint_loop_s.toFixed(2)} s: ${(ref.coint_loop_s / screen).toFixed(1)}x faster (target >= 10x)`,
  );

  t = performance.now();
  const closes = await Promise.all(symbols.map(async (s) => (await source.load(s, '2000-01-01', '2100-01-01', 'daily')).price));
  const returns = simpleReturns(closes);
  pearsonMatrix(returns);
  const corr = (performance.now() - t) / 1000;
  line(
    `correlation ${ASSETS} x ${DAYS}, loading included`,
    `${corr.toFixed(2)} s vs pandas + numpy.corrcoef ${ref.load_corrcoef_s.toFixed(2)} s: ${(corr / ref.load_corrcoef_s).toFixed(2)}x the reference time (target <= 3x)`,
  );

  // Two warm-ups (the JIT compiles here and in the helper worker), then the median of five; the
  // reference does the same.
  const pcaS = await medianSeconds(() => pca(returns), 2, 5);
  rmSync(dir, { recursive: true, force: true });
  line(
    `PCA ${ASSETS} x ${DAYS} (median of 5 after 2 warm-ups, both sides)`,
    `${pcaS.toFixed(3)} s vs scikit-learn ${ref.pca_s.toFixed(3)} s: ${(pcaS / ref.pca_s).toFixed(2)}x the reference time (target <= 3x)`,
  );
}

async function portfolioRatios(): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { CsvSource } = await import('../plugins/quant/data/source.js');
  const { simpleReturns } = await import('../plugins/quant/stats/describe.js');
  const { correlationFrom, covarianceMatrix } = await import('../plugins/quant/stats/describe.js');
  const { minimizeCvar } = await import('../plugins/quant/portfolio/cvar.js');
  const { hrp } = await import('../plugins/quant/portfolio/hrp.js');
  const { sparseTracking } = await import('../plugins/quant/portfolio/sparse.js');
  const { prng } = await import('../src/sandbox/simulate.js');
  console.log('\n## portfolio optimisers against the Python references (same files, same run)');
  const python = await pythonWith('scipy, pandas');
  if (!python) {
    line('scipy / pandas', 'skipped: not installed (apt-get install python3-scipy python3-pandas)');
    return;
  }
  const ASSETS = 500;
  const DAYS = 2520;
  const dir = mkdtempSync(join(tmpdir(), 'qcmcp-portfolio-bench-'));
  const next = prng(2018);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
  const dates = Array.from({ length: DAYS }, (_, i) => new Date(Date.UTC(2010, 0, 4) + i * 86_400_000).toISOString().slice(0, 10));
  const market = Array.from({ length: DAYS }, () => 0.0003 + 0.01 * gauss());
  const index = new Float64Array(DAYS);
  for (let a = 0; a < ASSETS; a++) {
    let price = 20 + 200 * next();
    const beta = 0.5 + next();
    const weight = a < 100 ? (0.5 + next()) / 100 : 0;
    const lines = ['date,close'];
    for (let t = 0; t < DAYS; t++) {
      const r = t === 0 ? 0 : beta * (market[t] as number) + 0.012 * gauss();
      price *= 1 + r;
      index[t] = (index[t] as number) + weight * r;
      lines.push(`${dates[t]},${price}`);
    }
    writeFileSync(join(dir, `S${String(a).padStart(3, '0')}.csv`), lines.join('\n'));
  }
  let level = 100;
  writeFileSync(join(dir, 'IDX.csv'), ['date,close', ...dates.map((d, t) => `${d},${(level *= 1 + (index[t] as number))}`)].join('\n'));
  const reference = spawnSync(python, ['scripts/bench/portfolio_reference.py', dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (reference.status !== 0) throw new Error(`reference script failed: ${reference.stderr}`);
  const ref = JSON.parse(reference.stdout) as { cvar_s: number; hrp_s: number; sparse_s: number; sparse_iterations: number };
  const source = new CsvSource(dir);
  const symbols = Array.from({ length: ASSETS }, (_, a) => `S${String(a).padStart(3, '0')}`);
  const closes = await Promise.all(symbols.map(async (s) => (await source.load(s, '2000-01-01', '2100-01-01', 'daily')).price));
  const returns = simpleReturns(closes).map((r) => Float64Array.from(r));
  const bench = Float64Array.from(simpleReturns([(await source.load('IDX', '2000-01-01', '2100-01-01', 'daily')).price])[0] as number[]);
  const timed = (fn: () => unknown) => medianSeconds(fn, 1, 3);
  rmSync(dir, { recursive: true, force: true });
  const cvar = await timed(() => minimizeCvar(returns.slice(0, 100), 0.95, 1));
  line(
    `min-CVaR 100 x ${DAYS} (HiGHS; median of 3 after a warm-up, both sides)`,
    `${cvar.toFixed(3)} s vs scipy linprog(highs) ${ref.cvar_s.toFixed(3)} s: ${(cvar / ref.cvar_s).toFixed(2)}x (target <= 2x)`,
  );
  const hrpS = await timed(async () => {
    const cov = await covarianceMatrix(returns);
    return hrp(cov, correlationFrom(cov, ASSETS), ASSETS, 'single');
  });
  line(
    `HRP ${ASSETS} x ${DAYS}, covariance included`,
    `${hrpS.toFixed(3)} s vs Python reference ${ref.hrp_s.toFixed(3)} s: ${(hrpS / ref.hrp_s).toFixed(2)}x (target <= 2x)`,
  );
  const x = returns.slice(0, 100).map((r) => r.slice(-1000));
  const options = { lambda: 1e-6, maxWeight: 0.25, huberM: 0.01, p: 1e-3, maxIterations: 2000, tolerance: 1e-10 };
  const iterations = sparseTracking(x, bench.slice(-1000), options).iterations;
  const sparse = await timed(() => sparseTracking(x, bench.slice(-1000), options));
  line(
    `sparse tracking 100 x 1000 (${iterations} MM iterations; numpy ${ref.sparse_iterations})`,
    `${sparse.toFixed(3)} s vs numpy ${ref.sparse_s.toFixed(3)} s: ${(sparse / ref.sparse_s).toFixed(2)}x (target <= 2x)`,
  );
}

/** Distance correlation of two series: each size in a fresh process (bench/dcor-probe.ts) for its peak memory. */
async function distanceCorrelationScaling(): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  console.log('\n## distance correlation, O(n log n) against the O(n^2) definition (fresh process per figure)');
  const probe = (n: number, mode: 'fast' | 'naive') => {
    const run = spawnSync(process.execPath, [...process.execArgv, 'bench/dcor-probe.ts', String(n), mode], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`dcor probe failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as { seconds: number; extra_mb: number; value: number };
  };
  for (const n of [2_000, 5_000, 10_000, 100_000]) {
    const fast = probe(n, 'fast');
    const figure = `${ms(fast.seconds * 1000)}, +${fast.extra_mb.toFixed(1)} MB peak (target <= 60 MB)`;
    if (n > 5_000) {
      line(`dcor ${n.toLocaleString('en')} rows`, `${figure}; naive O(n^2) would need ${((2 * n * n * 8) / 2 ** 20).toFixed(0)} MB`);
      continue;
    }
    const naive = probe(n, 'naive');
    line(
      `dcor ${n.toLocaleString('en')} rows`,
      `${figure} vs naive ${ms(naive.seconds * 1000)}, +${naive.extra_mb.toFixed(0)} MB: ${(naive.seconds / fast.seconds).toFixed(0)}x faster, |diff| ${Math.abs(naive.value - fast.value).toExponential(1)}`,
    );
  }
}

/**
 * The Engle-Granger screen on the worker pool, each figure in a fresh process (bench/eg-screen-probe.ts)
 * for its peak memory: 400 symbols on one thread and on the pool (speed-up; target >= 1.6x on 2 idle
 * cores), and 2,000 symbols (2M pairs) as a background job with progress. BENCH_SCREEN_ROWS sets the
 * rows (default 500 and 252). The machine's load average is printed: other processes take cores too.
 */
async function screenScale(): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const { availableParallelism, loadavg } = await import('node:os');
  console.log(`\n## Engle-Granger screen on the worker pool (${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at start)`);
  const probe = (symbols: number, rows: number, threads: number, job = false) => {
    const args = [...process.execArgv, 'bench/eg-screen-probe.ts', String(symbols), String(rows), String(threads), ...(job ? ['job'] : [])];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (run.status !== 0) throw new Error(`screen probe failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as { seconds: number; max_rss_mb: number; pairs: number; progress_events: number; found: number };
  };
  const rows = Number(process.env.BENCH_SCREEN_ROWS ?? 500);
  const one = probe(400, rows, 1);
  const pool = probe(400, rows, availableParallelism());
  line(`EG 400 x ${rows} (${one.pairs} pairs), one thread`, `${one.seconds.toFixed(1)} s, peak RSS ${one.max_rss_mb.toFixed(0)} MB`);
  line(
    `EG 400 x ${rows}, pool of ${availableParallelism()}`,
    `${pool.seconds.toFixed(1)} s, peak RSS ${pool.max_rss_mb.toFixed(0)} MB (target < 400 MB): ${(one.seconds / pool.seconds).toFixed(2)}x one thread (target >= 1.6x on 2 idle cores)`,
  );
  const bigRows = Number(process.env.BENCH_SCREEN_ROWS ?? 252);
  const big = probe(2000, bigRows, availableParallelism(), true);
  line(
    `EG 2,000 x ${bigRows} (${big.pairs.toLocaleString('en')} pairs) as a job`,
    `${big.seconds.toFixed(0)} s, ${big.progress_events} progress reports, peak RSS ${big.max_rss_mb.toFixed(0)} MB, ${big.found} pairs after BH`,
  );
}

/** calls/s of writes (create_project: sandbox state + audit) by one server process, then by two sharing one state directory. */
async function sharedStateDir(calls = 100, concurrency = 10): Promise<void> {
  const run = async (clients: Client[]): Promise<number> => {
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, c) => {
        for (let batch = 0; batch < calls; batch += concurrency) {
          await Promise.all(
            Array.from({ length: Math.min(concurrency, calls - batch) }, (_, i) =>
              client.callTool({ name: 'create_project', arguments: { name: `bench-${c}-${batch + i}`, language: 'Py' } }).then((r) => {
                if (r.isError) throw new Error(JSON.stringify(r.content));
              }),
            ),
          );
        }
      }),
    );
    return (clients.length * calls) / ((performance.now() - started) / 1000);
  };
  const servers = async (n: number): Promise<Client[]> => {
    const env = cleanEnv();
    const clients: Client[] = [];
    for (let i = 0; i < n; i++) {
      const client = new Client({ name: 'bench', version: '1' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: ['dist/src/cli/main.js'], env, stderr: 'ignore' }));
      clients.push(client);
    }
    return clients;
  };
  const one = await servers(1);
  const alone = await run(one);
  const two = await servers(2);
  const shared = await run(two);
  for (const c of [...one, ...two]) await c.close();
  console.log(`\n## one state directory, ${calls} create_project calls per process (${concurrency} at a time)`);
  line('one server process (baseline)', `${alone.toFixed(0)} calls/s`);
  line('two server processes sharing it (file locks)', `${shared.toFixed(0)} calls/s in total (${(shared / alone).toFixed(2)}x one)`);
}

async function researchScale(): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { correlationMatrix } = await import('../plugins/quant/stats/correlation.js');
  const { scaledPca } = await import('../plugins/quant/stats/pca-solvers.js');
  const { prng } = await import('../src/sandbox/simulate.js');
  console.log('\n## research at universe scale, compute only (data in memory; best of 3 after a warm-up, both sides, same run)');
  const python = await pythonWith('numpy, scipy, sklearn');
  if (!python) {
    line('numpy / scipy / scikit-learn', 'skipped: not installed (apt-get install python3-sklearn python3-scipy)');
    return;
  }
  const DAYS = 2520;
  const SIZES = [300, 1000, 3000];
  const N = Math.max(...SIZES);
  // Returns from a market factor, ten sector factors and noise, so the spectrum has a few clear components.
  const next = prng(21);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
  const factors = Array.from({ length: 11 }, () => Float64Array.from({ length: DAYS }, () => 0.01 * gauss()));
  const rowMajor = new Float64Array(DAYS * N);
  const columns = Array.from({ length: N }, (_, a) => {
    const beta = 0.5 + next();
    const sector = factors[1 + (a % 10)] as Float64Array;
    const c = Float64Array.from({ length: DAYS }, (_, t) => beta * ((factors[0] as Float64Array)[t] as number) + 0.5 * (sector[t] as number) + 0.012 * gauss());
    for (let t = 0; t < DAYS; t++) rowMajor[t * N + a] = c[t] as number;
    return c;
  });
  const dir = mkdtempSync(join(tmpdir(), 'qcmcp-scale-bench-'));
  writeFileSync(join(dir, 'returns.f64'), new Uint8Array(rowMajor.buffer));
  const reference = spawnSync(python, ['scripts/bench/matrix_reference.py', join(dir, 'returns.f64'), String(DAYS), ...SIZES.map(String)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  rmSync(dir, { recursive: true, force: true });
  if (reference.status !== 0) throw new Error(`reference script failed: ${reference.stderr}`);
  const ref = JSON.parse(reference.stdout) as Record<string, number>;
  // Wall seconds of the fastest of 3 runs after a warm-up, and that run's process CPU seconds (this thread
  // and the helper workers): on a loaded machine the CPU ratio moves far less than the wall ratio.
  const best = async (fn: () => unknown): Promise<[number, number]> => {
    await fn();
    let min: [number, number] = [Number.POSITIVE_INFINITY, 0];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      const cpu = process.cpuUsage();
      await fn();
      const used = process.cpuUsage(cpu);
      const wall = (performance.now() - t) / 1000;
      if (wall < min[0]) min = [wall, (used.user + used.system) / 1e6];
    }
    return min;
  };
  const report = (label: string, [ours, oursCpu]: [number, number], key: string, who: string) => {
    const theirs = ref[key] as number;
    const theirsCpu = ref[`${key}_cpu`] as number;
    line(
      label,
      `${ours.toFixed(3)} s vs ${who} ${theirs.toFixed(3)} s: ${(ours / theirs).toFixed(2)}x the reference time (target <= 3x); CPU ${oursCpu.toFixed(3)} s vs ${theirsCpu.toFixed(3)} s: ${(oursCpu / theirsCpu).toFixed(2)}x`,
    );
  };
  for (const n of SIZES) {
    const cols = columns.slice(0, n);
    report(`Pearson ${n} x ${DAYS}`, await best(() => correlationMatrix(cols, 'pearson')), `pearson_${n}`, 'numpy.corrcoef');
    report(`Spearman ${n} x ${DAYS}`, await best(() => correlationMatrix(cols, 'spearman')), `spearman_${n}`, 'numpy + scipy rankdata');
  }
  const thousand = columns.slice(0, 1000);
  const top = await scaledPca(thousand, 10);
  report(`PCA 1000 x ${DAYS}, top 10 (${top.method})`, await best(() => scaledPca(thousand, 10)), 'pca_top10_1000', 'scikit-learn PCA(10)');
  const full = await scaledPca(thousand, 1000);
  report(`PCA 1000 x ${DAYS}, all components (${full.method})`, await best(() => scaledPca(thousand, 1000)), 'pca_full_1000', 'scikit-learn PCA()');
}

const SECTIONS: Record<string, () => Promise<void>> = {
  tokens,
  coldStart,
  sandboxRoundTrip,
  policyOverhead,
  httpThroughput,
  sharedStateDir,
  researchRatios,
  researchScale,
  portfolioRatios,
  distanceCorrelationScaling,
  screenScale,
};

async function main(): Promise<void> {
  console.log(`quantconnect-mcp benchmarks (node ${process.version}, ${new Date().toISOString()})`);
  // BENCH_ONLY=researchRatios,tokens runs a subset.
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  for (const [name, run] of Object.entries(SECTIONS)) if (!only || only.includes(name)) await run();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
