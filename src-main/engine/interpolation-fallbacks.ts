/**
 * The interpolation's fallbacks under error_fallback: the whole stage one cheaper method after
 * another (as before chunks), or one chunk so while the others keep the method asked for. Each
 * fallback's result is kept in the chunk store under its own method's key, never the requested one.
 */
import { StoppedError, isRejection } from './admission.ts';
import type { StoreCall } from './chunk-store/shot-chunks.ts';
import { chunkDeadlineMs, FFMPEG_START_S, megapixels } from './chunks/cost-model.ts';
import type { Chunk } from './chunks/planner.ts';
import type { InterpolationMethod } from './model.ts';
import type { ShotRun } from './shot-run.ts';
import type { StageDeps } from './stage-deps.ts';
import type { InterpolationChunkTask, InterpolationTask } from './tasks.ts';

export const FALLBACKS: Record<InterpolationMethod, InterpolationMethod[]> = {
  optical_flow: ['blend', 'duplicate'],
  blend: ['duplicate'],
  crossfade: ['duplicate'],
  duplicate: [],
};

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
const stopping = (error: unknown, signal: AbortSignal) => signal.aborted || error instanceof StoppedError;

export function figure(run: ShotRun, deps: StageDeps, method: string): number {
  return deps.throughput.figure({ stage: 'interpolation', method, quality: run.job.quality }).secondsPerMpf;
}

/** The whole stage, one method after another under error_fallback: the stage as it ran before chunks. Answers the method that made it. */
export async function degradeWhole(
  run: ShotRun,
  deps: StageDeps,
  first: unknown,
  signal: AbortSignal,
  make: (method: InterpolationMethod) => { task: InterpolationTask; store?: StoreCall },
): Promise<InterpolationMethod> {
  const fallback = deps.circuits.getBreaker('error_fallback');
  const requested = run.shot.interpolation.method;
  let reason = describe(first);
  let from = requested;
  for (const method of FALLBACKS[requested]) {
    run.degrade('interpolation', 'interpolation', from, method, reason);
    run.trace.interpolation.used = method;
    const { task, store } = make(method);
    try {
      await deps.runner.run({ run, stage: 'interpolation', circuit: fallback, task: () => task, whenOpen: 'fail', retries: 'none', detail: method, signal, ...(store ? { store } : {}) });
      return method;
    } catch (error) {
      if (stopping(error, signal)) throw error;
      reason = isRejection(error) ? `fallbacks suspended: ${describe(error)}` : describe(error);
      from = method;
    }
  }
  throw new Error(`interpolation failed with every method (${[requested, ...FALLBACKS[requested]].join(' → ')}): ${reason}`);
}

/** One chunk, one cheaper method after another under error_fallback; the other chunks keep theirs. Answers its file and key. */
export async function degradeChunk(
  run: ShotRun,
  deps: StageDeps,
  chunk: Chunk,
  first: unknown,
  signal: AbortSignal,
  make: (method: InterpolationMethod) => { task: InterpolationChunkTask; detail: string; store?: StoreCall },
): Promise<{ file: string; key: string }> {
  const fallback = deps.circuits.getBreaker('error_fallback');
  const requested = run.shot.interpolation.method;
  let reason = describe(first);
  let from = requested;
  for (const method of FALLBACKS[requested]) {
    run.degrade('interpolation', 'interpolation', from, method, `chunk ${chunk.index + 1} (frames ${chunk.start}–${chunk.end - 1}): ${reason}`);
    run.trace.interpolation.used = method;
    const { task, detail, store } = make(method);
    const expectedS = FFMPEG_START_S + (task.span.end - task.span.start) * (run.timeline.fps / run.timeline.sourceFps) * megapixels(run.shot.resolution) * figure(run, deps, method);
    const deadlineMs = chunkDeadlineMs(expectedS, { timeoutMs: fallback.config.timeoutMs });
    try {
      const result = await deps.runner.run({ run, stage: 'interpolation', circuit: fallback, task: () => task, deadlineMs, whenOpen: 'fail', retries: 'none', detail, signal, ...(store ? { store } : {}) });
      return { file: result.output, key: store?.key ?? '' };
    } catch (error) {
      if (stopping(error, signal)) throw error;
      reason = isRejection(error) ? `fallbacks suspended: ${describe(error)}` : describe(error);
      from = method;
    }
  }
  throw new Error(`interpolation of chunk ${chunk.index + 1} failed with every method (${[requested, ...FALLBACKS[requested]].join(' → ')}): ${reason}`);
}
