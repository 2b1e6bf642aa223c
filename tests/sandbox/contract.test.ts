/**
 * The sandbox reproduces the API's contract, not just its happy path: exact auth, success:false
 * with errors for bad input, pagination limits, LoadingResponse while a deployment warms up,
 * commands refused before the algorithm runs, locks for projects with collaborators, and
 * builds that fail. Bad input never changes the state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../../src/qc/auth.js';
import { unrestrictedOverlay } from '../helpers/overlay.js';
import { CREDENTIALS, sandboxSession, type SandboxSession } from '../helpers/sandbox.js';
import { pollUntil } from '../helpers/workflow.js';

let s: SandboxSession;
let projectId: number;
/** The sandbox's clock: real time, unless a test freezes it to look inside a phase. */
const clock = { frozen: undefined as number | undefined, offset: 0, now: () => clock.frozen ?? Date.now() + clock.offset };
const freeze = () => void (clock.frozen = Date.now() + clock.offset);
const thaw = (advanceMs: number) => {
  clock.offset += advanceMs;
  clock.frozen = undefined;
};
let compileId: string;
let backtestId: string;

async function call(name: string, args: Record<string, unknown>) {
  return s.client.callTool({ name, arguments: args });
}
async function ok(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await call(name, args);
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, unknown>;
}
const snapshot = () => JSON.stringify(s.sandbox.state);

/** A bad call: an isError whose text matches, and the sandbox state exactly as before. */
async function refused(name: string, args: Record<string, unknown>, message: RegExp): Promise<void> {
  const before = snapshot();
  const result = await call(name, args);
  expect(result.isError, `${name} should be refused`).toBe(true);
  expect(JSON.stringify(result.content)).toMatch(message);
  expect(snapshot()).toBe(before);
}

async function raw(path: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${s.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { success: boolean; errors: string[] } };
}

beforeAll(async () => {
  s = await sandboxSession({ now: () => clock.now() }, { QC_MCP_TOOLS: unrestrictedOverlay() });
  const created = await ok('create_project', { name: 'Contract', language: 'Py' });
  projectId = (created.projects as { projectId: number }[])[0]!.projectId;
  const compile = await ok('create_compile', { projectId });
  compileId = String(compile.compileId);
  await pollUntil(
    () => ok('read_compile', { projectId, compileId }),
    (c) => c.state === 'BuildSuccess',
  );
  const backtest = await ok('create_backtest', { projectId, compileId, backtestName: 'b' });
  backtestId = (backtest.backtest as { backtestId: string }).backtestId;
});
afterAll(() => s.close());

describe('auth, checked exactly', () => {
  it('accepts a correctly signed request', async () => {
    const answer = await raw('/account/read', {}, authHeaders(CREDENTIALS));
    expect(answer.status).toBe(200);
  });

  it.each([
    ['a bad hash', () => authHeaders({ ...CREDENTIALS, token: 'wrong' }), /Hash doesn't match/],
    ['a stale timestamp', () => authHeaders(CREDENTIALS, Date.now() - 3 * 3600 * 1000), /Timestamp is too old/],
    ['another user id', () => authHeaders({ ...CREDENTIALS, userId: '999' }), /User id does not match/],
    ['no Authorization header', () => ({ Timestamp: String(Math.floor(Date.now() / 1000)) }), /Authorization header is missing/],
    ['no Timestamp header', () => ({ Authorization: authHeaders(CREDENTIALS).Authorization }), /Timestamp header is missing/],
  ])('refuses %s with 401, WWW-Authenticate and the API error shape', async (_label, headers, message) => {
    const before = snapshot();
    const answer = await raw('/projects/create', { name: 'Intruder', language: 'Py' }, headers());
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('Basic');
    expect(answer.body.success).toBe(false);
    expect(answer.body.errors.join(' ')).toMatch(message);
    expect(snapshot()).toBe(before);
  });

  it('our client, given the wrong token, reports a credentials problem without echoing the token', async () => {
    const { connect, testEnv } = await import('../helpers/mcp.js');
    const bad = await connect({ env: { ...testEnv(s.baseUrl), QUANTCONNECT_API_TOKEN: 'definitely-wrong-token' } });
    const result = await bad.client.callTool({ name: 'read_account', arguments: {} });
    await bad.close();
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result)).toMatch(/rejected the credentials \(HTTP 401\)/);
    expect(JSON.stringify(result)).not.toContain('definitely-wrong-token');
  });
});

