/**
 * The shot pipeline: frame segments (fanned out), interpolation (with fallbacks), export (verified),
 * each stage run in a worker process and through its circuit. The engine knows nothing of Electron,
 * queues or transports; it renders one shot when asked and reports what happens as events.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type CircuitBreaker, type CircuitManager, CircuitTimeoutError, type RejectionReason, TypedEmitter } from '../breaker/index.ts';
import { StoppedError, isRejection, waitForAdmission } from './admission.ts';
import { ChaosPlan, type ChaosRule } from './chaos.ts';
import type { EngineEvent, EngineListener } from './events.ts';
import { ShotRun, chaosField, writeSidecar } from './shot-run.ts';
import type { InterpolationMethod, Quality, Shot } from './model.ts';
import { INTERMEDIATE_EXT } from './quality.ts';
import { DEFAULT_RETRY, type RetryPolicy, anySignal, backoffDelay, sleep } from './retry.ts';
import type { ChaosMode, ExportTask, FrameTask, InterpolationTask, QualityMeasurement, StageName, StageResult, StageTask, Verification } from './tasks.ts';
import { StageError } from './tasks.ts';
import type { PipelineTrace } from './trace.ts';
import type { WorkerLeaser } from './worker-lease.ts';

export interface EngineOptions {
  circuits: CircuitManager;
  workers: WorkerLeaser;
  chaos?: ChaosPlan;
  retry?: RetryPolicy;
  /** Most segments of one shot rendered at once. */
  parallelism?: number;
}

export interface ShotJob {
  quality: Quality;
  /** Where the export and its sidecar go. */
  outDir: string;
  /** Scratch space for intermediates, inside the output folder; the caller removes it. */
  workDir: string;
  /** Absolute path of a keyframe image, from its path relative to the project. */
  resolveAsset: (relative: string) => string;
  signal?: AbortSignal;
  onEvent?: EngineListener;
  /** Called once, as the shot ends (done or failed), with its pipeline trace: the queue stores it with the job. */
  onTrace?: (trace: PipelineTrace) => void;
}

export interface ShotResult {
  shotId: string;
  output: string;
  sidecar: string;
  verification: Verification | undefined;
  quality: QualityMeasurement | undefined;
  elapsedMs: number;
}

const FALLBACKS: Record<InterpolationMethod, InterpolationMethod[]> = {
  optical_flow: ['blend', 'duplicate'],
  blend: ['duplicate'],
  crossfade: ['duplicate'],
  duplicate: [],
};
const STAGE_CIRCUIT: Record<StageName, string> = {
  frame_processing: 'video_frame_processing',
  interpolation: 'video_interpolation',
  export: 'video_export',
};

