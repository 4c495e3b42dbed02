/**
 * The shot pipeline: frame segments (fanned out), interpolation (chunked, with fallbacks), export
 * (verified), each task run in a worker process and through its circuit by the stage runner. The engine knows nothing of Electron,
 * queues or transports; it renders one shot when asked and reports what happens as events.
 */
import { RetryTally } from './retry-tally.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type CircuitManager, TypedEmitter } from '../breaker/index.ts';
import { ChaosPlan, type ChaosRule } from './chaos.ts';
import type { EngineEvent, EngineListener } from './events.ts';
import { ShotRun, writeSidecar } from './shot-run.ts';
import { StageRunner } from './stage-runner.ts';
import type { ChunkStore } from './chunk-store/chunk-store.ts';
import { ThroughputLearner } from './chunks/throughput-learner.ts';
import { renderExport } from './export-stage.ts';
import { planFrames } from './frames-stage.ts';
import type { StageDeps } from './stage-deps.ts';
import { planInterpolation } from './interpolation-stage.ts';
import type { Quality, Shot } from './model.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { STAGES, type QualityMeasurement, type Verification } from './tasks.ts';
import type { PipelineTrace, ReuseSummary } from './trace.ts';
import type { WorkerLeaser } from './worker-lease.ts';

export interface EngineOptions {
  circuits: CircuitManager;
  workers: WorkerLeaser;
  chaos?: ChaosPlan;
  retry?: RetryPolicy;
  /** Most segments of one shot rendered at once. */
  parallelism?: number;
  /**
   * This machine's seconds per megapixel-frame, which chunk sizes and deadlines follow; learned from
   * every finished chunk. Default: an in-memory learner starting from the built-in figures (the
   * host passes one kept in SQLite).
   */
  throughput?: ThroughputLearner;
  /** Finished chunks kept for reuse (chunk-store/); none: every render renders everything. */
  chunkStore?: ChunkStore;
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
  /** false: look nothing up in the chunk store (a forced full render); what is made is still stored. Default true. */
  reuse?: boolean;
  /** Whose chunks these are (a job id): the store keeps them from eviction until the owner is unpinned. */
  storeOwner?: string;
}

export interface ShotResult {
  shotId: string;
  output: string;
  sidecar: string;
  verification: Verification | undefined;
  quality: QualityMeasurement | undefined;
  elapsedMs: number;
  /** What came from the chunk store; absent without one. */
  reuse?: ReuseSummary;
}


export function exportPaths(shot: Shot, outDir: string): { output: string; sidecar: string } {
  const stem = shot.export.name ?? shot.id;
  const output = shot.export.format === 'png_sequence' ? join(outDir, `${stem}_frames`) : join(outDir, `${stem}.${shot.export.format}`);
  return { output, sidecar: join(outDir, `${stem}.json`) };
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class RenderEngine {
  readonly circuits: CircuitManager;
  private readonly workers: WorkerLeaser;
  private chaos: ChaosPlan;
  private readonly runner: StageRunner;
  private maxParallel: number;
  readonly throughput: ThroughputLearner;
  readonly chunkStore: ChunkStore | undefined;
  /** How each stage's retry loop ended, as resilience4j's Retry counts them. */
  readonly retries = new RetryTally();
  /** Engine-wide events travel under one name; a listener that throws is rethrown later (rethrowLater). */
  private readonly events = new TypedEmitter<{ event: EngineEvent }>();

  constructor(options: EngineOptions) {
    this.circuits = options.circuits;
    this.workers = options.workers;
    this.chaos = options.chaos ?? new ChaosPlan();
    this.runner = new StageRunner({
      workers: options.workers,
      retry: options.retry ?? DEFAULT_RETRY,
      retryCircuit: this.circuits.getBreaker('error_retry'),
      chaos: () => this.chaos,
      retries: this.retries,
    });
    this.maxParallel = options.parallelism ?? 4;
    this.throughput = options.throughput ?? new ThroughputLearner();
    this.chunkStore = options.chunkStore;
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
    const store = this.chunkStore ? { store: this.chunkStore, read: job.reuse !== false, ...(job.storeOwner ? { owner: job.storeOwner } : {}) } : undefined;
    const run = new ShotRun(shot, job, this.chaos.active, store);
    run.emit({ type: 'shot_started', shotId: shot.id, at: Date.now() });
    const signal = job.signal ?? new AbortController().signal;
    try {
      await mkdir(job.workDir, { recursive: true });
      // Each stage names its chunks' keys first, upstream to downstream; the export then asks for
      // what it lacks, and only what is not in the chunk store is made (lazily, upstream first).
      const deps = this.deps();
      const paths = exportPaths(shot, job.outDir);
      const frames = await planFrames(run, deps, this.maxParallel, signal);
      const interpolated = await planInterpolation(run, deps, frames, signal);
      const exported = await renderExport(run, deps, interpolated, paths.output, signal);
      await run.chunks.settle();
      for (const stage of STAGES) run.stageDone(stage);
      await writeSidecar(paths.sidecar, run, exported);
      const elapsedMs = run.elapsedMs();
      job.onTrace?.(run.trace.toJSON());
      run.emit({ type: 'shot_done', shotId: shot.id, output: paths.output, sidecar: paths.sidecar, elapsedMs });
      return { shotId: shot.id, output: paths.output, sidecar: paths.sidecar, verification: exported.verification, quality: exported.quality, elapsedMs, ...(run.chunks.attached ? { reuse: run.trace.reuse()! } : {}) };
    } catch (error) {
      // Chunks finished before the failure (or the stop) are in the store before the caller deletes the scratch.
      await run.chunks.settle();
      job.onTrace?.(run.trace.toJSON());
      run.emit({ type: 'shot_failed', shotId: shot.id, error: describe(error), elapsedMs: run.elapsedMs() });
      throw error;
    }
  }

  // Stage 1: keyframe segments, chunked when long, fanned out (frames-stage.ts). Stage 2:
  // interpolation, chunked, degrading through error_fallback (interpolation-stage.ts). Stage 3:
  // export, verified and renamed into place by the worker (export-stage.ts).

  private deps(): StageDeps {
    const lanes = Math.max(1, Math.min(this.maxParallel, this.workers.size ?? this.maxParallel));
    return { circuits: this.circuits, runner: this.runner, throughput: this.throughput, lanes };
  }
}
