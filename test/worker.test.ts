import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const workerPath = fileURLToPath(new URL('../src-main/worker.ts', import.meta.url));

describe('worker process (child_process.fork)', () => {
  it('says ready, answers heartbeats with its own pid, reports bad messages, and exits on shutdown', async () => {
    // execArgv: [] so vitest's own flags are not inherited by the worker.
    const child = fork(workerPath, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const messages: Array<Record<string, unknown>> = [];
    const next = () => once(child, 'message').then(([m]) => m as Record<string, unknown>);
    try {
      messages.push(await next());
      expect(messages[0]).toEqual({ type: 'ready', pid: child.pid });

      child.send({ type: 'ping', seq: 7 });
      const pong = await next();
      expect(pong).toMatchObject({ type: 'pong', seq: 7, pid: child.pid, channel: 'fork' });
      expect(pong.rss).toBeGreaterThan(0);

      child.send({ type: 'render everything', seq: -1 });
      expect(await next()).toMatchObject({ type: 'error', message: expect.stringMatching(/unknown message/) });

      child.send({ type: 'shutdown' });
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses to run on its own, with a message that says how it is meant to start', async () => {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, [workerPath], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/must be started by the studio/);
  });
});
