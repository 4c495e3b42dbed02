/**
 * One chunk's life, in one place: retry → circuit → worker lease, composed as cockatiel composes
 * policies (the outer one decides whether the inner one runs again).
 *
 * - Retry: a failed attempt that may be retried waits a backoff, and that backoff runs through the
 *   error_retry circuit: an open error_retry means retries are failing everywhere, so the retry is
 *   given up; error_retry's timeout times the backoff only. The retried attempt then runs under the
 *   stage's circuit with the chunk's own deadline, as the first did, and its outcome is recorded on
 *   error_retry (recordOutcome), so that failing retries open it. error_retry never caps the work.
 * - Circuit: each attempt is one call of the stage's circuit, with the chunk's deadline (the
 *   circuit's timeoutMs stays the cap) and expected time (slow calls). Waiting for a slot of a full
 *   circuit is queueing, not a rejection (peekAdmission). An open circuit is waited out or fails
 *   fast, as the caller chose; a forced-open one is an emergency stop (StoppedError).
 * - Lease: a worker is held before the circuit is entered, so waiting for a worker is not the
 *   stage's time; a call the circuit turns away gives its worker back while it waits.
 * Every attempt is in the trace with its ffmpeg log (a timed-out attempt's log is added when the
 * worker reports it), and its progress goes to the shot. A call that names its chunk's key (`store`)
 * has its result offered to the chunk store once an attempt succeeds (the drivers look it up there
 * before they call: chunk-store/shot-chunks.ts).
 */
import type { RetryTally } from './retry-tally.ts';
import { type CallContext, type CircuitBreaker, CircuitTimeoutError, type RejectionReason } from '../breaker/index.ts';
import { StoppedError, isRejection, waitForAdmission } from './admission.ts';
import type { ChaosPlan } from './chaos.ts';
import type { StoreCall } from './chunk-store/shot-chunks.ts';
import { backoffDelay, type RetryPolicy, sleep } from './retry.ts';
import { chaosField, type ShotRun } from './shot-run.ts';
import { type ChaosMode, StageError, type StageName, type StageResult, type StageTask } from './tasks.ts';
import type { WorkerLeaser } from './worker-lease.ts';

export interface StageRunnerOptions {
  workers: WorkerLeaser;
  retry: RetryPolicy;
  /** The error_retry circuit: it admits retries and times their backoff. */
  retryCircuit: CircuitBreaker;
  /** The fault drills in force now (they can be replaced while the engine runs). */
  chaos: () => ChaosPlan;
  /** How each retry loop ended, for resilience4j_retry_calls_total. */
  retries: RetryTally;
}

export interface StageCall {
  run: ShotRun;
  stage: StageName;
  /** The circuit every attempt runs under (the stage's own, or error_fallback for a fallback). */
  circuit: CircuitBreaker;
  /** Builds the attempt's task, with the drill it is to suffer (if any). */
  task: (chaos: ChaosMode | undefined) => StageTask;
  /** Which task of the shot this is, for fault drills (counted per task); none: no drill applies. */
  drillKey?: string;
  /** The chunk's deadline, ms (capped by the circuit's timeoutMs); none: the circuit's. */
  deadlineMs?: number;
  /** The chunk's expected time, ms: longer than this × the circuit's slowCallFactor is a slow call. */
  expectedMs?: number;
  /** No new frame for this long means the chunk's ffmpeg is hung (the worker kills it). */
  stallMs?: number;
  /** On an open circuit: wait until it lets a probe through, or fail at once (the caller degrades). */
  whenOpen: 'wait' | 'fail';
  /** 'policy': retried as the retry policy says; 'none': one attempt (a fallback). */
  retries: 'policy' | 'none';
  /** Shown with the attempt (a segment, a method, a format, a chunk). */
  detail: string;
  signal: AbortSignal;
  /** The chunk's key: a successful result is kept in the chunk store under it. */
  store?: StoreCall;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
const ffmpegLogOf = (error: unknown) => (error instanceof StageError ? error.ffmpegLog : undefined);

export class StageRunner {
  private readonly options: StageRunnerOptions;

  constructor(options: StageRunnerOptions) {
    this.options = options;
  }