describe('bad input gets the API error shape and leaves the state as it was', () => {
  it.each([
    ['an unknown project id', 'read_project', () => ({ projectId: 1 }), /Project 1 not found/],
    ['an unknown backtest id', 'read_backtest', () => ({ projectId, backtestId: 'nope' }), /Backtest nope not found/],
    ['an orders window of 101', 'read_backtest_orders', () => ({ projectId, backtestId, start: 0, end: 101 }), /end - start must be at most 100/],
    ['an insights window of 150', 'read_backtest_insights', () => ({ projectId, backtestId, start: 50, end: 200 }), /at most 100/],
    ['a reversed window', 'read_backtest_orders', () => ({ projectId, backtestId, start: 10, end: 5 }), /end >= start/],
    ['a file that exists', 'create_file', () => ({ projectId, name: 'main.py', content: '' }), /already exists/],
    ['a file name with ..', 'create_file', () => ({ projectId, name: '../etc/passwd', content: '' }), /Invalid file name/],
    [
      'a patch whose context does not match',
      'patch_file',
      () => ({ projectId, patch: '--- a/main.py\n+++ b/main.py\n@@ -1,1 +1,1 @@\n-not in the file\n+x\n' }),
      /does not apply to main.py/,
    ],
    [
      'a patch for a missing file',
      'patch_file',
      () => ({ projectId, patch: '--- a/ghost.py\n+++ b/ghost.py\n@@ -1 +1 @@\n-a\n+b\n' }),
      /ghost.py, which is not in project/,
    ],
    ['a backtest on an unknown compile', 'create_backtest', () => ({ projectId, compileId: 'nope', backtestName: 'x' }), /Compile nope not found/],
    ['a live command with no deployment', 'create_live_command', () => ({ projectId, command: { $type: 'X' } }), /has no live algorithm/],
    ['an unknown node', 'update_project_nodes', () => ({ projectId, nodes: ['XX-1'] }), /Unknown node id/],
    [
      'an optimization without parameters',
      'estimate_optimization_time',
      () => ({
        projectId,
        name: 'o',
        target: 'TotalPerformance.PortfolioStatistics.SharpeRatio',
        targetTo: 'max',
        strategy: 'QuantConnect.Optimizer.Strategies.GridSearchOptimizationStrategy',
        parameters: [],
      }),
      /at least one parameter/,
    ],
    ['another organization', 'list_object_store_files', () => ({ organizationId: 'someone-else' }), /not found or you are not a member/],
    ['a missing Object Store key', 'read_object_store_file_job_id', () => ({ keys: ['nope.csv'] }), /key\(s\) not found: nope.csv/],
  ])('%s', async (_label, tool, args, message) => {
    await refused(tool, args(), message);
  });

  it('a body that breaks the spec (checked by the sandbox itself) is refused before any state change', async () => {
    const before = snapshot();
    const answer = await raw('/projects/create', { name: 7, language: 'Cobol' }, authHeaders(CREDENTIALS));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: false });
    expect(answer.body.errors[0]).toMatch(/Invalid request: .*body\.name: must be string/);
    expect(snapshot()).toBe(before);
  });

  it('a failed patch leaves every file untouched, even when an earlier hunk would apply', async () => {
    const file = (await ok('read_file', { projectId, name: 'main.py' })).files as { content: string }[];
    const patch = [
      '--- a/main.py',
      '+++ b/main.py',
      '@@ -1,1 +1,1 @@',
      '-# region imports',
      '+# region IMPORTS',
      '--- a/research.ipynb',
      '+++ b/research.ipynb',
      '@@ -1 +1 @@',
      '-nope',
      '+x',
      '',
    ].join('\n');
    await refused('patch_file', { projectId, patch }, /does not apply to research.ipynb/);
    expect(((await ok('read_file', { projectId, name: 'main.py' })).files as { content: string }[])[0]!.content).toBe(file[0]!.content);
  });
});

