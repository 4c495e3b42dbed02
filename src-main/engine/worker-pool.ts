/**
 * WorkerPool: a few worker processes, each running one stage task at a time. It spawns them lazily,
 * reuses them, pings them, and replaces any that crash or stop answering; a task whose worker dies
 * fails with 'worker_crashed', a canceled task whose worker will not stop gets its worker killed.
 *
 * Callers either run(task) or, when the wait for a worker must not count as the task's time (a
 * circuit's timeout), lease() a worker first and run on the lease. Every settled task means its
 * work has really ended: the worker said so, or it and its ffmpeg were killed.
 *
 * This file decides who gets a worker and what follows a worker's exit; pooled-worker.ts keeps one
 * worker's life (heartbeats, its task, its end), worker-lease.ts the lease and the waiting line.
 */
import { TypedEmitter } from '../breaker/emitter.ts';
import { PooledWorker, type WorkerHooks, type WorkerTimings } from './pooled-worker.ts';
import { StageError, type StageLabel, type StageName, type StageResult, type StageTask } from './tasks.ts';
import { LeaseQueue, type StageRunOptions, type WorkerLease, type WorkerLeaser, canceledBy } from './worker-lease.ts';
import { NodeWorkerSpawner, type WorkerSpawner } from './worker-spawner.ts';

export type { WorkerHandle, WorkerSpawner } from './worker-spawner.ts';

export interface WorkerPoolOptions {
  /** Most workers alive at once (at least 1). */
  size: number;
  /** Where workers come from; by default child_process.fork of workerPath with env. */
  spawner?: WorkerSpawner;
  workerPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Ping interval. */
  heartbeatMs?: number;
  /** Unanswered pings in a row after which a worker is killed and replaced. */
  missedHeartbeats?: number;
  /** How long a worker gets to stop a canceled task, or to exit when told to, before it is killed. */
  cancelGraceMs?: number;
  /** How long a new worker gets to say it is ready. */
  startTimeoutMs?: number;
}

export interface WorkerPoolEvents {
  worker_started: { pid: number | undefined };
  /** replaced: a new worker was started in its place; expected: the pool asked it to exit. */
  worker_exited: { pid: number | undefined; code: number | null; signal: string | null; replaced: boolean; expected: boolean };
  worker_unhealthy: { pid: number | undefined; missed: number };
  /** Reported at the 1st, 10th, 100th... invalid message of a worker, so a flood stays a trickle. */
  invalid_message: { pid: number | undefined; count: number; issue: string };
  /** A worker's own complaint (it got a message it did not understand). */
  worker_error: { pid: number | undefined; message: string };
}

export interface WorkerInfo {
  pid: number | undefined;
  state: 'starting' | 'idle' | 'leased' | 'running' | 'stopping';
  ffmpegPid: number | undefined;
  stage: StageName | undefined;
  missedHeartbeats: number;
  /** From the last pong, bytes. */
  rss: number | undefined;
  heapUsed: number | undefined;
}

export class WorkerPool implements WorkerLeaser {
  private sizeLimit: number;
  private readonly spawner: WorkerSpawner;
  private readonly missedHeartbeats: number;
  private readonly timings: WorkerTimings;
  private readonly alive = new Set<PooledWorker>();
  private readonly queue = new LeaseQueue<PooledWorker>();
  private readonly events = new TypedEmitter<WorkerPoolEvents>();
  private readonly heartbeat: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  private invalidTotal = 0;

