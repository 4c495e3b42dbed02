import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WorkerPool, type WorkerPoolEvents, type WorkerPoolOptions } from '../../src-main/engine/worker-pool.ts';
import { NodeWorkerSpawner } from '../../src-main/engine/worker-spawner.ts';
import { rejection } from '../fixtures/stage-error.ts';
import { frameTask, isAlive, waitUntil } from '../fixtures/stage-tasks.ts';

const dir = mkdtempSync(join(tmpdir(), 'storycore-pool-'));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const pools: WorkerPool[] = [];
const stopped = new Set<number>();

function makePool(options: Partial<WorkerPoolOptions> = {}): WorkerPool {
  const pool = new WorkerPool({ size: 1, ...options });
  pools.push(pool);
  return pool;
}

function record<K extends keyof WorkerPoolEvents>(pool: WorkerPool, name: K): Array<WorkerPoolEvents[K]> {
  const events: Array<WorkerPoolEvents[K]> = [];
  pool.on(name, (event) => events.push(event));
  return events;
}

/** SIGSTOP: the worker stays alive but answers nothing, like a worker stuck in a loop. */
function freeze(pid: number): void {
  process.kill(pid, 'SIGSTOP');
  stopped.add(pid);
}

/** A task that runs until stopped, started on the pool; resolves once its ffmpeg is running. */
async function startHanging(pool: WorkerPool, name: string, signal?: AbortSignal) {
  let ffmpeg = 0;
  const running = pool.run(frameTask(dir, name, 'hang'), { signal, onSpawn: (pid) => (ffmpeg = pid) });
  running.catch(() => {});
  await waitUntil(() => ffmpeg !== 0, 10_000, `${name} spawned ffmpeg`);
  return { running, ffmpeg };
}

/** Runs test/fixtures/worker-pool-host.ts: a separate host process with its own pool and one task. */
function startHost(mode: 'hang' | 'finish') {
  const child = spawn(process.execPath, [fixture('worker-pool-host.ts'), dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const pids = new Promise<{ worker: number; ffmpeg: number }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { worker: number; ffmpeg: number });
    });
    void exit.then((code) => reject(new Error(`host exited (${code}) before it reported its pids`)));
  });
  return { child, pids, exit };
}

