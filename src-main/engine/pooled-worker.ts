/**
 * One worker process's life in the pool: starting (until it says it is ready, or is killed for
 * taking too long), its heartbeats, the one task it runs at a time (polite cancel, then kill), and
 * its end: asked to exit, or killed, and reaped with whatever it left behind. The pool decides who
 * gets the worker and what happens after it exits; this file keeps the worker's own bookkeeping.
 */
import { type FromWorker, FromWorkerSchema, StageError, type StageName, type StageResult, type StageTask, StageTaskSchema } from './tasks.ts';
import { type StageRunOptions, canceledBy } from './worker-lease.ts';
import type { WorkerHandle } from './worker-spawner.ts';

/** Why the pool is ending a worker: asked to exit (retire, close), or killed (the rest). */
type Ending = 'retire' | 'close' | 'unhealthy' | 'cancel_timeout' | 'start_timeout';

/** What the worker tells its pool; the pool answers with who gets the worker next. */
export interface WorkerHooks {
  /** The pool is closing: a task cut short ends 'canceled', not 'worker_crashed'. */
  closing(): boolean;
  ready(worker: PooledWorker): void;
  /** A task ended; if its lease was released meanwhile, the worker is the pool's again. */
  taskEnded(worker: PooledWorker): void;
  invalidMessage(worker: PooledWorker, issue: string): void;
  workerError(worker: PooledWorker, message: string): void;
  /** The process exited; the worker has already ended its task and reaped what it left. */
  exited(worker: PooledWorker, code: number | null, signal: string | null): void;
}

export interface WorkerTimings {
  /** How long a worker gets to stop a canceled task, or to exit when told to, before it is killed. */
  cancelGraceMs: number;
  /** How long a new worker gets to say it is ready. */
  startTimeoutMs: number;
}

interface Task {
  id: number;
  stage: StageName;
  options: StageRunOptions;
  resolve: (result: StageResult) => void;
  reject: (error: StageError) => void;
  aborted: boolean;
  ffmpegPid?: number;
  graceTimer?: NodeJS.Timeout;
  detach: () => void;
}

type Outcome = { result: StageResult } | { error: StageError };

export class PooledWorker {
  readonly handle: WorkerHandle;
  pid: number | undefined;
  /** Set by the pool as it hands the worker out and takes it back; 'stopping' once it is ending. */
  state: 'starting' | 'idle' | 'leased' | 'stopping' = 'starting';
  ready = false;
  /** The process has exited: nothing more runs on it. */
  gone = false;
  /** The lease was released while its task ran: give the worker back when the task ends. */
  releaseAfterTask = false;
  ending: Ending | undefined;
  missedHeartbeats = 0;
  /** Messages that failed validation and were ignored. */
  invalidMessages = 0;
  /** From the last pong, bytes. */
  rss: number | undefined;
  heapUsed: number | undefined;
  /** Resolves once the process has exited and the pool has heard of it. */
  readonly exited: Promise<void>;
  private task: Task | undefined;
  private nextTaskId = 0;
  private awaitingPong = false;
  private pingSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly timings: WorkerTimings;
  private readonly hooks: WorkerHooks;

  constructor(handle: WorkerHandle, timings: WorkerTimings, hooks: WorkerHooks) {
    this.handle = handle;
    this.pid = handle.pid;
    this.timings = timings;
    this.hooks = hooks;
    let markExited = () => {};
    this.exited = new Promise<void>((resolve) => (markExited = resolve));
    handle.setKeepAlive?.(true);
    this.timer = setTimeout(() => this.kill('start_timeout'), timings.startTimeoutMs);
    this.timer.unref();
    handle.onMessage((raw) => this.receive(raw));
    handle.onExit((code, signal) => {
      this.onExit(code, signal);
      markExited();
    });
  }

  /** The running task's stage and ffmpeg pid, if it runs one. */
  get running(): { stage: StageName; ffmpegPid: number | undefined } | undefined {
    return this.task && { stage: this.task.stage, ffmpegPid: this.task.ffmpegPid };
  }

