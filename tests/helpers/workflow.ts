/** The official README's workflow, as an agent runs it: shared by the stdio and in-memory end-to-end tests. */
import type { Client } from '@modelcontextprotocol/client';
import { expect } from 'vitest';

export type Call = (name: string, args?: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Call a tool and fail the test (with the tool's own message) on isError. */
export function caller(client: Client): Call {
  return async (name, args = {}) => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent as Record<string, unknown>;
  };
}

export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export const ALGORITHM = `# region imports
from AlgorithmImports import *
# endregion


class MomentumAlgorithm(QCAlgorithm):

    def initialize(self):
        self.set_start_date(2023, 1, 1)
        self.set_cash(100000)
        self.spy = self.add_equity("SPY", Resolution.DAILY).symbol
        self.fast = self.sma(self.spy, 10)

    def on_data(self, data: Slice):
        if not self.portfolio.invested and self.fast.is_ready:
            self.set_holdings(self.spy, 1)
`;

/** Create a project, write main.py, compile, backtest, read results, list, read orders, clean up. */
export async function backtestWorkflow(call: Call, name: string): Promise<{ projectId: number; backtest: Record<string, unknown> }> {
  const created = await call('create_project', { name, language: 'Py' });
  const projectId = (created.projects as { projectId: number }[])[0]!.projectId;
  const files = await call('read_file', { projectId });
  expect((files.files as { name: string }[]).map((f) => f.name).sort()).toEqual(['main.py', 'research.ipynb']);

  await call('update_file_contents', { projectId, name: 'main.py', content: ALGORITHM });
  await call('patch_file', {
    projectId,
    patch: [
      '--- a/main.py',
      '+++ b/main.py',
      '@@ -11,3 +11,3 @@',
      '         self.spy = self.add_equity("SPY", Resolution.DAILY).symbol',
      '-        self.fast = self.sma(self.spy, 10)',
      '+        self.fast = self.sma(self.spy, 20)',
      ' ',
      '',
    ].join('\n'),
  });
  const patched = await call('read_file', { projectId, name: 'main.py' });
  expect((patched.files as { content: string }[])[0]!.content).toContain('self.sma(self.spy, 20)');

  const compile = await call('create_compile', { projectId });
  const compiled = await pollUntil(
    () => call('read_compile', { projectId, compileId: compile.compileId }),
    (c) => c.state !== 'InQueue',
  );
  expect(compiled.state).toBe('BuildSuccess');

  const started = await call('create_backtest', { projectId, compileId: compile.compileId, backtestName: 'first run' });
  const backtestId = (started.backtest as { backtestId: string }).backtestId;
  const done = await pollUntil(
    () => call('read_backtest', { projectId, backtestId }),
    (r) => (r.backtest as { completed: boolean }).completed === true,
  );
  const backtest = done.backtest as Record<string, unknown>;
  expect(backtest.status).toBe('Completed.');
  expect(backtest.statistics).toHaveProperty('Sharpe Ratio');

  const list = await call('list_backtests', { projectId });
  expect((list.backtests as { backtestId: string }[]).map((b) => b.backtestId)).toContain(backtestId);
  const orders = await call('read_backtest_orders', { projectId, backtestId, start: 0, end: 50 });
  expect((orders.orders as unknown[]).length).toBeGreaterThan(0);

  await call('delete_project', { projectId });
  return { projectId, backtest };
}