export function exportPaths(shot: Shot, outDir: string): { output: string; sidecar: string } {
  const stem = shot.export.name ?? shot.id;
  const output = shot.export.format === 'png_sequence' ? join(outDir, `${stem}_frames`) : join(outDir, `${stem}.${shot.export.format}`);
  return { output, sidecar: join(outDir, `${stem}.json`) };
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
const ffmpegLogOf = (error: unknown) => (error instanceof StageError ? error.ffmpegLog : undefined);

export class RenderEngine {
  readonly circuits: CircuitManager;
  private readonly workers: WorkerLeaser;
  private chaos: ChaosPlan;
  private readonly retry: RetryPolicy;
  private maxParallel: number;
  /** Engine-wide events travel under one name; a listener that throws is rethrown later (rethrowLater). */
  private readonly events = new TypedEmitter<{ event: EngineEvent }>();

  constructor(options: EngineOptions) {
    this.circuits = options.circuits;
    this.workers = options.workers;
    this.chaos = options.chaos ?? new ChaosPlan();
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.maxParallel = options.parallelism ?? 4;
  }

  get parallelism(): number {
    return this.maxParallel;
  }

  /** Replaces the fault drills for work that starts from now on; [] turns them off. */
  setChaos(rules: ChaosRule[]): void {
    this.chaos = new ChaosPlan(rules);
  }

  get chaosRules(): ChaosRule[] {
    return this.chaos.active;
  }

  /** Engine-wide events (those not tied to one job), such as lowered parallelism. */
  onEvent(listener: EngineListener): () => void {
    return this.events.on('event', listener);
  }

  /** Lowers or restores how many segments of a shot run at once, and says so. */
  setParallelism(n: number, reason: string): void {
    const next = Math.max(1, Math.floor(n));
    if (next === this.maxParallel) return;
    const event: EngineEvent = { type: 'degradation', shotId: null, kind: 'parallelism', from: String(this.maxParallel), to: String(next), reason };
    this.maxParallel = next;
    this.events.emit('event', event);
  }

  async renderShot(shot: Shot, job: ShotJob): Promise<ShotResult> {
    const run = new ShotRun(shot, job, this.chaos.active);
    run.emit({ type: 'shot_started', shotId: shot.id, at: Date.now() });
    const signal = job.signal ?? new AbortController().signal;
    try {
      await mkdir(job.workDir, { recursive: true });
      const segments = await this.frames(run, signal);
      const interpolated = await this.interpolate(run, segments, signal);
      const exported = await this.export(run, interpolated, signal);
      const paths = exportPaths(shot, job.outDir);
      await writeSidecar(paths.sidecar, run, exported);
      const elapsedMs = run.elapsedMs();
      job.onTrace?.(run.trace.toJSON());
      run.emit({ type: 'shot_done', shotId: shot.id, output: paths.output, sidecar: paths.sidecar, elapsedMs });
      return { shotId: shot.id, output: paths.output, sidecar: paths.sidecar, verification: exported.verification, quality: exported.quality, elapsedMs };
    } catch (error) {
      job.onTrace?.(run.trace.toJSON());
      run.emit({ type: 'shot_failed', shotId: shot.id, error: describe(error), elapsedMs: run.elapsedMs() });
      throw error;
    }
  }

  // ── stage 1: keyframe segments, fanned out under parallel_processing ──

  private async frames(run: ShotRun, signal: AbortSignal): Promise<string[]> {
    const parallel = this.circuits.getBreaker('parallel_processing');
    try {
      const outputs = await parallel.execute((ctx) => this.segments(run, anySignal(signal, ctx.signal), this.maxParallel), { signal });
      run.trace.fanOut = 'parallel';
      return outputs;
    } catch (error) {
      if (!isRejection(error) || error.reason === 'forced_open') throw error;
      run.degrade('fan_out', 'frame_processing', 'parallel', 'sequential', `parallel_processing circuit rejected the fan-out (${error.reason})`);
      run.trace.fanOut = 'sequential';
      return this.segments(run, signal, 1);
    }
  }

  /** Runs every segment, at most `limit` at once; on the first failure aborts the rest and waits for them. */
  private async segments(run: ShotRun, signal: AbortSignal, limit: number): Promise<string[]> {
    const { timeline, shot, job } = run;
    const stop = new AbortController();
    const linked = anySignal(signal, stop.signal);
    const outputs: string[] = [];
    let next = 0;
    let failure: { error: unknown } | undefined;
    const lane = async () => {
      while (next < timeline.segments.length && !failure) {
        const segment = timeline.segments[next++]!;
        const keyframe = shot.keyframes[segment.index]!;
        try {
          const result = await this.guarded(run, 'frame_processing', `segment-${segment.index}`, linked, true, (chaos): FrameTask => ({
            stage: 'frame_processing',
            shotId: shot.id,
            segment: segment.index,
            keyframe: 'image' in keyframe ? { image: job.resolveAsset(keyframe.image) } : keyframe,
            width: shot.resolution.width,
            height: shot.resolution.height,
            fps: timeline.sourceFps,
            frames: segment.frames,
            camera: { ...timeline.camera, t0: segment.t0, t1: segment.t1 },
            quality: job.quality,
            output: join(job.workDir, `segment-${segment.index}${INTERMEDIATE_EXT}`),
            ...(chaos ? { chaos: { mode: chaos } } : {}),
          }));
          outputs[segment.index] = result.output;
        } catch (error) {
          failure ??= { error };
          stop.abort(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, timeline.segments.length)) }, lane));
    if (failure) throw failure.error;
    return outputs;
  }

  // ── stage 2: interpolation, degrading through error_fallback ──

  private async interpolate(run: ShotRun, inputs: string[], signal: AbortSignal): Promise<string> {
    const requested = run.shot.interpolation.method;
    run.trace.interpolation = { requested, used: requested };
    const task = (method: InterpolationMethod, chaos?: ChaosMode): InterpolationTask => ({
      stage: 'interpolation',
      shotId: run.shot.id,
      inputs,
      segmentDuration: run.timeline.segments[0]!.duration,
      sourceFps: run.timeline.sourceFps,
      fps: run.timeline.fps,
      frames: run.timeline.totalFrames,
      method,
      transition: run.timeline.transition,
      overlap: run.timeline.overlap,
      width: run.shot.resolution.width,
      height: run.shot.resolution.height,
      quality: run.job.quality,
      output: join(run.job.workDir, `interpolated-${method}${INTERMEDIATE_EXT}`),
      ...(chaos ? { chaos: { mode: chaos } } : {}),
    });
    try {
      return (await this.guarded(run, 'interpolation', 'interpolation', signal, false, (chaos) => task(requested, chaos))).output;
    } catch (error) {
      if (signal.aborted || error instanceof StoppedError) throw error;
      let reason = describe(error);
      let from: InterpolationMethod = requested;
      const fallback = this.circuits.getBreaker('error_fallback');
      for (const method of FALLBACKS[requested]) {
        run.degrade('interpolation', 'interpolation', from, method, reason);
        run.trace.interpolation.used = method;
        try {
          return (await this.attempt(run, fallback, 'interpolation', task(method), 1, signal, false)).output;
        } catch (fallbackError) {
          if (signal.aborted || fallbackError instanceof StoppedError) throw fallbackError;
          reason = isRejection(fallbackError) ? `fallbacks suspended: ${describe(fallbackError)}` : describe(fallbackError);
          from = method;
        }
      }
      throw new Error(`interpolation failed with every method (${[requested, ...FALLBACKS[requested]].join(' → ')}): ${reason}`);
    }
  }

  // ── stage 3: export, verified and renamed into place by the worker ──

  private async export(run: ShotRun, input: string, signal: AbortSignal): Promise<StageResult> {
    const { shot, timeline, job } = run;
    const { output } = exportPaths(shot, job.outDir);
    return this.guarded(run, 'export', 'export', signal, true, (chaos): ExportTask => ({
      stage: 'export',
      shotId: shot.id,
      input,
      format: shot.export.format,
      width: shot.resolution.width,
      height: shot.resolution.height,
      fps: timeline.fps,
      frames: timeline.totalFrames,
      quality: job.quality,
      output,
      ...(chaos ? { chaos: { mode: chaos } } : {}),
    }));
  }

  // ── retries under error_retry, each attempt under the stage's circuit ──

  private async guarded(
    run: ShotRun,
    stage: StageName,
    taskKey: string,
    signal: AbortSignal,
    waitWhenOpen: boolean,
    makeTask: (chaos: ChaosMode | undefined) => StageTask,
  ): Promise<StageResult> {
    const breaker = this.circuits.getBreaker(STAGE_CIRCUIT[stage]);
    const retries = this.circuits.getBreaker('error_retry');
    let lastError: unknown;
    for (let attempt = 1; ; attempt++) {
      const task = makeTask(this.chaos.take(stage, `${run.shot.id}/${taskKey}`));
      try {
        if (attempt === 1) return await this.attempt(run, breaker, stage, task, attempt, signal, waitWhenOpen);
        return await this.retryAttempt(run, breaker, retries, stage, task, attempt, signal, waitWhenOpen);
      } catch (error) {
        if (signal.aborted || error instanceof StoppedError) throw error;
        if (isRejection(error)) {
          if (error.circuit === retries.name && lastError !== undefined) {
            throw new Error(`${stage} failed (${describe(lastError)}) and retries are suspended: ${describe(error)}`);
          }
          throw error;
        }
        lastError = error;
        const retryable = error instanceof StageError ? error.retryable : error instanceof CircuitTimeoutError;
        if (!retryable || attempt >= this.retry.maxAttempts) throw error;
        const delayMs = backoffDelay(this.retry, attempt);
        run.emit({ type: 'retry', shotId: run.shot.id, stage, attempt: attempt + 1, delayMs, reason: describe(error), ...chaosField(task) });
        await sleep(delayMs, signal);
      }
    }
  }

  /**
   * A retry runs inside error_retry and the stage's circuit. An open stage circuit is waited out
   * before entering error_retry (or after being turned away inside it), so error_retry's clock
   * times the retry itself, not the wait. An open error_retry means retries are failing
   * everywhere: the retry is given up rather than waited for.
   */
  private async retryAttempt(run: ShotRun, breaker: CircuitBreaker, retries: CircuitBreaker, stage: StageName, task: StageTask, attempt: number, signal: AbortSignal, waitWhenOpen: boolean): Promise<StageResult> {
    for (;;) {
      if (breaker.peekAdmission() === 'open') {
        if (!waitWhenOpen) return this.attempt(run, breaker, stage, task, attempt, signal, false);
        await this.waitAdmitted(run, breaker, stage, 'open', signal);
      }
      try {
        return await this.admitted(run, retries, stage, signal, false, (retrySignal) => this.attempt(run, breaker, stage, task, attempt, anySignal(signal, retrySignal), false));
      } catch (error) {
        if (!(waitWhenOpen && isRejection(error) && error.circuit === breaker.name && error.reason === 'open')) throw error;
      }
    }
  }

  /** Runs `op` through `breaker`, waiting while it is full (and while open, when asked to). */
  private async admitted<T>(run: ShotRun, breaker: CircuitBreaker, stage: StageName, signal: AbortSignal, waitWhenOpen: boolean, op: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (;;) {
      await this.untilNotFull(run, breaker, stage, signal);
      try {
        return await breaker.execute((ctx) => op(ctx.signal), { signal });
      } catch (error) {
        // Only this breaker's own rejections are waited on; a rejection from a circuit inside `op` is op's outcome.
        if (!isRejection(error) || error.circuit !== breaker.name || (error.reason === 'open' && !waitWhenOpen)) throw error;
        await this.waitAdmitted(run, breaker, stage, error.reason, signal);
      }
    }
  }

  /** Queues for a slot of a full circuit without knocking: the wait is not a rejection. */
  private async untilNotFull(run: ShotRun, breaker: CircuitBreaker, stage: StageName, signal: AbortSignal): Promise<void> {
    const blocked = breaker.peekAdmission();
    if (blocked === 'concurrency_limit' || blocked === 'half_open_full') await this.waitAdmitted(run, breaker, stage, blocked, signal);
  }

  private async waitAdmitted(run: ShotRun, breaker: CircuitBreaker, stage: StageName, reason: RejectionReason, signal: AbortSignal) {
    if (reason === 'open') {
      const until = breaker.stats().timing.next_attempt_at;
      run.emit({ type: 'waiting', shotId: run.shot.id, stage, circuit: breaker.name, reason: `circuit ${reason}`, until: until === null ? null : until * 1000 });
    }
    await waitForAdmission(breaker, reason, signal);
  }

  /** One attempt: hold a worker first (queueing is not the circuit's time), then run inside the circuit. */
  private async attempt(run: ShotRun, breaker: CircuitBreaker, stage: StageName, task: StageTask, attempt: number, signal: AbortSignal, waitWhenOpen: boolean): Promise<StageResult> {
    for (;;) {
      await this.untilNotFull(run, breaker, stage, signal);
      const lease = await this.workers.lease(signal);
      let running: Promise<StageResult> | undefined;
      let rejectedFor: RejectionReason | undefined;
      // startedAt is when it began, for the record; its duration is measured on the monotonic clock.
      const started = Date.now();
      const startedMono = performance.now();
      const detail = task.stage === 'interpolation' ? task.method : task.stage === 'frame_processing' ? `segment ${task.segment}` : task.format;
      try {
        const result = await breaker.execute(
          (ctx) => {
            run.emit({ type: 'stage_started', shotId: run.shot.id, stage, circuit: breaker.name, attempt, detail, ...chaosField(task) });
            running = lease.run(task, { signal: ctx.signal, onProgress: (p) => run.progress(stage, task, p.percent) });
            return running;
          },
          { signal },
        );
        const elapsedMs = Math.round(performance.now() - startedMono);
        run.trace.attempt({ stage, circuit: breaker.name, attempt, detail, startedAt: started, elapsedMs, outcome: 'ok', chaos: task.chaos?.mode, ffmpegLog: result.ffmpegLog });
        run.emit({ type: 'stage_finished', shotId: run.shot.id, stage, circuit: breaker.name, attempt, elapsedMs, detail, ...chaosField(task) });
        run.progress(stage, task, 100);
        return result;
      } catch (error) {
        if (isRejection(error) && running === undefined) {
          if (error.reason === 'forced_open') throw new StoppedError(breaker.name);
          if (error.reason === 'open' && !waitWhenOpen) throw error;
          rejectedFor = error.reason;
        } else {
          const code = error instanceof StageError ? error.code : error instanceof CircuitTimeoutError ? 'timeout' : 'error';
          const record = run.trace.attempt({ stage, circuit: breaker.name, attempt, detail, startedAt: started, elapsedMs: Math.round(performance.now() - startedMono), outcome: 'failed', error: describe(error), chaos: task.chaos?.mode, ffmpegLog: ffmpegLogOf(error) });
          // A timeout rejects at the deadline, before the worker has killed its ffmpeg and reported the
          // log: add it to the record when it comes (long before the shot ends and the trace is read).
          if (record.ffmpegLog === undefined && running) {
            void running.then(
              (late) => (record.ffmpegLog = late.ffmpegLog),
              (late: unknown) => (record.ffmpegLog = ffmpegLogOf(late)),
            );
          }
          run.emit({ type: 'stage_failed', shotId: run.shot.id, stage, circuit: breaker.name, attempt, error: describe(error), code, ...chaosField(task) });
          throw error;
        }
      } finally {
        // Safe even when a timed-out task is still being killed: the pool hands the worker on only
        // once the task has really ended.
        lease.release();
      }
      // Rejected before it ran: wait without holding the worker, then ask again.
      await this.waitAdmitted(run, breaker, stage, rejectedFor, signal);
    }
  }
}
