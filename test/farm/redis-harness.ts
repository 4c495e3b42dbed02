/**
 * A private Redis for a test file: the distribution's redis-server on a free loopback port, with no
 * persistence and its own scratch folder, stopped (and the folder removed) at the end. Where
 * redis-server is missing, `redisMissing` says why and the farm tests skip, printing it: the
 * embedded studio's suite needs no Redis.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 10_000 });
/** Why the farm tests cannot run here, or null. */
export const redisMissing: string | null = probe.error ? `redis-server is not installed (${probe.error.message}); .ci/run installs the redis-server package` : null;

/** Prints the skip reason once per file that calls it; answers whether to skip. */
export function skipWithoutRedis(file: string): boolean {
  if (redisMissing) console.log(`[${file}] skipped: ${redisMissing}`);
  return redisMissing !== null;
}

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Stops redis-server and starts it again on the same port: with no persistence, it comes back empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether the server answers PING. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A redis-server on this port and folder, answering PING; killed if it does not start. */
async function spawnRedis(port: number, dir: string): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await pings(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited };
}

async function stopRedis(server: { child: ChildProcess; exited: Promise<void> }): Promise<void> {
  server.child.kill('SIGTERM');
  const late = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await server.exited;
  clearTimeout(late);
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'storycore-redis-'));
  const port = await freePort();
  let server = await spawnRedis(port, dir).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await stopRedis(server);
      server = await spawnRedis(port, dir);
    },
    async stop() {
      await stopRedis(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