afterEach(async () => {
  for (const pid of stopped) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone, as it should be
    }
  }
  stopped.clear();
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WorkerPool', () => {
  it('starts workers lazily and reuses one worker for tasks in turn', async () => {
    const pool = makePool({ size: 2 });
    const started = record(pool, 'worker_started');
    expect(pool.pids().workers).toEqual([]);

    const progress: number[] = [];
    const ffmpeg: number[] = [];
    const first = await pool.run(frameTask(dir, 'reuse-1'), { onProgress: (p) => progress.push(p.percent), onSpawn: (pid) => ffmpeg.push(pid) });
    expect(first.output).toBe(join(dir, 'reuse-1.mkv'));
    expect(existsSync(first.output)).toBe(true);
    const [worker] = pool.pids().workers;
    await pool.run(frameTask(dir, 'reuse-2'));

    expect(pool.pids().workers).toEqual([worker]);
    expect(started.map((e) => e.pid)).toEqual([worker]);
    expect(ffmpeg).toHaveLength(1);
    expect(ffmpeg[0]).not.toBe(worker);
    expect(progress.length).toBeGreaterThan(0);
    expect(pool.pids().ffmpeg).toEqual([]);
    expect({ busy: pool.busy, idle: pool.idle, waiting: pool.waiting }).toEqual({ busy: 0, idle: 1, waiting: 0 });
  });

  it('serves waiting callers first come, first served, and lets a caller give up waiting', async () => {
    const pool = makePool({ size: 1 });
    const hang = new AbortController();
    const { running } = await startHanging(pool, 'fifo-hang', hang.signal);

    const order: string[] = [];
    const b = pool.run(frameTask(dir, 'fifo-b'), { onSpawn: () => order.push('b') });
    const giveUp = new AbortController();
    const quitter = pool.lease(giveUp.signal);
    const c = pool.run(frameTask(dir, 'fifo-c'), { onSpawn: () => order.push('c') });
    expect(pool.waiting).toBe(3);

    giveUp.abort();
    expect((await rejection(quitter)).code).toBe('canceled');
    expect(pool.waiting).toBe(2);

    hang.abort();
    expect((await rejection(running)).code).toBe('canceled');
    await Promise.all([b, c]);
    expect(order).toEqual(['b', 'c']);
    expect(pool.pids().workers).toHaveLength(1);
  });

  it('cancels a running task: the worker kills its ffmpeg, answers, and serves the next task', async () => {
    const pool = makePool({ size: 1 });
    const exited = record(pool, 'worker_exited');
    const abort = new AbortController();
    const { running, ffmpeg } = await startHanging(pool, 'cancel', abort.signal);
    const [worker] = pool.pids().workers;
    expect(pool.pids().ffmpeg).toEqual([ffmpeg]);

    abort.abort();
    expect((await rejection(running)).code).toBe('canceled');
    expect(isAlive(ffmpeg)).toBe(false);
    expect(pool.pids()).toEqual({ workers: [worker], ffmpeg: [] });

    await pool.run(frameTask(dir, 'after-cancel'));
    expect(pool.pids().workers).toEqual([worker]);
    expect(exited).toEqual([]);
  });

  it('kills a worker that ignores a cancel after the grace period, with its ffmpeg, and replaces it', async () => {
    const pool = makePool({ size: 1, cancelGraceMs: 300, heartbeatMs: 60_000 });
    const exited = record(pool, 'worker_exited');
    const abort = new AbortController();
    const { running, ffmpeg } = await startHanging(pool, 'ignore-cancel', abort.signal);
    const [worker] = pool.pids().workers as [number];
    freeze(worker);

    const aborted = Date.now();
    abort.abort();
    expect((await rejection(running)).code).toBe('canceled');
    expect(Date.now() - aborted).toBeGreaterThanOrEqual(290);
    await waitUntil(() => !isAlive(worker) && !isAlive(ffmpeg), 3000, 'worker and ffmpeg are gone');
    expect(exited).toMatchObject([{ pid: worker, signal: 'SIGKILL', replaced: true, expected: false }]);

    await pool.run(frameTask(dir, 'after-kill'));
    expect(pool.pids().workers).not.toContain(worker);
  });

  it('kills and replaces a worker that stops answering heartbeats; its task fails as worker_crashed', async () => {
    const pool = makePool({ size: 1, heartbeatMs: 100, missedHeartbeats: 3 });
    const unhealthy = record(pool, 'worker_unhealthy');
    const exited = record(pool, 'worker_exited');
    const { running, ffmpeg } = await startHanging(pool, 'frozen');
    const [worker] = pool.pids().workers as [number];
    freeze(worker);

    const error = await rejection(running);
    expect(error.code).toBe('worker_crashed');
    expect(error.stage).toBe('frame_processing');
    expect(unhealthy).toEqual([{ pid: worker, missed: 3 }]);
    expect(exited).toMatchObject([{ pid: worker, replaced: true }]);
    await waitUntil(() => !isAlive(worker) && !isAlive(ffmpeg), 3000, 'worker and ffmpeg are gone');

    await pool.run(frameTask(dir, 'after-freeze'));
    expect(pool.pids().workers).toHaveLength(1);
    expect(pool.pids().workers).not.toContain(worker);
  });

  it('reports a worker that crashes mid-stage as worker_crashed, reaps its ffmpeg, and carries on with a new worker', async () => {
    const pool = makePool({ size: 1 });
    const exited = record(pool, 'worker_exited');
    let ffmpeg = 0;
    // Big enough that ffmpeg runs about 1.7 s, well past the crash 250 ms after it starts.
    const crashed = pool.run(frameTask(dir, 'crash', 'crash', { width: 640, height: 360, fps: 30, frames: 900 }), { onSpawn: (pid) => (ffmpeg = pid) });
    const error = await rejection(crashed);
    expect(error.code).toBe('worker_crashed');
    expect(error.retryable).toBe(true);
    expect(ffmpeg).not.toBe(0);
    const [crash] = exited;
    expect(crash).toMatchObject({ signal: 'SIGKILL', replaced: true, expected: false });
    await waitUntil(() => !isAlive(ffmpeg) && !isAlive(crash!.pid!), 3000, 'the crashed worker and its ffmpeg are gone');

    const result = await pool.run(frameTask(dir, 'after-crash'));
    expect(existsSync(result.output)).toBe(true);
    expect(pool.pids().workers).not.toContain(crash!.pid);
  });

  it('reaps whatever a crashed worker left running, even children that hold no pipe to it', async () => {
    // Real ffmpeg dies of a broken pipe soon after its worker; these children would not.
    const pool = makePool({ size: 1, workerPath: fixture('fake-worker.ts'), env: { ...process.env, FAKE_WORKER: 'orphans' } });
    const task = frameTask(dir, 'orphans');
    expect((await rejection(pool.run(task))).code).toBe('worker_crashed');
    const { reported, hidden } = JSON.parse(readFileSync(`${task.output}.pids.json`, 'utf8')) as { reported: number; hidden: number };
    await waitUntil(() => !isAlive(reported) && !isAlive(hidden), 2000, 'both orphans are gone');
  });

  it('holds a worker on a lease across tasks until it is released', async () => {
    const pool = makePool({ size: 1 });
    const lease = await pool.lease();
    expect(lease.pid).toBe(pool.pids().workers[0]);
    const waiting = pool.lease();
    await lease.run(frameTask(dir, 'lease-1'));
    await lease.run(frameTask(dir, 'lease-2'));
    expect(pool.waiting).toBe(1);
    lease.release();
    lease.release();
    const next = await waiting;
    expect(next.pid).toBe(lease.pid);
    await expect(lease.run(frameTask(dir, 'stale'))).rejects.toThrow(/released/);
    next.release();
  });

  it('rejects an invalid task without touching ffmpeg, and keeps the worker', async () => {
    const pool = makePool({ size: 1 });
    const task = { ...frameTask(dir, 'bad'), width: -4 };
    expect((await rejection(pool.run(task))).code).toBe('invalid_task');
    await pool.run(frameTask(dir, 'good'));
  });

  it('shrinks on resize: extra workers retire once idle', async () => {
    const pool = makePool({ size: 2 });
    const exited = record(pool, 'worker_exited');
    await Promise.all([pool.run(frameTask(dir, 'wide-1')), pool.run(frameTask(dir, 'wide-2'))]);
    expect(pool.pids().workers).toHaveLength(2);

    pool.resize(1);
    expect(pool.size).toBe(1);
    await waitUntil(() => exited.length === 1, 5000, 'one worker retired');
    expect(exited[0]).toMatchObject({ code: 0, expected: true, replaced: false });
    expect(pool.pids().workers).toHaveLength(1);
    expect(() => pool.resize(0)).toThrow(RangeError);
  });

  it('close() cancels running tasks and leaves no worker or ffmpeg alive', async () => {
    const pool = makePool({ size: 2 });
    const one = await startHanging(pool, 'close-1');
    const two = await startHanging(pool, 'close-2');
    const { workers, ffmpeg } = pool.pids();
    expect(workers).toHaveLength(2);
    expect(ffmpeg.sort()).toEqual([one.ffmpeg, two.ffmpeg].sort());

    await pool.close();
    expect((await rejection(one.running)).code).toBe('canceled');
    expect((await rejection(two.running)).code).toBe('canceled');
    for (const pid of [...workers, ...ffmpeg]) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect((await rejection(pool.lease())).code).toBe('canceled');
  });

  it('counts and ignores garbage from a worker, and keeps working with it', async () => {
    const pool = makePool({ size: 1, workerPath: fixture('fake-worker.ts'), env: { ...process.env, FAKE_WORKER: 'garbage' }, heartbeatMs: 50 });
    const invalid = record(pool, 'invalid_message');
    const progress: unknown[] = [];
    const result = await pool.run(frameTask(dir, 'garbage'), { onProgress: (p) => progress.push(p) });
    expect(result.output).toBe(join(dir, 'garbage.mkv'));
    await waitUntil(() => pool.invalidMessages >= 1001, 3000, 'the flood was counted');
    // Reported at the 1st, 10th, 100th and 1000th: a flood stays a trickle.
    expect(invalid.map((e) => e.count)).toEqual([1, 10, 100, 1000]);
    expect(progress).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pool.workers()[0]?.missedHeartbeats).toBe(0);
  });

  it('fails the waiting caller, instead of retrying forever, when a worker cannot start', async () => {
    const pool = makePool({ size: 2, spawner: new NodeWorkerSpawner({ workerPath: join(dir, 'no-such-worker.ts'), output: 'ignore' }) });
    const error = await rejection(pool.run(frameTask(dir, 'never')));
    expect(error.code).toBe('worker_crashed');
    expect(error.message).toMatch(/failed to start/);
    expect(pool.pids().workers).toEqual([]);
  });

  it('kills a worker that never says it is ready, and fails the caller waiting for it', async () => {
    const pool = makePool({ size: 1, workerPath: fixture('fake-worker.ts'), env: { ...process.env, FAKE_WORKER: 'silent' }, startTimeoutMs: 300 });
    const exited = record(pool, 'worker_exited');
    const error = await rejection(pool.run(frameTask(dir, 'silent')));
    expect(error.code).toBe('worker_crashed');
    expect(error.message).toMatch(/not ready in time/);
    expect(exited).toMatchObject([{ signal: 'SIGKILL', replaced: false }]);
    expect(isAlive(exited[0]!.pid!)).toBe(false);
  });

  it('leaves no worker or ffmpeg behind when its host dies', async () => {
    const host = startHost('hang');
    try {
      const { worker, ffmpeg } = await host.pids;
      expect(isAlive(worker) && isAlive(ffmpeg)).toBe(true);

      host.child.kill('SIGKILL');
      await waitUntil(() => !isAlive(worker) && !isAlive(ffmpeg), 5000, 'the orphaned worker and its ffmpeg are gone');
    } finally {
      host.child.kill('SIGKILL');
    }
  });

  it('does not keep a host alive with idle workers when it forgets close(), and its workers follow it out', async () => {
    const host = startHost('finish');
    try {
      const { worker } = await host.pids;
      expect(await host.exit).toBe(0);
      await waitUntil(() => !isAlive(worker), 5000, 'the worker is gone');
    } finally {
      host.child.kill('SIGKILL');
    }
  });
});
