/**
 * WorkerPool: a few worker processes, each running one stage task at a time. It spawns them lazily,
 * reuses them, pings them, and replaces any that crash or stop answering; a task whose worker dies
 * fails with 'worker_crashed', a canceled task whose worker will not stop gets its worker killed.
 *
 * Callers either run(task) or, when the wait for a worker must not count as the task's time (a
 * circuit's timeout), lease() a worker first and run on the lease. Every settled task means its
 * work has really ended: the worker said so, or it and its ffmpeg were killed.
 */
import { type FromWorker, FromWorkerSchema, StageError, type StageName, type StageResult, type StageTask, StageTaskSchema } from './tasks.ts';
import { NodeWorkerSpawner, type WorkerHandle, type WorkerSpawner } from './worker-spawner.ts';

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

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (progress: { percent: number; frames: number }) => void;
  onSpawn?: (pid: number) => void;
}

/** One worker held by one caller until release(); it runs one task at a time. */
export interface Lease {
  /** The worker's pid (undefined only before a host reports it). */
  readonly pid: number | undefined;
  run(task: StageTask, options?: RunOptions): Promise<StageResult>;
  /** Gives the worker back; if a task is still running, once that task has ended. Idempotent. */
  release(): void;
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

type EventName = keyof WorkerPoolEvents;
type Listener<K extends EventName> = (event: WorkerPoolEvents[K]) => void;

interface Job {
  id: number;
  stage: StageName;
  options: RunOptions;
  resolve: (result: StageResult) => void;
  reject: (error: StageError) => void;
  aborted: boolean;
  ffmpegPid?: number;
  graceTimer?: NodeJS.Timeout;
  detach: () => void;
}

interface Slot {
  handle: WorkerHandle;
  pid: number | undefined;
  state: 'starting' | 'idle' | 'leased' | 'stopping';
  ready: boolean;
  job?: Job;
  /** The lease was released while its task ran: give the worker back when the task ends. */
  releaseAfterJob: boolean;
  /** Why the pool is ending this worker, if it is. */
  ending?: 'retire' | 'close' | 'unhealthy' | 'cancel_timeout' | 'start_timeout';
  awaitingPong: boolean;
  missed: number;
  pingSeq: number;
  invalid: number;
  rss?: number;
  heapUsed?: number;
  timer?: NodeJS.Timeout;
  exited: Promise<void>;
}

interface Waiter {
  stage: StageName | 'unknown';
  resolve: (slot: Slot) => void;
  reject: (error: StageError) => void;
  detach: () => void;
}

export class WorkerPool {
  private sizeLimit: number;
  private readonly spawner: WorkerSpawner;
  private readonly heartbeatMs: number;
  private readonly missedHeartbeats: number;
  private readonly cancelGraceMs: number;
  private readonly startTimeoutMs: number;
  private readonly slots = new Set<Slot>();
  private readonly waiters: Waiter[] = [];
  private readonly listeners = new Map<EventName, Set<(event: never) => void>>();
  private readonly heartbeat: NodeJS.Timeout;
  private nextJobId = 0;
  private closing: Promise<void> | undefined;
  private invalidTotal = 0;