  constructor(options: WorkerPoolOptions) {
    this.sizeLimit = checkedSize(options.size);
    this.spawner = options.spawner ?? new NodeWorkerSpawner({ workerPath: options.workerPath, env: options.env });
    this.missedHeartbeats = options.missedHeartbeats ?? 3;
    this.timings = { cancelGraceMs: options.cancelGraceMs ?? 2000, startTimeoutMs: options.startTimeoutMs ?? 15_000 };
    // One timer for the whole pool, unref'd: heartbeats alone never keep the host alive.
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 1000);
    this.heartbeat.unref();
  }

  // ── public API ──

  get size(): number {
    return this.sizeLimit;
  }
  /** Workers held by a lease (running a task or about to). */
  get busy(): number {
    return this.count((w) => w.state === 'leased');
  }
  get idle(): number {
    return this.count((w) => w.state === 'idle');
  }
  /** Callers waiting for a worker. */
  get waiting(): number {
    return this.queue.length;
  }
  /** Messages from workers that failed validation and were ignored, since the pool started. */
  get invalidMessages(): number {
    return this.invalidTotal;
  }

  on<K extends keyof WorkerPoolEvents>(name: K, listener: (event: WorkerPoolEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  /** Waits (FIFO, abortably) for a free worker, runs the task on it, gives it back. */
  async run(task: StageTask, options: StageRunOptions = {}): Promise<StageResult> {
    const lease = await this.acquire(options.signal, task.stage);
    try {
      return await lease.run(task, options);
    } finally {
      lease.release();
    }
  }

  /** Waits (FIFO, abortably) for a free worker and holds it for the caller. */
  lease(signal?: AbortSignal): Promise<WorkerLease> {
    return this.acquire(signal, 'unknown');
  }

  /** Changes how many workers may live at once; extra ones retire as soon as they are idle. */
  resize(size: number): void {
    this.sizeLimit = checkedSize(size);
    for (const worker of this.alive) if (worker.state === 'idle' && this.live() > this.sizeLimit) worker.retire('retire');
    this.dispatch();
  }

  /** Every live worker pid, and the ffmpeg pid of every running task that reported one. */
  pids(): { workers: number[]; ffmpeg: number[] } {
    const workers: number[] = [];
    const ffmpeg: number[] = [];
    for (const worker of this.alive) {
      if (worker.pid !== undefined) workers.push(worker.pid);
      const ffmpegPid = worker.running?.ffmpegPid;
      if (ffmpegPid !== undefined) ffmpeg.push(ffmpegPid);
    }
    return { workers, ffmpeg };
  }

  workers(): WorkerInfo[] {
    return [...this.alive].map((worker) => {
      const running = worker.running;
      return {
        pid: worker.pid,
        state: running ? 'running' : worker.state,
        ffmpegPid: running?.ffmpegPid,
        stage: running?.stage,
        missedHeartbeats: worker.missedHeartbeats,
        rss: worker.rss,
        heapUsed: worker.heapUsed,
      };
    });
  }

  /**
   * Fails waiting callers, tells every worker to stop (a running task ends 'canceled'), kills those
   * that do not exit within cancelGraceMs, and resolves once every worker has exited.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      this.queue.failAll((stage) => new StageError('canceled', stage, 'the worker pool closed'));
      const exits: Array<Promise<void>> = [];
      for (const worker of this.alive) {
        if (worker.ending !== 'retire') worker.retire('close');
        exits.push(worker.exited);
      }
      await Promise.all(exits);
    })();
    return this.closing;
  }

  // ── leasing ──

  private acquire(signal: AbortSignal | undefined, stage: StageLabel): Promise<WorkerLease> {
    if (this.closing) return Promise.reject(new StageError('canceled', stage, 'the worker pool is closed'));
    if (signal?.aborted) return Promise.reject(canceledBy(signal, stage, 'while waiting for a worker'));
    const served = this.queue.wait(signal, stage);
    this.dispatch();
    return served.then((worker) => this.leaseOf(worker));
  }

  private leaseOf(worker: PooledWorker): WorkerLease {
    let released = false;
    return {
      pid: worker.pid,
      run: (task, options = {}) => {
        if (released) return Promise.reject(new Error('this lease was released; lease a worker again'));
        return worker.run(task, options);
      },
      release: () => {
        if (released) return;
        released = true;
        if (worker.running) worker.releaseAfterTask = true;
        else this.giveBack(worker);
      },
    };
  }

  /** Hands idle workers to waiters in order, starting new workers while under size. */
  private dispatch(): void {
    if (this.closing) return;
    while (this.queue.length > 0) {
      const idle = [...this.alive].find((w) => w.state === 'idle');
      if (idle) {
        idle.state = 'leased';
        idle.handle.setKeepAlive?.(true);
        this.queue.serveNext(idle);
        continue;
      }
      // Start only as many workers as there are callers not already waiting on one being started.
      if (this.live() < this.sizeLimit && this.count((w) => w.state === 'starting') < this.queue.length) {
        this.spawn();
        continue;
      }
      break;
    }
  }

  /** Back from a lease: idle for the next caller, or retired if the pool has shrunk. */
  private giveBack(worker: PooledWorker): void {
    worker.releaseAfterTask = false;
    if (worker.gone || (worker.state !== 'leased' && worker.state !== 'starting')) return;
    if (this.closing || this.live() > this.sizeLimit) {
      worker.retire('retire');
      return;
    }
    worker.state = 'idle';
    worker.handle.setKeepAlive?.(false);
    this.dispatch();
  }

  // ── workers coming and going ──

  private readonly hooks: WorkerHooks = {
    closing: () => this.closing !== undefined,
    ready: (worker) => {
      this.events.emit('worker_started', { pid: worker.pid });
      this.giveBack(worker);
    },
    taskEnded: (worker) => {
      if (worker.releaseAfterTask) this.giveBack(worker);
    },
    invalidMessage: (worker, issue) => {
      this.invalidTotal++;
      if (/^10*$/.test(String(worker.invalidMessages))) this.events.emit('invalid_message', { pid: worker.pid, count: worker.invalidMessages, issue });
    },
    workerError: (worker, message) => this.events.emit('worker_error', { pid: worker.pid, message }),
    exited: (worker, code, signal) => this.exited(worker, code, signal),
  };

  private spawn(): void {
    const worker = new PooledWorker(this.spawner.spawn(), this.timings, this.hooks);
    // A handle that reports its exit at once has already been through exited(): nothing to keep.
    if (!worker.gone) this.alive.add(worker);
  }

  private exited(worker: PooledWorker, code: number | null, signal: string | null): void {
    this.alive.delete(worker);
    const expected = worker.ending === 'retire' || worker.ending === 'close';
    if (!worker.ready && !expected && !this.closing) {
      // A worker that dies before it is ready fails one waiting caller rather than being retried
      // forever: a broken worker entry must surface as an error, not as a fork loop.
      const late = worker.ending === 'start_timeout' ? ', not ready in time' : '';
      this.queue.failNext((stage) => new StageError('worker_crashed', stage, `a worker failed to start (code ${code}, signal ${signal}${late})`));
    }
    const replaced = worker.ready && !expected && !this.closing && this.live() < this.sizeLimit;
    if (replaced) this.spawn();
    this.events.emit('worker_exited', { pid: worker.pid, code, signal, replaced, expected });
    this.dispatch();
  }

  private beat(): void {
    for (const worker of this.alive) {
      if (worker.ping(this.missedHeartbeats)) continue;
      this.events.emit('worker_unhealthy', { pid: worker.pid, missed: worker.missedHeartbeats });
      worker.kill('unhealthy');
    }
  }

  /** Workers that count against size: all but those already on their way out. */
  private live(): number {
    return this.count((w) => w.state !== 'stopping');
  }

  private count(predicate: (worker: PooledWorker) => boolean): number {
    let n = 0;
    for (const worker of this.alive) if (predicate(worker)) n++;
    return n;
  }
}

function checkedSize(size: number): number {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be a whole number of at least 1, not ${size}`);
  return size;
}
