/**
 * A WorkerSpawner that hands the pool real workers and watches their traffic, so a scenario knows
 * exactly what the pool knows: each worker's pid, the task it runs and the ffmpeg pid it reported.
 * It changes nothing in either direction.
 */
import type { StageName } from '../../../src-main/engine/tasks.ts';
import type { WorkerHandle, WorkerSpawner } from '../../../src-main/engine/worker-spawner.ts';

export interface WatchedTask {
  id: number;
  stage: StageName;
  output: string;
  /** The ffmpeg pids the worker reported for this task, in order. */
  ffmpeg: number[];
}

export interface WatchedWorker {
  pid: number | undefined;
  task: WatchedTask | undefined;
  /** Every ffmpeg pid this worker ever reported. */
  ffmpeg: number[];
  exit: { code: number | null; signal: string | null } | undefined;
  /** Messages it sent the host, of any kind, valid or not. */
  messages: number;
}

export interface SpawnedFfmpeg {
  worker: WatchedWorker;
  task: WatchedTask;
  pid: number;
}

export class WatchingSpawner implements WorkerSpawner {
  readonly workers: WatchedWorker[] = [];
  private readonly inner: WorkerSpawner;
  private readonly spawnListeners = new Set<(spawned: SpawnedFfmpeg) => void>();

  constructor(inner: WorkerSpawner) {
    this.inner = inner;
  }

  /** Every worker and ffmpeg pid the pool was told of. */
  knownPids(): number[] {
    return this.workers.flatMap((w) => [...(w.pid === undefined ? [] : [w.pid]), ...w.ffmpeg]);
  }

  /** Resolves with the first ffmpeg started from now on that matches; rejects after timeoutMs. */
  nextFfmpeg(what: string, matches: (spawned: SpawnedFfmpeg) => boolean, timeoutMs = 60_000): Promise<SpawnedFfmpeg> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.spawnListeners.delete(listener);
        reject(new Error(`no ${what} ffmpeg started within ${timeoutMs} ms`));
      }, timeoutMs);
      // A watch nobody needs any more (its scenario ended) must not keep the test process alive.
      timer.unref();
      const listener = (spawned: SpawnedFfmpeg) => {
        if (!matches(spawned)) return;
        clearTimeout(timer);
        this.spawnListeners.delete(listener);
        resolve(spawned);
      };
      this.spawnListeners.add(listener);
    });
  }

  spawn(): WorkerHandle {
    const handle = this.inner.spawn();
    const worker: WatchedWorker = { pid: handle.pid, task: undefined, ffmpeg: [], exit: undefined, messages: 0 };
    this.workers.push(worker);
    const watchIncoming = (raw: unknown) => {
      worker.messages++;
      const message = raw as { type?: string; id?: number; pid?: number };
      const task = worker.task;
      if (message.type === 'spawned' && task && message.id === task.id && typeof message.pid === 'number') {
        task.ffmpeg.push(message.pid);
        worker.ffmpeg.push(message.pid);
        for (const listener of [...this.spawnListeners]) listener({ worker, task, pid: message.pid });
      } else if ((message.type === 'done' || message.type === 'failed') && task && message.id === task.id) {
        worker.task = undefined;
      }
    };
    return {
      get pid() {
        return handle.pid;
      },
      send(message: unknown) {
        const run = message as { type?: string; id?: number; task?: { stage: StageName; output: string } };
        if (run.type === 'run' && typeof run.id === 'number' && run.task) worker.task = { id: run.id, stage: run.task.stage, output: run.task.output, ffmpeg: [] };
        handle.send(message);
      },
      onMessage(listener) {
        handle.onMessage((raw) => {
          watchIncoming(raw);
          listener(raw);
        });
      },
      onExit(listener) {
        handle.onExit((code, signal) => {
          worker.exit = { code, signal };
          listener(code, signal);
        });
      },
      kill: () => handle.kill(),
      ...(handle.setKeepAlive ? { setKeepAlive: (keepAlive: boolean) => handle.setKeepAlive!(keepAlive) } : {}),
    };
  }
}