  constructor(options: WorkerPoolOptions) {
    this.sizeLimit = checkedSize(options.size);
    this.spawner = options.spawner ?? new NodeWorkerSpawner({ workerPath: options.workerPath, env: options.env });
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.missedHeartbeats = options.missedHeartbeats ?? 3;
    this.cancelGraceMs = options.cancelGraceMs ?? 2000;
    this.startTimeoutMs = options.startTimeoutMs ?? 15_000;
    // One timer for the whole pool, unref'd: heartbeats alone never keep the host alive.
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  // ── public API ──

  get size(): number {
    return this.sizeLimit;
  }
  /** Workers held by a lease (running a task or about to). */
  get busy(): number {
    return this.count((s) => s.state === 'leased');
  }
  get idle(): number {
    return this.count((s) => s.state === 'idle');
  }
  /** Callers waiting for a worker. */
  get waiting(): number {
    return this.waiters.length;
  }
  /** Messages from workers that failed validation and were ignored, since the pool started. */
  get invalidMessages(): number {
    return this.invalidTotal;
  }

  on<K extends EventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  /** Waits (FIFO, abortably) for a free worker, runs the task on it, gives it back. */
  async run(task: StageTask, options: RunOptions = {}): Promise<StageResult> {
    const lease = await this.acquire(options.signal, task.stage);
    try {
      return await lease.run(task, options);
    } finally {
      lease.release();
    }
  }

  /** Waits (FIFO, abortably) for a free worker and holds it for the caller. */
  lease(signal?: AbortSignal): Promise<Lease> {
    return this.acquire(signal, 'unknown');
  }

  /** Changes how many workers may live at once; extra ones retire as soon as they are idle. */
  resize(size: number): void {
    this.sizeLimit = checkedSize(size);
    for (const slot of this.slots) if (slot.state === 'idle' && this.live() > this.sizeLimit) this.retire(slot, 'retire');
    this.dispatch();
  }

  /** Every live worker pid, and the ffmpeg pid of every running task that reported one. */
  pids(): { workers: number[]; ffmpeg: number[] } {
    const workers: number[] = [];
    const ffmpeg: number[] = [];
    for (const slot of this.slots) {
      if (slot.pid !== undefined) workers.push(slot.pid);
      if (slot.job?.ffmpegPid !== undefined) ffmpeg.push(slot.job.ffmpegPid);
    }
    return { workers, ffmpeg };
  }

  workers(): WorkerInfo[] {
    return [...this.slots].map((slot) => ({
      pid: slot.pid,
      state: slot.job ? 'running' : slot.state,
      ffmpegPid: slot.job?.ffmpegPid,
      stage: slot.job?.stage,
      missedHeartbeats: slot.missed,
      rss: slot.rss,
      heapUsed: slot.heapUsed,
    }));
  }

  /**
   * Fails waiting callers, tells every worker to stop (a running task ends 'canceled'), kills those
   * that do not exit within cancelGraceMs, and resolves once every worker has exited.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      for (const waiter of this.waiters.splice(0)) {
        waiter.detach();
        waiter.reject(new StageError('canceled', waiter.stage, 'the worker pool closed'));
      }
      const exits: Array<Promise<void>> = [];
      for (const slot of this.slots) {
        if (slot.ending !== 'retire') this.retire(slot, 'close');
        exits.push(slot.exited);
      }
      await Promise.all(exits);
    })();
    return this.closing;
  }

  // ── leasing ──

  private acquire(signal: AbortSignal | undefined, stage: StageName | 'unknown'): Promise<Lease> {
    if (this.closing) return Promise.reject(new StageError('canceled', stage, 'the worker pool is closed'));
    if (signal?.aborted) return Promise.reject(canceledBy(signal, stage, 'while waiting for a worker'));
    return new Promise<Slot>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(canceledBy(signal!, stage, 'while waiting for a worker'));
      };
      const waiter: Waiter = { stage, resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.dispatch();
    }).then((slot) => this.leaseOf(slot));
  }

  private leaseOf(slot: Slot): Lease {
    let released = false;
    return {
      pid: slot.pid,
      run: (task, options = {}) => {
        if (released) return Promise.reject(new Error('this lease was released; lease a worker again'));
        return this.start(slot, task, options);
      },
      release: () => {
        if (released) return;
        released = true;
        if (slot.job) slot.releaseAfterJob = true;
        else this.giveBack(slot);
      },
    };
  }

  /** Hands idle workers to waiters in order, starting new workers while under size. */
  private dispatch(): void {
    if (this.closing) return;
    while (this.waiters.length > 0) {
      const idle = [...this.slots].find((s) => s.state === 'idle');
      if (idle) {
        const waiter = this.waiters.shift()!;
        waiter.detach();
        idle.state = 'leased';
        idle.handle.setKeepAlive?.(true);
        waiter.resolve(idle);
        continue;
      }
      // Start only as many workers as there are callers not already waiting on one being started.
      if (this.live() < this.sizeLimit && this.count((s) => s.state === 'starting') < this.waiters.length) {
        this.spawn();
        continue;
      }
      break;
    }
  }

  /** Back from a lease: idle for the next caller, or retired if the pool has shrunk. */
  private giveBack(slot: Slot): void {
    slot.releaseAfterJob = false;
    if (!this.slots.has(slot) || (slot.state !== 'leased' && slot.state !== 'starting')) return;
    if (this.closing || this.live() > this.sizeLimit) {
      this.retire(slot, 'retire');
      return;
    }
    slot.state = 'idle';
    slot.handle.setKeepAlive?.(false);
    this.dispatch();
  }

  // ── tasks ──

  private start(slot: Slot, task: StageTask, options: RunOptions): Promise<StageResult> {
    const stage = task.stage;
    if (!this.slots.has(slot)) return Promise.reject(new StageError(this.closing ? 'canceled' : 'worker_crashed', stage, `worker ${slot.pid} is gone`));
    if (slot.job) return Promise.reject(new Error(`worker ${slot.pid} is already running a task on this lease`));
    if (options.signal?.aborted) return Promise.reject(canceledBy(options.signal, stage, 'before it started'));
    const valid = StageTaskSchema.safeParse(task);
    if (!valid.success) {
      const issue = valid.error.issues[0];
      return Promise.reject(new StageError('invalid_task', stage, `invalid task: ${issue?.path.join('.')}: ${issue?.message}`));
    }
    return new Promise<StageResult>((resolve, reject) => {
      const signal = options.signal;
      const job: Job = {
        id: this.nextJobId++,
        stage,
        options,
        resolve,
        reject,
        aborted: false,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      // Cancel politely; a worker that has not ended the task within the grace period is killed.
      const onAbort = () => {
        job.aborted = true;
        slot.handle.send({ type: 'cancel', id: job.id });
        job.graceTimer = setTimeout(() => this.kill(slot, 'cancel_timeout'), this.cancelGraceMs);
        job.graceTimer.unref();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.job = job;
      slot.handle.send({ type: 'run', id: job.id, task: valid.data });
    });
  }

  private settle(slot: Slot, job: Job, outcome: { result: StageResult } | { error: StageError }): void {
    if (slot.job !== job) return;
    slot.job = undefined;
    clearTimeout(job.graceTimer);
    job.detach();
    // Whatever the worker's last word, a task the caller aborted ends as canceled.
    if (job.aborted && !('error' in outcome && outcome.error.code === 'canceled')) {
      const log = 'error' in outcome ? outcome.error.ffmpegLog : outcome.result.ffmpegLog;
      job.reject(new StageError('canceled', job.stage, 'canceled by the caller', log));
    } else if ('error' in outcome) job.reject(outcome.error);
    else job.resolve(outcome.result);
    if (slot.releaseAfterJob) this.giveBack(slot);
  }

  // ── worker lifecycle ──

  private spawn(): void {
    const handle = this.spawner.spawn();
    let markExited = () => {};
    const slot: Slot = {
      handle,
      pid: handle.pid,
      state: 'starting',
      ready: false,
      releaseAfterJob: false,
      awaitingPong: false,
      missed: 0,
      pingSeq: 0,
      invalid: 0,
      exited: new Promise<void>((resolve) => (markExited = resolve)),
    };
    this.slots.add(slot);
    handle.setKeepAlive?.(true);
    slot.timer = setTimeout(() => this.kill(slot, 'start_timeout'), this.startTimeoutMs);
    slot.timer.unref();
    handle.onMessage((raw) => this.receive(slot, raw));
    handle.onExit((code, signal) => {
      this.exited(slot, code, signal);
      markExited();
    });
  }

  private receive(slot: Slot, raw: unknown): void {
    // A flooding worker's garbage is turned away before zod builds an error object for each message
    // (that cost the host ~150 MB of RSS in the chaos suite's flood).
    const parsed = hasKnownType(raw) ? FromWorkerSchema.safeParse(raw) : NOT_A_MESSAGE;
    if (!parsed.success) {
      slot.invalid++;
      this.invalidTotal++;
      if (/^10*$/.test(String(slot.invalid))) {
        this.emit('invalid_message', { pid: slot.pid, count: slot.invalid, issue: parsed.error.issues[0]?.message ?? 'invalid' });
      }
      return;
    }
    const message: FromWorker = parsed.data;
    const job = slot.job;
    switch (message.type) {
      case 'ready':
        if (slot.state !== 'starting') return;
        clearTimeout(slot.timer);
        slot.pid = message.pid;
        slot.ready = true;
        slot.state = 'leased';
        this.emit('worker_started', { pid: slot.pid });
        this.giveBack(slot);
        return;
      case 'pong':
        slot.awaitingPong = false;
        slot.missed = 0;
        slot.rss = message.rss;
        slot.heapUsed = message.heapUsed;
        return;
      case 'error':
        this.emit('worker_error', { pid: slot.pid, message: message.message });
        return;
    }
    // The rest are about a task; stale ones (a task that already ended) are ignored.
    if (!job || message.id !== job.id) return;
    switch (message.type) {
      case 'spawned':
        job.ffmpegPid = message.pid;
        if (job.options.onSpawn) callSafely(job.options.onSpawn, message.pid);
        return;
      case 'progress':
        if (job.options.onProgress) callSafely(job.options.onProgress, { percent: message.percent, frames: message.frames });
        return;
      case 'done':
        this.settle(slot, job, { result: message.result });
        return;
      case 'failed':
        this.settle(slot, job, { error: new StageError(message.code, job.stage, message.message, message.ffmpegLog) });
        return;
    }
  }

  private exited(slot: Slot, code: number | null, signal: string | null): void {
    this.slots.delete(slot);
    clearTimeout(slot.timer);
    // Reap what the worker left behind: an ffmpeg orphaned by a crash is still in its process group.
    slot.handle.kill();
    const expected = slot.ending === 'retire' || slot.ending === 'close';
    const job = slot.job;
    if (job) {
      // Its ffmpeg, if it was running one, by pid as well: hosts without process groups (Electron's
      // utilityProcess, Windows) have no other way to reach it once the worker is gone.
      if (job.ffmpegPid !== undefined) killQuietly(job.ffmpegPid);
      const why = slot.ending === 'unhealthy' ? 'stopped answering heartbeats and was killed' : `exited (code ${code}, signal ${signal})`;
      const errorCode = this.closing ? 'canceled' : 'worker_crashed';
      this.settle(slot, job, { error: new StageError(errorCode, job.stage, `worker ${slot.pid} ${why} during ${job.stage}`) });
    }
    if (!slot.ready && !expected && !this.closing) {
      // A worker that dies before it is ready fails one waiting caller rather than being retried
      // forever: a broken worker entry must surface as an error, not as a fork loop.
      const waiter = this.waiters.shift();
      waiter?.detach();
      waiter?.reject(new StageError('worker_crashed', waiter.stage, `a worker failed to start (code ${code}, signal ${signal}${slot.ending === 'start_timeout' ? ', not ready in time' : ''})`));
    }
    const replaced = slot.ready && !expected && !this.closing && this.live() < this.sizeLimit;
    if (replaced) this.spawn();
    this.emit('worker_exited', { pid: slot.pid, code, signal, replaced, expected });
    this.dispatch();
  }

  /** Asks a worker to exit (it cancels any task), and kills it if it has not within the grace period. */
  private retire(slot: Slot, why: 'retire' | 'close'): void {
    slot.ending = why;
    slot.state = 'stopping';
    // Held until it has exited, so that awaiting close() keeps the host alive until it resolves.
    slot.handle.setKeepAlive?.(true);
    slot.handle.send({ type: 'shutdown' });
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => slot.handle.kill(), this.cancelGraceMs);
    slot.timer.unref();
  }

  private kill(slot: Slot, why: 'unhealthy' | 'cancel_timeout' | 'start_timeout'): void {
    if (!this.slots.has(slot)) return;
    slot.ending ??= why;
    slot.handle.kill();
  }

  private beat(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.ending) continue;
      if (slot.awaitingPong && ++slot.missed >= this.missedHeartbeats) {
        this.emit('worker_unhealthy', { pid: slot.pid, missed: slot.missed });
        this.kill(slot, 'unhealthy');
        continue;
      }
      slot.awaitingPong = true;
      slot.handle.send({ type: 'ping', seq: slot.pingSeq++ });
    }
  }

