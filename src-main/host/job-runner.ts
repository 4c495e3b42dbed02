/**
 * Runs one queued job through the engine and keeps the queue and the event stream up to date while
 * it does: progress (throttled), blocked-by-circuit waits, degradations, and the end of the job.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job, StudioEvent } from '../../src-preload/contract.ts';
import type { JobChunkCounts } from './job-view.ts';
import { EmergencyStopError } from '../breaker/index.ts';
import { StoppedError } from '../engine/admission.ts';
import type { EngineEvent } from '../engine/events.ts';
import { inJob } from '../engine/job-scope.ts';
import type { Quality, Shot } from '../engine/model.ts';
import type { RenderEngine } from '../engine/pipeline.ts';
import type { PipelineTrace } from '../engine/trace.ts';
import { resolveInside } from '../engine/project-io.ts';
import { writeOutputThumbnail } from './output-thumbnail.ts';
import type { RenderQueue } from '../queue/render-queue.ts';

/** Why a running job was interrupted, which decides where it goes next. */
export type Interruption = 'emergency_stop' | 'canceled' | 'paused' | 'shutdown';

export interface JobRunnerDeps {
  engine: Pick<RenderEngine, 'renderShot'>;
  queue: RenderQueue;
  dataDir: string;
  jobChanged: (job: Job) => void;
  publish: (event: StudioEvent) => void;
}

const PROGRESS_WRITE_MS = 250;

/** Where finished renders live, one folder per job: the only folder the media doors serve. */
export function rendersDir(dataDir: string): string {
  return join(dataDir, 'renders');
}

export function jobDirs(dataDir: string, jobId: string) {
  return { outDir: join(rendersDir(dataDir), jobId), workDir: join(dataDir, 'work', jobId) };
}

/** Deletes everything a job wrote but did not finish: its scratch and its output folder. */
export async function discardPartials(dataDir: string, jobId: string): Promise<void> {
  const { outDir, workDir } = jobDirs(dataDir, jobId);
  await Promise.all([rm(workDir, { recursive: true, force: true }), rm(outDir, { recursive: true, force: true })]);
}

export class RunningJob {
  readonly id: string;
  readonly controller = new AbortController();
  interruption: Interruption | undefined;
  readonly done: Promise<void>;
  /** performance.now() of the last progress written to the queue. */
  private lastWrite = -Infinity;
  /** Progress streamed but not yet written (writes are throttled), written before the job ends. */
  private unsaved: { stage: Job['stage']; progress: number; etaSeconds: number | null } | undefined;
  private last: Job | undefined;
  /** What this run took from the chunk store and rendered, streamed with the job. */
  private readonly chunks = { reused: 0, rendered: 0, corrupt: 0, savedMs: 0 };
  private readonly deps: JobRunnerDeps;

  constructor(job: Job, spec: { shot: Shot; baseDir: string | null }, quality: Quality, deps: JobRunnerDeps) {
    this.id = job.id;
    this.deps = deps;
    this.done = this.run(spec, quality);
  }

  interrupt(why: Interruption): void {
    this.interruption ??= why;
    this.controller.abort(new Error(`job ${why.replace('_', ' ')}`));
  }

