/**
 * Leases: what a caller holds while a worker is its own, and the queue of callers waiting for one.
 * The pipeline needs only WorkerLeaser (a lease is taken before a circuit is entered, so waiting for
 * a worker is queueing, not the stage's time); the WorkerPool provides it.
 */
import { StageError, type StageLabel, type StageResult, type StageTask } from './tasks.ts';

/** How a stage task runs on a worker: cancellation, and what the caller hears while it runs. */
export interface StageRunOptions {
  signal?: AbortSignal;
  onProgress?: (progress: { percent: number; frames: number }) => void;
  /** Called with the pid of each ffmpeg the task starts. */
  onSpawn?: (pid: number) => void;
  /** Called with the name of the farm node that takes the task, each time one does (never for a local worker). */
  onNode?: (node: string) => void;
}

/** One worker held by one caller until release(); it runs one task at a time. */
export interface WorkerLease {
  /** The worker's pid (undefined only before a host reports it). */
  readonly pid: number | undefined;
  run(task: StageTask, options?: StageRunOptions): Promise<StageResult>;
  /** Gives the worker back; if a task is still running, once that task has ended. Idempotent. */
  release(): void;
}

/** The part of the worker pool the pipeline needs: a worker held before entering a circuit. */
export interface WorkerLeaser {
  lease(signal?: AbortSignal): Promise<WorkerLease>;
  /** How many workers there are at most, when known: chunks of a stage run no wider than this. */
  readonly size?: number;
}

/** The error of a wait or task its caller's signal ended; the signal's reason, if an Error, says why. */
export function canceledBy(signal: AbortSignal, stage: StageLabel, when: string): StageError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new StageError('canceled', stage, `canceled ${when}${reason}`);
}

interface Waiter<W> {
  stage: StageLabel;
  resolve: (worker: W) => void;
  reject: (error: StageError) => void;
  detach: () => void;
}

/** Callers waiting for a worker, first come first served; a caller whose signal aborts leaves the line. */
export class LeaseQueue<W> {
  private readonly waiters: Array<Waiter<W>> = [];

  get length(): number {
    return this.waiters.length;
  }

  /** Joins the line (synchronously, so the caller may dispatch at once); settles when served or failed. */
  wait(signal: AbortSignal | undefined, stage: StageLabel): Promise<W> {
    return new Promise<W>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(canceledBy(signal!, stage, 'while waiting for a worker'));
      };
      const waiter: Waiter<W> = { stage, resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Hands a worker to the first in line. */
  serveNext(worker: W): void {
    const waiter = this.waiters.shift();
    waiter?.detach();
    waiter?.resolve(worker);
  }

  /** Fails the first in line, with an error made for its stage. */
  failNext(error: (stage: StageLabel) => StageError): void {
    const waiter = this.waiters.shift();
    waiter?.detach();
    waiter?.reject(error(waiter.stage));
  }

  /** Fails everyone in line. */
  failAll(error: (stage: StageLabel) => StageError): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.detach();
      waiter.reject(error(waiter.stage));
    }
  }
}
