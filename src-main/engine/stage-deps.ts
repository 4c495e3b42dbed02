/** What every chunked stage driver needs from the engine, and what they share: a chunk's timing, and learning from it. */
import type { CircuitManager } from '../breaker/index.ts';
import type { ThroughputKey } from './chunks/cost-model.ts';
import type { Chunk } from './chunks/planner.ts';
import type { ThroughputLearner } from './chunks/throughput-learner.ts';
import type { ShotRun } from './shot-run.ts';
import type { StageRunner } from './stage-runner.ts';
import { STALL_MS_MAX, STALL_MS_MIN, type StageResult } from './tasks.ts';

export interface StageDeps {
  circuits: CircuitManager;
  runner: StageRunner;
  throughput: ThroughputLearner;
  /** Workers the shot may use at once (the engine's parallelism, at most the pool's size). */
  lanes: number;
}

// The planner's rule for when a stage is worth spreading; the stages and the estimates share it.
export { MIN_PARALLEL_SECONDS } from './chunks/planner.ts';

/** A worker's stall window must lie within the task schema's bounds. */
export const stallWindow = (ms: number) => Math.min(STALL_MS_MAX, Math.max(STALL_MS_MIN, Math.ceil(ms)));

/** What the stage runner needs of a planned chunk's timing. */
export function chunkTiming(chunk: Chunk): { deadlineMs: number; expectedMs: number; stallMs: number } {
  // The worker watches with one window, the first frame included: the wider of the two.
  return { deadlineMs: chunk.deadlineMs, expectedMs: Math.round(chunk.expectedSeconds * 1000), stallMs: stallWindow(Math.max(chunk.stallMs, chunk.firstFrameMs)) };
}

/** Learns from a finished chunk: its frames of work at the shot's size, in the worker's ffmpeg time. */
export function learn(run: ShotRun, deps: StageDeps, key: ThroughputKey, frames: number, result: StageResult): void {
  const { width, height } = run.shot.resolution;
  deps.throughput.observe({ key, frames, width, height, wallSeconds: result.elapsedMs / 1000 });
}
