/**
 * Stage 2, interpolation, chunked. The planner cuts the shot's output frames into chunks of bounded
 * expected cost (chunks/planner.ts) from this machine's learned throughput:
 * - one chunk: the whole-stage task, with the chunk's deadline;
 * - several: the segments are joined once into a lossless source at the source rate
 *   (chunks/join-source.ts), each chunk is one task under video_interpolation with its own deadline,
 *   expected time and stall window, the chunks run in parallel (parallel_processing guards the
 *   fan-out), and the lossless chunk files are joined with -c copy.
 * A chunk that fails is retried alone (the stage runner); one whose method fails for good degrades
 * alone through error_fallback (optical_flow → blend → duplicate), and the trace says which chunk:
 * the others keep the method asked for. If the join cannot be made, the whole stage degrades as before.
 */
import { join } from 'node:path';
import { StoppedError, isRejection } from './admission.ts';
import { INTERPOLATION_CONTEXT, sourceFramesNeeded, sourceSpan, type RetimeGrid } from './chunks/chunk-geometry.ts';
import { chunkDeadlineMs, FFMPEG_START_S, megapixels } from './chunks/cost-model.ts';
import { retimeTimeBase } from './chunks/join-source.ts';
import { planChunks, type Chunk } from './chunks/planner.ts';
import { fanOut } from './fan-out.ts';
import type { InterpolationMethod } from './model.ts';
import { INTERMEDIATE_EXT } from './quality.ts';
import type { ShotRun } from './shot-run.ts';
import { chunkTiming, learn, MIN_PARALLEL_SECONDS, type StageDeps } from './stage-deps.ts';
import { StageError, type ChaosMode, type InterpolationChunkTask, type InterpolationTask, type StageResult } from './tasks.ts';

export const FALLBACKS: Record<InterpolationMethod, InterpolationMethod[]> = {
  optical_flow: ['blend', 'duplicate'],
  blend: ['duplicate'],
  crossfade: ['duplicate'],
  duplicate: [],
};

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
const stopping = (error: unknown, signal: AbortSignal) => signal.aborted || error instanceof StoppedError;