  private async run(spec: { shot: Shot; baseDir: string | null }, quality: Quality): Promise<void> {
    const { engine, queue, dataDir } = this.deps;
    const { outDir, workDir } = jobDirs(dataDir, this.id);
    let trace: PipelineTrace | undefined;
    try {
      // In the job's scope: a farm keeps its blocklists per job, and the engine's calls name none.
      const result = await inJob(this.id, () => engine.renderShot(spec.shot, {
        quality,
        outDir,
        workDir,
        signal: this.controller.signal,
        resolveAsset: (relative) => {
          if (spec.baseDir === null) throw new Error(`shot ${spec.shot.id} has no project folder to resolve ${relative} in`);
          const full = resolveInside(spec.baseDir, relative);
          if (typeof full !== 'string') throw new Error(`asset "${relative}" ${full.problem}`);
          return full;
        },
        onEvent: (event) => this.onEngineEvent(event),
        onTrace: (t) => (trace = t),
        // The chunks this job finishes stay pinned in the store until it ends: a stop, a crash or a retry resumes from them.
        storeOwner: this.id,
      }));
      await rm(workDir, { recursive: true, force: true });
      await writeOutputThumbnail(result.output).catch(() => undefined); // the queue's picture of it; a render never fails for want of one
      this.changed(queue.markDone(this.id, { output: result.output, sidecar: result.sidecar, trace }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await discardPartials(dataDir, this.id);
      const why = this.interruption ?? (isStop(error) ? 'emergency_stop' : undefined);
      // A cancel can land while the stopped run is still being put away (the partials above): the
      // job is canceled then, and putting it back in the queue would throw out of the runner.
      if (why === 'canceled' || queue.get(this.id)?.status === 'canceled') {
        this.changed(queue.get(this.id));
      } else if (why === 'paused') {
        queue.requeue(this.id, 'paused while running');
        this.changed(queue.pause(this.id));
      } else if (why) {
        this.changed(queue.requeue(this.id, why));
        const kept = this.chunks.rendered + this.chunks.reused;
        this.deps.publish({ kind: 'log', level: 'warn', jobId: this.id, message: `interrupted (${why}): back in the queue, partial output deleted${kept ? `, ${kept} finished chunk(s) kept for the resume` : ''}`, at: Date.now() });
      } else {
        // A failed job keeps the stage and progress it reached: the last report, even one the throttle held back.
        if (this.unsaved) queue.setProgress(this.id, this.unsaved);
        this.changed(queue.markFailed(this.id, { error: message, trace }));
      }
    }
  }

  private onEngineEvent(event: EngineEvent): void {
    const { queue } = this.deps;
    switch (event.type) {
      case 'progress': {
        // Progress arrives several times a second per job; the stream gets each, the database a few.
        // Paced on the monotonic clock: after the wall clock stepped back, a Date.now() pace would
        // write nothing until it had caught up again (an hour, for an hour's step).
        const now = performance.now();
        const progress = { stage: event.stage, progress: event.shotPercent, etaSeconds: event.etaSeconds };
        if (now - this.lastWrite >= PROGRESS_WRITE_MS || !this.last) {
          this.lastWrite = now;
          this.unsaved = undefined;
          this.changed(queue.setProgress(this.id, progress));
        } else {
          this.unsaved = progress;
          this.changed({ ...this.last, ...progress, updatedAt: Date.now() });
        }
        break;
      }
      case 'waiting':
        this.changed(queue.markBlocked(this.id, { blockedBy: `${event.circuit}: ${event.reason}`, blockedUntil: event.until }));
        break;
      case 'stage_started': {
        const job = queue.get(this.id);
        if (job?.status === 'blocked') this.changed(queue.markUnblocked(this.id));
        // The stage shows from its start, not from ffmpeg's first progress line (a stage that fails
        // at once never prints one, and the job should still say where it failed).
        const current = this.last ?? job;
        if (current && current.stage !== event.stage) {
          this.lastWrite = performance.now();
          this.unsaved = undefined;
          this.changed(queue.setProgress(this.id, { stage: event.stage, progress: current.progress, etaSeconds: current.etaSeconds }));
        }
        break;
      }
      case 'degradation':
        this.deps.publish({ kind: 'degradation', jobId: this.id, shotId: event.shotId, what: event.kind, from: event.from, to: event.to, reason: event.reason, at: Date.now() });
        break;
      case 'chunk':
        if (event.outcome === 'reused') {
          this.chunks.reused++;
          this.chunks.savedMs += event.workMs ?? 0;
        } else if (event.outcome === 'rendered') this.chunks.rendered++;
        else this.chunks.corrupt++;
        if (event.outcome === 'corrupt') this.deps.publish({ kind: 'log', level: 'warn', jobId: this.id, message: `stored chunk ${event.stage} ${event.detail} was corrupt (${event.reason}): deleted, rendered again`, at: Date.now() });
        if (this.last) this.changed(this.last);
        break;
      case 'retry':
        this.deps.publish({ kind: 'log', level: 'warn', jobId: this.id, message: `retrying ${event.stage} (attempt ${event.attempt}) in ${event.delayMs} ms: ${event.reason}`, at: Date.now() });
        break;
      case 'stage_failed':
        this.deps.publish({ kind: 'log', level: 'error', jobId: this.id, message: `${event.stage} attempt ${event.attempt} failed (${event.code})${event.chaos ? ` [chaos: ${event.chaos}]` : ''}: ${event.error.split('\n')[0]}`, at: Date.now() });
        break;
      default:
        break;
    }
  }

  private changed(job: Job | undefined): void {
    if (!job) return;
    this.last = job;
    const { savedMs, ...counts } = this.chunks;
    const chunks: JobChunkCounts = { ...counts, savedSeconds: Math.round(savedMs / 1000) };
    this.deps.jobChanged({ ...job, chunks });
  }
}

function isStop(error: unknown): boolean {
  return error instanceof StoppedError || error instanceof EmergencyStopError;
}