describe('builds', () => {
  let lastBuild = { projectId: 0, compileId: '' };
  async function build(files: Record<string, string | null>): Promise<Record<string, unknown>> {
    const created = await ok('create_project', { name: `Build ${Math.random()}`, language: 'Py' });
    const id = (created.projects as { projectId: number }[])[0]!.projectId;
    for (const [name, content] of Object.entries(files)) {
      if (content === null) await ok('delete_file', { projectId: id, name });
      else await ok('update_file_contents', { projectId: id, name, content });
    }
    const compile = await ok('create_compile', { projectId: id });
    expect(compile.state).toBe('InQueue');
    lastBuild = { projectId: id, compileId: String(compile.compileId) };
    return pollUntil(
      () => ok('read_compile', { projectId: id, compileId: compile.compileId }),
      (c) => c.state !== 'InQueue',
    );
  }

  it('a Python file that does not parse: BuildError with the line in the logs', async () => {
    const result = await build({ 'main.py': 'class A(QCAlgorithm):\n    def initialize(self)\n        self.set_cash(1)\n' });
    expect(result.state).toBe('BuildError');
    expect((result.logs as string[]).join('\n')).toMatch(/main\.py line 2: SyntaxError: expected ':'/);
  });

  it.each([
    ['an unclosed bracket', 'x = (1,\n', /'\(' was never closed/],
    ['an unexpected indent', 'x = 1\n    y = 2\n', /unexpected indent/],
    ['a missing block', 'if True:\nx = 1\n', /expected an indented block/],
    ['an unterminated string', 'x = "abc\n', /unterminated string/],
  ])('%s is a build error', async (_label, content, message) => {
    const result = await build({ 'main.py': content });
    expect(result.state).toBe('BuildError');
    expect((result.logs as string[]).join('\n')).toMatch(message);
  });

  it('valid Python with strings, comments, continuations and decorators builds', async () => {
    const code =
      '# x: "(" \nclass A:\n    """doc (\n    """\n    @staticmethod\n    def f(a,\n          b):\n        return {"k": [a, b]}  # )\n\n    def g(self): return 1\n';
    expect((await build({ 'main.py': code })).state).toBe('BuildSuccess');
  });

  it('a missing main.py is a BuildError, and a backtest on a failed compile is refused', async () => {
    const result = await build({ 'main.py': null });
    expect(result.state).toBe('BuildError');
    expect((result.logs as string[]).join('\n')).toContain('main.py is missing');
    await refused('create_backtest', { ...lastBuild, backtestName: 'doomed' }, /failed: fix the build errors and compile again/);
  });

  it('a backtest while the compile is still in queue is refused with what to do', async () => {
    freeze();
    const compile = await ok('create_compile', { projectId });
    await refused(
      'create_backtest',
      { projectId, compileId: compile.compileId, backtestName: 'early' },
      /still in queue: read it until its state is BuildSuccess/,
    );
    thaw(1000);
  });

  it('a backtest progresses: In Queue..., Running: NN% rising, then Completed. (a controlled clock)', async () => {
    const clock = { now: Date.now() };
    const own = await sandboxSession({ now: () => clock.now }, { QC_MCP_TOOLS: unrestrictedOverlay() });
    try {
      const call = async (name: string, args: Record<string, unknown>) =>
        (await own.client.callTool({ name, arguments: args })).structuredContent as Record<string, unknown>;
      const created = await call('create_project', { name: 'Clocked', language: 'Py' });
      const id = (created.projects as { projectId: number }[])[0]!.projectId;
      const compile = await call('create_compile', { projectId: id });
      clock.now += 100; // past the compile time
      const bt = await call('create_backtest', { projectId: id, compileId: compile.compileId, backtestName: 'progress' });
      const backtestId = (bt.backtest as { backtestId: string }).backtestId;
      const status = async () => (await call('read_backtest', { projectId: id, backtestId })).backtest as { status: string; completed: boolean };
      const seen = [(await status()).status];
      for (const step of [40, 50, 50, 60]) {
        clock.now += step;
        seen.push((await status()).status);
      }
      expect(seen[0]).toBe('In Queue...');
      const running = seen.filter((x) => x.startsWith('Running: ')).map((x) => Number.parseInt(x.slice(9), 10));
      expect(running.length).toBeGreaterThanOrEqual(2);
      expect(running).toEqual([...running].sort((a, b) => a - b));
      expect(new Set(running).size).toBe(running.length);
      expect(seen.at(-1)).toBe('Completed.');
    } finally {
      await own.close();
    }
  });

  it('a runtime error ends the backtest with the error and a stack trace', async () => {
    const created = await ok('create_project', { name: 'Raises', language: 'Py' });
    const id = (created.projects as { projectId: number }[])[0]!.projectId;
    await ok('update_file_contents', {
      projectId: id,
      name: 'main.py',
      content: 'class A(QCAlgorithm):\n    def initialize(self):\n        raise ValueError("bad universe")\n',
    });
    const compile = await ok('create_compile', { projectId: id });
    await pollUntil(
      () => ok('read_compile', { projectId: id, compileId: compile.compileId }),
      (c) => c.state === 'BuildSuccess',
    );
    const bt = await ok('create_backtest', { projectId: id, compileId: compile.compileId, backtestName: 'boom' });
    const done = await pollUntil(
      () => ok('read_backtest', { projectId: id, backtestId: (bt.backtest as { backtestId: string }).backtestId }),
      (r) => (r.backtest as { completed: boolean }).completed,
    );
    expect(done.backtest).toMatchObject({
      status: 'Runtime Error',
      error: expect.stringContaining('bad universe'),
      stacktrace: expect.stringContaining('line 3'),
    });
  });
});