export async function interpolate(run: ShotRun, deps: StageDeps, inputs: string[], signal: AbortSignal): Promise<string> {
  const requested = run.shot.interpolation.method;
  run.trace.interpolation = { requested, used: requested };
  const whole = (method: InterpolationMethod, chaos?: ChaosMode): InterpolationTask => ({
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
  const grid: RetimeGrid = { sourceFps: run.timeline.sourceFps, fps: run.timeline.fps, sourceFrames: sourceFramesNeeded(run.timeline.totalFrames, run.timeline.sourceFps, run.timeline.fps) };
  const circuit = deps.circuits.getBreaker('video_interpolation');
  const plan = planChunks(
    { stage: 'interpolation', method: requested, quality: run.job.quality, frames: run.timeline.totalFrames, width: run.shot.resolution.width, height: run.shot.resolution.height, fps: grid.fps, retime: { ...grid, method: requested } },
    { circuit: circuit.name, timeoutMs: circuit.config.timeoutMs, maxConcurrent: circuit.config.maxConcurrent, workers: deps.lanes, secondsPerMpf: figure(run, deps, requested), minParallelSeconds: MIN_PARALLEL_SECONDS },
  );
  if (!plan.ok) throw new StageError('invalid_task', 'interpolation', plan.refusal.message);
  const only = plan.chunks.length === 1 ? plan.chunks[0]! : undefined;
  if (only) {
    try {
      const result = await deps.runner.run({ run, stage: 'interpolation', circuit, task: (chaos) => whole(requested, chaos), drillKey: 'interpolation', ...chunkTiming(only), whenOpen: 'fail', retries: 'policy', detail: requested, signal });
      learn(run, deps, { stage: 'interpolation', method: requested, quality: run.job.quality }, only.workFrames, result);
      return result.output;
    } catch (error) {
      if (stopping(error, signal)) throw error;
      return await degradeWhole(run, deps, whole, error, signal);
    }
  }

  // One segment needs no join: the join's graph (setpts from 0, fps, scale, setsar, yuv420p) is the
  // identity on a segment the frames stage wrote, so chunks read the segment itself, timestamps and
  // all, and the stage is spared a lossless re-encode of the whole shot (3 to 6 s at 1080p here).
  const joined = inputs.length > 1;
  run.setParts('interpolation', plan.chunks.length + (joined ? 2 : 1));
  let source = inputs[0]!;
  if (joined) {
    try {
      const task = { ...whole(requested), kind: 'join' as const, output: join(run.job.workDir, `joined-source${INTERMEDIATE_EXT}`) };
      source = (await deps.runner.run({ run, stage: 'interpolation', circuit, task: () => task, whenOpen: 'fail', retries: 'policy', detail: 'join', signal })).output;
    } catch (error) {
      if (stopping(error, signal)) throw error;
      return await degradeWhole(run, deps, whole, error, signal);
    }
  }
  const timeBase = retimeTimeBase(whole(requested));
  const chunkTask = (chunk: Chunk, method: InterpolationMethod, chaos?: ChaosMode): InterpolationChunkTask => ({
    stage: 'interpolation',
    kind: 'chunk',
    shotId: run.shot.id,
    index: chunk.index,
    source,
    grid,
    method,
    quality: run.job.quality,
    start: chunk.start,
    end: chunk.end,
    // A fallback method reads the context its own filter needs.
    span: method === requested && chunk.source ? chunk.source : sourceSpan(chunk.start, chunk.end, grid, INTERPOLATION_CONTEXT[method]),
    retimeTimeBase: timeBase,
    output: join(run.job.workDir, `interpolated-chunk-${chunk.index}-${method}${INTERMEDIATE_EXT}`),
    ...(chaos ? { chaos: { mode: chaos } } : {}),
  });
  const count = plan.chunks.length;
  const label = (chunk: Chunk, method: InterpolationMethod) => `${method} chunk ${chunk.index + 1}/${count} (frames ${chunk.start}–${chunk.end - 1})`;
  const outputs = await fanOut({
    run,
    circuits: deps.circuits,
    stage: 'interpolation',
    items: plan.chunks,
    limit: plan.lanes,
    signal,
    work: async (chunk, _, laneSignal) => {
      try {
        const call = { run, stage: 'interpolation', circuit, task: (chaos: ChaosMode | undefined) => chunkTask(chunk, requested, chaos), drillKey: `interpolation-chunk-${chunk.index}` } as const;
        const result = await deps.runner.run({ ...call, ...chunkTiming(chunk), whenOpen: 'fail', retries: 'policy', detail: label(chunk, requested), signal: laneSignal });
        learn(run, deps, { stage: 'interpolation', method: requested, quality: run.job.quality }, chunk.workFrames, result);
        return result.output;
      } catch (error) {
        if (stopping(error, laneSignal)) throw error;
        return await degradeChunk(run, deps, chunk, error, laneSignal, (method) => ({ task: chunkTask(chunk, method), detail: label(chunk, method) }));
      }
    },
  });
  const concat = {
    stage: 'interpolation' as const,
    kind: 'concat' as const,
    shotId: run.shot.id,
    inputs: outputs,
    container: 'mkv' as const,
    frames: run.timeline.totalFrames,
    output: join(run.job.workDir, `interpolated${INTERMEDIATE_EXT}`),
  };
  try {
    return (await deps.runner.run({ run, stage: 'interpolation', circuit, task: () => concat, whenOpen: 'fail', retries: 'policy', detail: 'concat', signal })).output;
  } catch (error) {
    // The chunks are made (some perhaps by a fallback because the circuit opened meanwhile): joining
    // them is the fallback path's last step then, under error_fallback, not a reason to lose them.
    if (!isRejection(error) || error.reason !== 'open' || error.circuit !== circuit.name) throw error;
    const fallback = deps.circuits.getBreaker('error_fallback');
    return (await deps.runner.run({ run, stage: 'interpolation', circuit: fallback, task: () => concat, whenOpen: 'fail', retries: 'none', detail: 'concat', signal })).output;
  }
}

function figure(run: ShotRun, deps: StageDeps, method: string): number {
  return deps.throughput.figure({ stage: 'interpolation', method, quality: run.job.quality }).secondsPerMpf;
}

/** The whole stage, one method after another under error_fallback: the stage as it ran before chunks. */
async function degradeWhole(run: ShotRun, deps: StageDeps, whole: (method: InterpolationMethod) => InterpolationTask, first: unknown, signal: AbortSignal): Promise<string> {
  const fallback = deps.circuits.getBreaker('error_fallback');
  const requested = run.shot.interpolation.method;
  let reason = describe(first);
  let from = requested;
  for (const method of FALLBACKS[requested]) {
    run.degrade('interpolation', 'interpolation', from, method, reason);
    run.trace.interpolation.used = method;
    try {
      return (await deps.runner.run({ run, stage: 'interpolation', circuit: fallback, task: () => whole(method), whenOpen: 'fail', retries: 'none', detail: method, signal })).output;
    } catch (error) {
      if (stopping(error, signal)) throw error;
      reason = isRejection(error) ? `fallbacks suspended: ${describe(error)}` : describe(error);
      from = method;
    }
  }
  throw new Error(`interpolation failed with every method (${[requested, ...FALLBACKS[requested]].join(' → ')}): ${reason}`);
}

/** One chunk, one cheaper method after another under error_fallback; the other chunks keep theirs. */
async function degradeChunk(
  run: ShotRun,
  deps: StageDeps,
  chunk: Chunk,
  first: unknown,
  signal: AbortSignal,
  make: (method: InterpolationMethod) => { task: InterpolationChunkTask; detail: string },
): Promise<string> {
  const fallback = deps.circuits.getBreaker('error_fallback');
  const requested = run.shot.interpolation.method;
  let reason = describe(first);
  let from = requested;
  for (const method of FALLBACKS[requested]) {
    run.degrade('interpolation', 'interpolation', from, method, `chunk ${chunk.index + 1} (frames ${chunk.start}–${chunk.end - 1}): ${reason}`);
    run.trace.interpolation.used = method;
    const { task, detail } = make(method);
    const expectedS = FFMPEG_START_S + (task.span.end - task.span.start) * (run.timeline.fps / run.timeline.sourceFps) * megapixels(run.shot.resolution) * figure(run, deps, method);
    const deadlineMs = chunkDeadlineMs(expectedS, { timeoutMs: fallback.config.timeoutMs });
    try {
      return (await deps.runner.run({ run, stage: 'interpolation', circuit: fallback, task: () => task, deadlineMs, whenOpen: 'fail', retries: 'none', detail, signal })).output;
    } catch (error) {
      if (stopping(error, signal)) throw error;
      reason = isRejection(error) ? `fallbacks suspended: ${describe(error)}` : describe(error);
      from = method;
    }
  }
  throw new Error(`interpolation of chunk ${chunk.index + 1} failed with every method (${[requested, ...FALLBACKS[requested]].join(' → ')}): ${reason}`);
}