  run(task: StageTask, options: StageRunOptions): Promise<StageResult> {
    const stage = task.stage;
    if (this.gone) return Promise.reject(new StageError(this.hooks.closing() ? 'canceled' : 'worker_crashed', stage, `worker ${this.pid} is gone`));
    if (this.task) return Promise.reject(new Error(`worker ${this.pid} is already running a task on this lease`));
    if (options.signal?.aborted) return Promise.reject(canceledBy(options.signal, stage, 'before it started'));
    const valid = StageTaskSchema.safeParse(task);
    if (!valid.success) {
      const issue = valid.error.issues[0];
      return Promise.reject(new StageError('invalid_task', stage, `invalid task: ${issue?.path.join('.')}: ${issue?.message}`));
    }
    return new Promise<StageResult>((resolve, reject) => {
      const signal = options.signal;
      const running: Task = { id: this.nextTaskId++, stage, options, resolve, reject, aborted: false, detach: () => signal?.removeEventListener('abort', onAbort) };
      // Cancel politely; a worker that has not ended the task within the grace period is killed.
      const onAbort = () => {
        running.aborted = true;
        this.handle.send({ type: 'cancel', id: running.id });
        running.graceTimer = setTimeout(() => this.kill('cancel_timeout'), this.timings.cancelGraceMs);
        running.graceTimer.unref();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.task = running;
      this.handle.send({ type: 'run', id: running.id, task: valid.data });
    });
  }

  /** Pings the worker; false (and no ping) once it has left `limit` pings in a row unanswered. */
  ping(limit: number): boolean {
    if (!this.ready || this.ending) return true;
    if (this.awaitingPong && ++this.missedHeartbeats >= limit) return false;
    this.awaitingPong = true;
    this.handle.send({ type: 'ping', seq: this.pingSeq++ });
    return true;
  }

  /** Asks the worker to exit (it cancels any task), and kills it if it has not within the grace period. */
  retire(why: 'retire' | 'close'): void {
    this.ending = why;
    this.state = 'stopping';
    // Held until it has exited, so that awaiting close() keeps the host alive until it resolves.
    this.handle.setKeepAlive?.(true);
    this.handle.send({ type: 'shutdown' });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.handle.kill(), this.timings.cancelGraceMs);
    this.timer.unref();
  }

  kill(why: 'unhealthy' | 'cancel_timeout' | 'start_timeout'): void {
    if (this.gone) return;
    this.ending ??= why;
    this.handle.kill();
  }

  private receive(raw: unknown): void {
    // A flooding worker's garbage is turned away before zod builds an error object for each message
    // (that cost the host ~150 MB of RSS in the chaos suite's flood).
    const parsed = hasKnownType(raw) ? FromWorkerSchema.safeParse(raw) : NOT_A_MESSAGE;
    if (!parsed.success) {
      this.invalidMessages++;
      this.hooks.invalidMessage(this, parsed.error.issues[0]?.message ?? 'invalid');
      return;
    }
    const message: FromWorker = parsed.data;
    const task = this.task;
    switch (message.type) {
      case 'ready':
        if (this.state !== 'starting') return;
        clearTimeout(this.timer);
        this.pid = message.pid;
        this.ready = true;
        this.state = 'leased';
        this.hooks.ready(this);
        return;
      case 'pong':
        this.awaitingPong = false;
        this.missedHeartbeats = 0;
        this.rss = message.rss;
        this.heapUsed = message.heapUsed;
        return;
      case 'error':
        this.hooks.workerError(this, message.message);
        return;
    }
    // The rest are about a task; stale ones (a task that already ended) are ignored.
    if (!task || message.id !== task.id) return;
    switch (message.type) {
      case 'spawned':
        task.ffmpegPid = message.pid;
        if (task.options.onSpawn) callSafely(task.options.onSpawn, message.pid);
        return;
      case 'progress':
        if (task.options.onProgress) callSafely(task.options.onProgress, { percent: message.percent, frames: message.frames });
        return;
      case 'done':
        this.settle(task, { result: message.result });
        return;
      case 'failed':
        this.settle(task, { error: new StageError(message.code, task.stage, message.message, message.ffmpegLog) });
        return;
    }
  }

  private settle(task: Task, outcome: Outcome): void {
    if (this.task !== task) return;
    this.task = undefined;
    clearTimeout(task.graceTimer);
    task.detach();
    // Whatever the worker's last word, a task the caller aborted ends as canceled.
    if (task.aborted && !('error' in outcome && outcome.error.code === 'canceled')) {
      const log = 'error' in outcome ? outcome.error.ffmpegLog : outcome.result.ffmpegLog;
      task.reject(new StageError('canceled', task.stage, 'canceled by the caller', log));
    } else if ('error' in outcome) task.reject(outcome.error);
    else task.resolve(outcome.result);
    this.hooks.taskEnded(this);
  }

  private onExit(code: number | null, signal: string | null): void {
    this.gone = true;
    clearTimeout(this.timer);
    // Reap what the worker left behind: an ffmpeg orphaned by a crash is still in its process group.
    this.handle.kill();
    const task = this.task;
    if (task) {
      // Its ffmpeg, if it was running one, by pid as well: hosts without process groups (Electron's
      // utilityProcess, Windows) have no other way to reach it once the worker is gone.
      if (task.ffmpegPid !== undefined) killQuietly(task.ffmpegPid);
      const why = this.ending === 'unhealthy' ? 'stopped answering heartbeats and was killed' : `exited (code ${code}, signal ${signal})`;
      const errorCode = this.hooks.closing() ? 'canceled' : 'worker_crashed';
      this.settle(task, { error: new StageError(errorCode, task.stage, `worker ${this.pid} ${why} during ${task.stage}`) });
    }
    this.hooks.exited(this, code, signal);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
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
