/** One shot's render in progress: its timeline, trace, progress and sidecar. */
import { rename, writeFile } from 'node:fs/promises';
import { ShotChunks, type ShotStoreOptions } from './chunk-store/shot-chunks.ts';
import type { EngineEvent } from './events.ts';
import type { Shot } from './model.ts';
import type { ShotJob } from './pipeline.ts';
import type { ChaosMode, StageName, StageResult, StageTask } from './tasks.ts';
import { type ShotTimeline, buildShotTimeline } from './shot-timeline.ts';
import { ShotTrace } from './trace.ts';

/** Share of a shot's progress bar each stage fills. */
const WEIGHT: Record<StageName, number> = { frame_processing: 0.3, interpolation: 0.5, export: 0.2 };

export const chaosField = (task: StageTask): { chaos?: ChaosMode } => (task.chaos ? { chaos: task.chaos.mode } : {});

/** Which part of its stage a task is, for progress. */
function partOf(task: StageTask): string {
  if ('kind' in task) return task.kind === 'chunk' || task.kind === 'encode_chunk' ? `chunk-${task.index}` : task.kind === 'still' ? `still-${task.segment}` : task.kind;
  return task.stage === 'frame_processing' ? `segment-${task.segment}-${task.range?.offset ?? 0}` : 'whole';
}

export class ShotRun {
  readonly shot: Shot;
  readonly job: ShotJob;
  readonly timeline: ShotTimeline;
  readonly trace: ShotTrace;
  /** What the shot takes from the chunk store and gives it (inert without a store). */
  readonly chunks: ShotChunks;
  /** Monotonic, so that a wall-clock step cannot make the elapsed time (and the ETA) negative or huge. */
  private readonly started = performance.now();
  private readonly stagePercent: Record<StageName, number> = { frame_processing: 0, interpolation: 0, export: 0 };
  /** Each stage's parts (segments, chunks, a join...) and how far each is. */
  private readonly partPercent: Record<StageName, Map<string, number>> = { frame_processing: new Map(), interpolation: new Map(), export: new Map() };
  private readonly partCount: Record<StageName, number>;

  constructor(shot: Shot, job: ShotJob, chaos: ShotTrace['chaos'], store?: ShotStoreOptions) {
    this.shot = shot;
    this.job = job;
    this.timeline = buildShotTimeline(shot);
    this.trace = new ShotTrace(chaos, shot.interpolation.method);
    this.chunks = new ShotChunks(this, store);
    this.partCount = { frame_processing: this.timeline.segments.length, interpolation: 1, export: 1 };
  }

  /** How many tasks a stage runs (a chunked stage's chunks and their join): its progress is their mean. */
  setParts(stage: StageName, count: number): void {
    this.partCount[stage] = Math.max(1, count);
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }

  emit(event: EngineEvent): void {
    this.job.onEvent?.(event);
  }

  degrade(kind: 'interpolation' | 'fan_out', stage: StageName, from: string, to: string, reason: string): void {
    this.trace.degradations.push({ stage, from, to, reason, at: Date.now() });
    this.emit({ type: 'degradation', shotId: this.shot.id, kind, from, to, reason });
  }

  progress(stage: StageName, task: StageTask, percent: number): void {
    const parts = this.partPercent[stage];
    parts.set(partOf(task), percent);
    let sum = 0;
    for (const p of parts.values()) sum += p;
    this.stagePercent[stage] = Math.min(100, sum / this.partCount[stage]);
    this.report(stage, percent, task);
  }

  /** A stage with nothing left to do: its upstream was not needed, or its parts were reused (or a join skipped). */
  stageDone(stage: StageName): void {
    if (this.stagePercent[stage] >= 100) return;
    this.stagePercent[stage] = 100;
    this.report(stage, 100);
  }

  private report(stage: StageName, percent: number, task?: StageTask): void {
    const shotPercent = (Object.keys(WEIGHT) as StageName[]).reduce((acc, s) => acc + WEIGHT[s] * this.stagePercent[s], 0);
    const elapsed = this.elapsedMs() / 1000;
    const etaSeconds = shotPercent > 2 ? Math.round((elapsed * (100 - shotPercent)) / shotPercent) : null;
    this.emit({ type: 'progress', shotId: this.shot.id, stage, percent: Math.round(percent), shotPercent: Math.round(shotPercent * 10) / 10, etaSeconds, ...(task ? chaosField(task) : {}) });
  }
}

export async function writeSidecar(path: string, run: ShotRun, exported: StageResult): Promise<void> {
  const body = {
    shot: run.shot,
    quality: run.job.quality,
    timeline: run.timeline,
    output: exported.output,
    verification: exported.verification ?? null,
    measuredQuality: exported.quality ?? null,
    trace: run.trace.toJSON(),
    renderedAt: new Date().toISOString(),
  };
  // Written beside the export under a temporary name, then renamed: a sidecar is whole or absent.
  const temp = `${path}.partial`;
  await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`);
  await rename(temp, path);
}