  // ── helpers ──

  /** Workers that count against size: all but those already on their way out. */
  private live(): number {
    return this.count((s) => s.state !== 'stopping');
  }

  private count(predicate: (slot: Slot) => boolean): number {
    let n = 0;
    for (const slot of this.slots) if (predicate(slot)) n++;
    return n;
  }

  private emit<K extends EventName>(name: K, event: WorkerPoolEvents[K]): void {
    for (const listener of this.listeners.get(name) ?? []) callSafely(listener as Listener<K>, event);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}

function checkedSize(size: number): number {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be a whole number of at least 1, not ${size}`);
  return size;
}

function canceledBy(signal: AbortSignal, stage: StageName | 'unknown', when: string): StageError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new StageError('canceled', stage, `canceled ${when}${reason}`);
}

/**
 * Calls a caller's callback from inside a worker's message handler. A throwing callback must not
 * leave the pool's bookkeeping half-done, so its error is rethrown on a later tick, still loud.
 */
function callSafely<T>(fn: (value: T) => void, value: T): void {
  try {
    fn(value);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

const WORKER_MESSAGE_TYPES: ReadonlySet<unknown> = new Set(FromWorkerSchema.options.map((o) => o.shape.type.value));
const NOT_A_MESSAGE = { success: false, error: { issues: [{ message: 'not a worker message: no known type' }] } } as const;

function hasKnownType(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && WORKER_MESSAGE_TYPES.has((raw as { type?: unknown }).type);
}