  /** Runs the call until an attempt succeeds, the retries are spent or suspended, or the shot stops. */
  async run(call: StageCall): Promise<StageResult> {
    const { retry, retryCircuit } = this.options;
    const maxAttempts = call.retries === 'policy' ? retry.maxAttempts : 1;
    let lastError: unknown;
    let admitted: CallContext | undefined;
    for (let attempt = 1; ; attempt++) {
      const drill = call.drillKey === undefined ? undefined : this.options.chaos().take(call.stage, `${call.run.shot.id}/${call.drillKey}`);
      const task = this.withStall(call.task(drill), call.stallMs);
      try {
        const result = await this.attempt(call, task, attempt);
        if (admitted) retryCircuit.recordOutcome(admitted, true);
        this.tally(call, true, attempt);
        if (call.store) call.run.chunks.keep(call.stage, call.detail, call.store, result);
        return result;
      } catch (error) {
        if (call.signal.aborted || error instanceof StoppedError) throw error;
        if (admitted) retryCircuit.recordOutcome(admitted, false, error);
        admitted = undefined;
        if (isRejection(error)) {
          this.tally(call, false, attempt);
          throw error;
        }
        lastError = error;
        const retryable = error instanceof StageError ? error.retryable : error instanceof CircuitTimeoutError;
        if (!retryable || attempt >= maxAttempts) {
          this.tally(call, false, attempt);
          throw error;
        }
        const delayMs = backoffDelay(retry, attempt);
        call.run.emit({ type: 'retry', shotId: call.run.shot.id, stage: call.stage, attempt: attempt + 1, delayMs, reason: describe(error), ...chaosField(task) });
        admitted = await this.backoff(call, delayMs, lastError);
      }
    }
  }

  /** A loop under the retry policy ended (stops and cancellations are nobody's outcome). */
  private tally(call: StageCall, ok: boolean, attempts: number): void {
    if (call.retries === 'policy') this.options.retries.record({ name: call.stage, ok, attempts });
  }

  private withStall(task: StageTask, stallMs: number | undefined): StageTask {
    return stallMs === undefined ? task : { ...task, stallMs };
  }

  /**
   * The backoff before a retry, as one call of error_retry: a full error_retry is queued for, an
   * open one gives the retry up (retries are failing everywhere), a forced-open one stops the shot.
   * Returns the admitted call, whose outcome the retried attempt will report.
   */
  private async backoff(call: StageCall, delayMs: number, lastError: unknown): Promise<CallContext> {
    const retries = this.options.retryCircuit;
    for (;;) {
      await untilNotFull(retries, call.signal);
      let admitted: CallContext | undefined;
      try {
        await retries.execute((ctx) => ((admitted = ctx), sleep(delayMs, ctx.signal)), { signal: call.signal, outcome: 'recorded_later' });
        return admitted!;
      } catch (error) {
        if (!isRejection(error) || error.circuit !== retries.name) throw error;
        if (error.reason === 'open') throw new Error(`${call.stage} failed (${describe(lastError)}) and retries are suspended: ${describe(error)}`);
        await waitForAdmission(retries, error.reason, call.signal);
      }
    }
  }

