import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FromWorker } from '../src-main/engine/tasks.ts';
import { frameTask, isAlive, waitUntil } from './fixtures/stage-tasks.ts';

const workerPath = fileURLToPath(new URL('../src-main/worker.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'storycore-worker-'));
const children: ChildProcess[] = [];

/** A forked worker and what it has said so far; next() waits for the first unread message that matches. */
function startWorker() {
  // execArgv: [] so vitest's own flags are not inherited by the worker.
  const child = fork(workerPath, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.push(child);
  const inbox: FromWorker[] = [];
  const wanted: Array<{ match: (m: FromWorker) => boolean; resolve: (m: FromWorker) => void }> = [];
  child.on('message', (raw) => {
    const message = raw as FromWorker;
    const index = wanted.findIndex((w) => w.match(message));
    if (index >= 0) wanted.splice(index, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  const next = <T extends FromWorker['type']>(type: T, match: (m: Extract<FromWorker, { type: T }>) => boolean = () => true) =>
    new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
      const test = (m: FromWorker) => m.type === type && match(m as Extract<FromWorker, { type: T }>);
      const index = inbox.findIndex(test);
      if (index >= 0) return resolve(inbox.splice(index, 1)[0] as Extract<FromWorker, { type: T }>);
      wanted.push({ match: test, resolve: resolve as (m: FromWorker) => void });
      child.once('exit', (code, signal) => reject(new Error(`worker exited (${code}, ${signal}) while we waited for ${type}`)));
    });
  return { child, next, inbox };
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worker process (child_process.fork)', () => {
  it('says ready, answers heartbeats with its own pid, reports bad messages, and exits on shutdown', async () => {
    const { child, next } = startWorker();
    expect(await next('ready')).toEqual({ type: 'ready', pid: child.pid });

    child.send({ type: 'ping', seq: 7 });
    const pong = await next('pong');
    expect(pong).toMatchObject({ type: 'pong', seq: 7, pid: child.pid, channel: 'fork' });
    expect(pong.rss).toBeGreaterThan(0);

    child.send({ type: 'render everything', seq: -1 });
    expect(await next('error')).toMatchObject({ message: expect.stringMatching(/unknown message/) });

    child.send({ type: 'shutdown' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('runs a stage task: spawned, progress, done; refuses a second task while busy, and a bad task', async () => {
    const { child, next, inbox } = startWorker();
    await next('ready');
    const task = frameTask(dir, 'worker-run');
    child.send({ type: 'run', id: 1, task });
    child.send({ type: 'run', id: 2, task: frameTask(dir, 'worker-busy') });
    expect(await next('failed', (m) => m.id === 2)).toMatchObject({ code: 'invalid_task', message: expect.stringMatching(/busy/) });

    const spawned = await next('spawned');
    expect(spawned.id).toBe(1);
    const done = await next('done');
    expect(done).toMatchObject({ id: 1, result: { output: task.output } });
    expect(existsSync(task.output)).toBe(true);
    expect(inbox.filter((m) => m.type === 'progress').length).toBeGreaterThan(0);
    await waitUntil(() => !isAlive(spawned.pid), 2000, 'ffmpeg exited');

    child.send({ type: 'run', id: 3, task: { ...task, frames: 0 } });
    expect(await next('failed', (m) => m.id === 3)).toMatchObject({ code: 'invalid_task', message: expect.stringMatching(/frames/) });
  });

  it('cancels a running task: its ffmpeg is killed and the task fails as canceled; then it takes the next', async () => {
    const { child, next } = startWorker();
    await next('ready');
    child.send({ type: 'run', id: 1, task: frameTask(dir, 'worker-cancel', 'hang') });
    const { pid: ffmpeg } = await next('spawned');
    child.send({ type: 'cancel', id: 99 });
    child.send({ type: 'cancel', id: 1 });
    expect(await next('failed', (m) => m.id === 1)).toMatchObject({ code: 'canceled' });
    await waitUntil(() => !isAlive(ffmpeg), 2000, 'ffmpeg is gone');

    child.send({ type: 'run', id: 2, task: frameTask(dir, 'worker-after-cancel') });
    expect(await next('done')).toMatchObject({ id: 2 });
  });

  it("crashes for real under chaos 'crash': SIGKILLed mid-stage, after ffmpeg started", async () => {
    const { child, next } = startWorker();
    await next('ready');
    child.send({ type: 'run', id: 1, task: frameTask(dir, 'worker-crash', 'crash', { width: 640, height: 360, fps: 30, frames: 900 }) });
    await next('spawned');
    const [code, signal] = await once(child, 'exit');
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('stops its task, ffmpeg included, and exits when its host goes away', async () => {
    const { child, next } = startWorker();
    await next('ready');
    child.send({ type: 'run', id: 1, task: frameTask(dir, 'worker-orphan', 'hang') });
    const { pid: ffmpeg } = await next('spawned');
    child.disconnect();
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    await waitUntil(() => !isAlive(ffmpeg), 2000, 'ffmpeg is gone');
  });

  it('refuses to run on its own, with a message that says how it is meant to start', () => {
    const result = spawnSync(process.execPath, [workerPath], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/must be started by the studio/);
  });
});
