/** A real redis-server for replica tests. .ci/run installs it; on a machine without it the suites say so and skip (in CI they fail). */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI) throw new Error('redis-server is not installed: .ci/run installs it (apt-get install redis-server)');

/** A port free on 127.0.0.1 at the time of asking. */
export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** A redis-server on a free loopback port, without persistence; resolves once it answers PING (or after 5 s). */
export async function startRedis(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (
    let i = 0;
    i < 50 &&
    spawnSync('redis-cli', ['-p', String(port), 'ping'])
      .stdout?.toString()
      .trim() !== 'PONG';
    i++
  )
    await new Promise((r) => setTimeout(r, 100));
  return { child, port };
}