  /** One attempt: hold a worker first (queueing is not the circuit's time), then run inside the circuit. */
  private async attempt(call: StageCall, task: StageTask, attempt: number): Promise<StageResult> {
    const { run, stage, circuit: breaker, signal, detail } = call;
    for (;;) {
      await this.untilAdmissible(call);
      const lease = await this.options.workers.lease(signal);
      let running: Promise<StageResult> | undefined;
      let rejectedFor: RejectionReason | undefined;
      // A farm lease names the node that runs the attempt; a local worker names none.
      let node: string | undefined;
      // startedAt is when it began, for the record; its duration is measured on the monotonic clock.
      const started = Date.now();
      const startedMono = performance.now();
      try {
        const result = await breaker.execute(
          (ctx) => {
            run.emit({ type: 'stage_started', shotId: run.shot.id, stage, circuit: breaker.name, attempt, detail, ...chaosField(task) });
            running = lease.run(task, { signal: ctx.signal, onProgress: (p) => run.progress(stage, task, p.percent), onNode: (n) => (node = n) });
            return running;
          },
          { signal, timeoutMs: call.deadlineMs, expectedMs: call.expectedMs },
        );
        const elapsedMs = Math.round(performance.now() - startedMono);
        // The breaker counts the same slow call; the trace keeps it with the job, for the analysis over days.
        const slow = call.expectedMs !== undefined && elapsedMs > call.expectedMs * breaker.config.slowCallFactor;
        const expected = call.expectedMs === undefined ? {} : { expectedMs: Math.round(call.expectedMs), ...(slow ? { slow } : {}) };
        run.trace.attempt({ stage, circuit: breaker.name, attempt, detail, startedAt: started, elapsedMs, outcome: 'ok', ...expected, chaos: task.chaos?.mode, ffmpegLog: result.ffmpegLog, ...(node ? { node } : {}) });
        run.emit({ type: 'stage_finished', shotId: run.shot.id, stage, circuit: breaker.name, attempt, elapsedMs, detail, ...chaosField(task) });
        run.progress(stage, task, 100);
        return result;
      } catch (error) {
        if (isRejection(error) && running === undefined) {
          if (error.reason === 'forced_open') throw new StoppedError(breaker.name);
          if (error.reason === 'open' && call.whenOpen === 'fail') throw error;
          rejectedFor = error.reason;
        } else {
          this.recordFailure(call, task, attempt, started, startedMono, error, running, node);
          throw error;
        }
      } finally {
        // Safe even when a timed-out task is still being killed: the pool hands the worker on only
        // once the task has really ended.
        lease.release();
      }
      // Rejected before it ran: wait without holding the worker, then ask again.
      await this.waitAdmitted(call, rejectedFor);
    }
  }

  private recordFailure(call: StageCall, task: StageTask, attempt: number, started: number, startedMono: number, error: unknown, running: Promise<StageResult> | undefined, node: string | undefined): void {
    const { run, stage, circuit, detail } = call;
    const code = error instanceof StageError ? error.code : error instanceof CircuitTimeoutError ? 'timeout' : 'error';
    const elapsedMs = Math.round(performance.now() - startedMono);
    const record = run.trace.attempt({ stage, circuit: circuit.name, attempt, detail, startedAt: started, elapsedMs, outcome: 'failed', error: describe(error), chaos: task.chaos?.mode, ffmpegLog: ffmpegLogOf(error), ...(node ? { node } : {}) });
    // A timeout rejects at the deadline, before the worker has killed its ffmpeg and reported the
    // log: add it to the record when it comes (long before the shot ends and the trace is read).
    if (record.ffmpegLog === undefined && running) {
      void running.then(
        (late) => (record.ffmpegLog = late.ffmpegLog),
        (late: unknown) => (record.ffmpegLog = ffmpegLogOf(late)),
      );
    }
    run.emit({ type: 'stage_failed', shotId: run.shot.id, stage, circuit: circuit.name, attempt, error: describe(error), code, ...chaosField(task) });
  }

  /** Before taking a worker: queue for a full circuit's slot, and wait out an open one when asked to. */
  private async untilAdmissible(call: StageCall): Promise<void> {
    const blocked = call.circuit.peekAdmission();
    if (blocked === 'concurrency_limit' || blocked === 'half_open_full') await this.waitAdmitted(call, blocked);
    else if (blocked === 'open' && call.whenOpen === 'wait') await this.waitAdmitted(call, blocked);
  }

  private async waitAdmitted(call: StageCall, reason: RejectionReason): Promise<void> {
    const { run, circuit } = call;
    if (reason === 'open') {
      const until = circuit.stats().timing.next_attempt_at;
      run.emit({ type: 'waiting', shotId: run.shot.id, stage: call.stage, circuit: circuit.name, reason: `circuit ${reason}`, until: until === null ? null : until * 1000 });
    }
    await waitForAdmission(circuit, reason, call.signal);
  }
}

/** Queues for a slot of a full circuit without knocking: the wait is not a rejection. */
async function untilNotFull(breaker: CircuitBreaker, signal: AbortSignal): Promise<void> {
  const blocked = breaker.peekAdmission();
  if (blocked === 'concurrency_limit' || blocked === 'half_open_full') await waitForAdmission(breaker, blocked, signal);
}
