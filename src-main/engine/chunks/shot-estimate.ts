/**
 * A shot's expected render time before anything runs, from the same figures and the same planner
 * the pipeline's chunks use: the queue shows it, the CLI prints it, and a shot whose smallest
 * chunk would still outlast its circuit's timeout is refused here rather than started and killed.
 *
 * Each stage is planned as the pipeline plans it: frame processing per keyframe segment (at the
 * source rate), interpolation over the joined source with its retime grid, export by format. The
 * stages run one after the other, so the shot's wall time is the sum of the stages' wall times,
 * each spread over its lanes (workers and the circuit's maxConcurrent).
 */
import type { Quality, Shot } from '../model.ts';
import { buildShotTimeline } from '../shot-timeline.ts';
import type { StageName } from '../tasks.ts';
import { sourceFramesNeeded } from './chunk-geometry.ts';
import { frameWorkMethod, type ThroughputKey } from './cost-model.ts';
import { type Chunk, MIN_PARALLEL_SECONDS, type PlanLimits, planChunks, type StageWork } from './planner.ts';
import type { FigureSource, ThroughputFigure } from './throughput-learner.ts';

/** The circuit that guards each stage's chunks (the engine's own mapping). */
export const STAGE_CIRCUITS: Record<StageName, string> = {
  frame_processing: 'video_frame_processing',
  interpolation: 'video_interpolation',
  export: 'video_export',
};

export interface EstimateInputs {
  /** The figure in force for a key: a ThroughputLearner's `figure`. */
  figure: (key: ThroughputKey) => Pick<ThroughputFigure, 'secondsPerMpf' | 'source'>;
  /** A circuit's current limits, by name. */
  circuits: (name: string) => { timeoutMs: number; maxConcurrent: number };
  /** Worker processes the engine may lease at once. */
  workers: number;
}

export interface StageEstimate {
  /** Wall seconds of the stage, its chunks spread over its lanes. */
  expectedSeconds: number;
  /** Chunks planned; 0 when the stage is refused. */
  chunks: number;
  figureSource: FigureSource;
}

export interface ShotRefusal {
  stage: StageName;
  circuit: string;
  /** The planner's sentence: the estimate, the timeout, and the fixes. */
  message: string;
  fixes: string[];
  /** The refused stage's expected seconds, run in one piece. */
  stageExpectedSeconds: number;
  /** A timeout that would admit the stage's smallest chunk. */
  neededTimeoutMs: number;
}

export interface ShotEstimate {
  shotId: string;
  quality: Quality;
  /** Wall seconds of the whole shot (a refused stage counts its one-piece estimate). */
  expectedSeconds: number;
  stages: Record<StageName, StageEstimate>;
  refusal?: ShotRefusal;
}

export function estimateShot(shot: Shot, quality: Quality, inputs: EstimateInputs): ShotEstimate {
  const timeline = buildShotTimeline(shot);
  const { width, height } = shot.resolution;
  const method = shot.interpolation.method;
  const joinedFrames = timeline.overlap > 0 ? Math.round(timeline.duration * timeline.sourceFps) : timeline.segments.reduce((sum, s) => sum + s.frames, 0);
  const interpolation: StageWork = {
    stage: 'interpolation', method, quality, frames: timeline.totalFrames, width, height, fps: timeline.fps,
    retime: { method, sourceFps: timeline.sourceFps, fps: timeline.fps, sourceFrames: Math.max(joinedFrames, sourceFramesNeeded(timeline.totalFrames, timeline.sourceFps, timeline.fps)) },
  };
  const format = shot.export.format;
  const exported: StageWork = { stage: 'export', method: format, quality, frames: timeline.totalFrames, width, height, fps: timeline.fps, ...(format === 'png_sequence' ? { perFrameFiles: true } : {}) };
  const segments: StageWork[] = timeline.segments.map((segment) => ({ stage: 'frame_processing', method: frameWorkMethod(shot.keyframes[segment.index]!), quality, frames: segment.frames, width, height, fps: timeline.sourceFps }));

  let refusal: ShotRefusal | undefined;
  const plan = (stage: StageName, works: StageWork[]): StageEstimate => {
    const circuit = STAGE_CIRCUITS[stage];
    // Segments of one shot can differ in method (a picture, a moving generator): each its own figure.
    const figures = works.map((work) => inputs.figure({ stage, method: work.method, quality }));
    const { timeoutMs, maxConcurrent } = inputs.circuits(circuit);
    const chunks: Chunk[] = [];
    let refusedSeconds = 0;
    for (const [i, work] of works.entries()) {
      const limits: PlanLimits = { circuit, timeoutMs, maxConcurrent, workers: inputs.workers, secondsPerMpf: figures[i]!.secondsPerMpf, minParallelSeconds: MIN_PARALLEL_SECONDS };
      const planned = planChunks(work, limits);
      if (planned.ok) {
        chunks.push(...planned.chunks);
        continue;
      }
      refusedSeconds += planned.refusal.stageExpectedSeconds;
      refusal ??= { stage, circuit, message: planned.refusal.message, fixes: planned.refusal.fixes, stageExpectedSeconds: planned.refusal.stageExpectedSeconds, neededTimeoutMs: planned.refusal.neededTimeoutMs };
    }
    const lanes = Math.max(1, Math.min(inputs.workers, maxConcurrent));
    const expectedSeconds = refusedSeconds > 0 ? refusedSeconds + chunks.reduce((sum, c) => sum + c.expectedSeconds, 0) : longestLane(chunks, lanes);
    // The least settled figure speaks for the stage: built-in if any segment's is.
    const figureSource = figures.find((f) => f.source === 'builtin')?.source ?? figures[0]!.source;
    return { expectedSeconds, chunks: refusedSeconds > 0 ? 0 : chunks.length, figureSource };
  };

  const stages: Record<StageName, StageEstimate> = {
    frame_processing: plan('frame_processing', segments),
    interpolation: plan('interpolation', [interpolation]),
    export: plan('export', [exported]),
  };
  const expectedSeconds = stages.frame_processing.expectedSeconds + stages.interpolation.expectedSeconds + stages.export.expectedSeconds;
  return { shotId: shot.id, quality, expectedSeconds, stages, ...(refusal ? { refusal } : {}) };
}

/** Chunks handed in order to whichever lane frees first (as the planner reckons a stage): the last lane to finish. */
function longestLane(chunks: readonly Chunk[], lanes: number): number {
  const busy = Array.from({ length: lanes }, () => 0);
  for (const chunk of chunks) {
    const lane = busy.indexOf(Math.min(...busy));
    busy[lane]! += chunk.expectedSeconds;
  }
  return Math.max(0, ...busy);
}

/** "≈ 1 m 20 s": an estimate as people read it, rounded to what it can promise. */
export function formatEstimate(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `≈ ${s} s`;
  if (s < 3600) return `≈ ${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `≈ ${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} m`;
}