describe('live state machine and limits', () => {
  it('charts and orders answer LoadingResponse while warming up; commands wait for Running; limits hold', async () => {
    freeze(); // hold the deployment in its warm-up while we look
    const deployed = await ok('create_live_algorithm', {
      projectId,
      compileId,
      nodeId: 'LN-sandbox-micro',
      versionId: '-1',
      brokerage: { id: 'QuantConnectBrokerage' },
    });
    expect(await ok('read_live_chart', { projectId, name: 'Strategy Equity', count: 10, start: 0, end: 2_000_000_000 })).toMatchObject({ status: 'loading' });
    expect(await ok('read_live_orders', { projectId, start: 0, end: 10 })).toMatchObject({ status: 'loading' });
    await refused('create_live_command', { projectId, command: { $type: 'OrderCommand' } }, /InQueue: commands are accepted only while it is Running/);
    await refused(
      'create_live_algorithm',
      { projectId, compileId, nodeId: 'LN-sandbox-micro', versionId: '-1', brokerage: { id: 'QuantConnectBrokerage' } },
      /already has a live algorithm/,
    );

    thaw(1000);
    await pollUntil(
      () => ok('read_live_algorithm', { projectId }),
      (r) => r.status === 'Running',
    );
    await refused('read_live_logs', { projectId, algorithmId: deployed.deployId, startLine: 0, endLine: 251 }, /at most 250/);
    await refused('read_live_orders', { projectId, start: 0, end: 1001 }, /at most 1000/);
    expect((await ok('read_live_logs', { projectId, algorithmId: deployed.deployId, startLine: 0, endLine: 250 })).logs).not.toHaveLength(0);
    await ok('create_live_command', { projectId, command: { $type: 'OrderCommand', symbol: 'SPY', quantity: 1 } });
    await ok('stop_live_algorithm', { projectId });
    await refused('stop_live_algorithm', { projectId }, /is stopped/);
    await refused('create_live_command', { projectId, command: { $type: 'OrderCommand' } }, /is Stopped/);
  });

  it('editing a project with collaborators needs the lock, held by this codeSourceId', async () => {
    await ok('create_project_collaborator', { projectId, collaboratorUserId: 'pal', collaborationLiveControl: false, collaborationWrite: true });
    await refused('update_file_contents', { projectId, name: 'main.py', content: 'x = 1\n' }, /acquire the lock \(lock_project_with_collaborators\)/);
    await ok('lock_project_with_collaborators', { projectId });
    await ok('update_file_contents', { projectId, name: 'main.py', content: 'x = 1\n' });
    await ok('delete_project_collaborator', { projectId, collaboratorId: 'pal' });
  });
});
