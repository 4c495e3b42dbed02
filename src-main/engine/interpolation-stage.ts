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
 *
 * With a chunk store: planInterpolation names every chunk's key from the segments' identities
 * (chunk-store/shot-keys.ts) before anything renders; materialize() then looks every chunk up, and
 * only when one is missing makes the joined source (itself looked up first), for which it asks the
 * frame stage for its segments. A degraded chunk is kept under its fallback's key, so it is never
 * taken for the method asked for; the pieces materialize() answers name what really holds the frames.
 */
import { join } from 'node:path';
import { StoppedError, isRejection } from './admission.ts';
import { interpolationChunkKey, interpolationWholeKey, joinKey, joinParams, type Piece, segmentsRead } from './chunk-store/shot-keys.ts';
import { keyPath } from './chunk-store/store-key.ts';
import { INTERPOLATION_CONTEXT, sourceFramesNeeded, sourceSpan, type RetimeGrid } from './chunks/chunk-geometry.ts';
import { retimeTimeBase } from './chunks/join-source.ts';
import type { Chunk } from './chunks/planner.ts';
import { fanOut } from './fan-out.ts';
import type { FramesOutput } from './frames-stage.ts';
import { degradeChunk, degradeWhole, figure } from './interpolation-fallbacks.ts';
import type { InterpolationMethod } from './model.ts';
import { INTERMEDIATE_EXT } from './quality.ts';
import type { ShotRun } from './shot-run.ts';
import { chunkTiming, learn, MIN_PARALLEL_SECONDS, type StageDeps } from './stage-deps.ts';
import { StageError, type ChaosMode, type InterpolationChunkTask, type InterpolationJoinTask, type InterpolationTask } from './tasks.ts';

const stopping = (error: unknown, signal: AbortSignal) => signal.aborted || error instanceof StoppedError;

/** The interpolated stage as the export sees it: the keys it should have, and the file, made when asked for. */
export interface InterpolationOutput {
  /** What will hold the frames when every chunk is made as asked ('' keys without a chunk store). */
  pieces: Piece[];
  /** The interpolated file and the pieces that really hold its frames; made (or reused) once. */
  materialize: () => Promise<{ file: string; pieces: Piece[] }>;
}

export async function planInterpolation(run: ShotRun, deps: StageDeps, frames: FramesOutput, signal: AbortSignal): Promise<InterpolationOutput> {
  const requested = run.shot.interpolation.method;
  const { timeline, shot, job } = run;
  run.trace.interpolation = { requested, used: requested };
  const keyed = run.chunks.attached && frames.segments.every((k) => k !== '');
  const placeholders = timeline.segments.map((_, i) => keyPath(`segment-${i}`, '.mkv'));
  const whole = (method: InterpolationMethod, inputs: string[], chaos?: ChaosMode): InterpolationTask => ({
    stage: 'interpolation',
    shotId: shot.id,
    inputs,
    segmentDuration: timeline.segments[0]!.duration,
    sourceFps: timeline.sourceFps,
    fps: timeline.fps,
    frames: timeline.totalFrames,
    method,
    transition: timeline.transition,
    overlap: timeline.overlap,
    width: shot.resolution.width,
    height: shot.resolution.height,
    quality: job.quality,
    output: join(job.workDir, `interpolated-${method}${INTERMEDIATE_EXT}`),
    ...(chaos ? { chaos: { mode: chaos } } : {}),
  });
  const wholeKey = (method: InterpolationMethod) => (keyed ? interpolationWholeKey(whole(method, placeholders), frames.segments) : '');
  const expect = { frames: timeline.totalFrames, width: shot.resolution.width, height: shot.resolution.height };
  const grid: RetimeGrid = { sourceFps: timeline.sourceFps, fps: timeline.fps, sourceFrames: sourceFramesNeeded(timeline.totalFrames, timeline.sourceFps, timeline.fps) };
  const circuit = deps.circuits.getBreaker('video_interpolation');
  const plan = run.chunks.plan(
    { stage: 'interpolation', method: requested, quality: job.quality, frames: timeline.totalFrames, width: shot.resolution.width, height: shot.resolution.height, fps: grid.fps, retime: { ...grid, method: requested } },
    { circuit: circuit.name, timeoutMs: circuit.config.timeoutMs, maxConcurrent: circuit.config.maxConcurrent, workers: deps.lanes, secondsPerMpf: figure(run, deps, requested), minParallelSeconds: MIN_PARALLEL_SECONDS },
  );
  // A refused plan fails when the stage is reached, after the frames, as it always has.
  const once = <T>(make: () => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () => (made ??= make());
  };
  if (!plan.ok) {
    return {
      pieces: [{ start: 0, end: timeline.totalFrames, key: '' }],
      materialize: once(async () => {
        await frames.files();
        throw new StageError('invalid_task', 'interpolation', plan.refusal.message);
      }),
    };
  }
  const whole1 = (method: InterpolationMethod) => ({ file: whole(method, placeholders).output, pieces: [{ start: 0, end: timeline.totalFrames, key: wholeKey(method) }] });
  /** The whole stage, one method after another under error_fallback, each kept under its own key. */
  const degradeAll = async (first: unknown) => {
    const inputs = await frames.files();
    const used = await degradeWhole(run, deps, first, signal, (method) => ({ task: whole(method, inputs), ...(keyed ? { store: { key: wholeKey(method), expect } } : {}) }));
    return whole1(used);
  };

  const only = plan.chunks.length === 1 ? plan.chunks[0]! : undefined;
  if (only) {
    return {
      pieces: whole1(requested).pieces,
      materialize: once(async () => {
        const made = whole(requested, placeholders);
        const store = keyed ? { key: wholeKey(requested), expect } : undefined;
        if (store && (await run.chunks.fetch({ ...store, stage: 'interpolation', detail: requested, task: made, output: made.output }, signal))) return whole1(requested);
        const inputs = await frames.files();
        try {
          const result = await deps.runner.run({ run, stage: 'interpolation', circuit, task: (chaos) => whole(requested, inputs, chaos), drillKey: 'interpolation', ...chunkTiming(only), whenOpen: 'fail', retries: 'policy', detail: requested, signal, ...(store ? { store } : {}) });
          learn(run, deps, { stage: 'interpolation', method: requested, quality: job.quality }, only.workFrames, result);
          return whole1(requested);
        } catch (error) {
          if (stopping(error, signal)) throw error;
          return await degradeAll(error);
        }
      }),
    };
  }

  const joinTask = (inputs: string[]): InterpolationJoinTask => ({ ...whole(requested, inputs), kind: 'join', output: join(job.workDir, `joined-source${INTERMEDIATE_EXT}`) });
  const joined = joinTask(placeholders);
  const timeBase = retimeTimeBase(whole(requested, placeholders));
  const chunkTask = (chunk: Chunk, method: InterpolationMethod, source: string, chaos?: ChaosMode): InterpolationChunkTask => ({
    stage: 'interpolation',
    kind: 'chunk',
    shotId: shot.id,
    index: chunk.index,
    source,
    grid,
    method,
    quality: job.quality,
    start: chunk.start,
    end: chunk.end,
    // A fallback method reads the context its own filter needs.
    span: method === requested && chunk.source ? chunk.source : sourceSpan(chunk.start, chunk.end, grid, INTERPOLATION_CONTEXT[method]),
    retimeTimeBase: timeBase,
    output: join(job.workDir, `interpolated-chunk-${chunk.index}-${method}${INTERMEDIATE_EXT}`),
    ...(chaos ? { chaos: { mode: chaos } } : {}),
  });
  const upstream = keyed ? joinParams(joined) : '';
  const chunkKey = (chunk: Chunk, method: InterpolationMethod) => {
    if (!keyed) return '';
    const task = chunkTask(chunk, method, keyPath('source', '.mkv'));
    return interpolationChunkKey(task, { join: upstream, segments: segmentsRead(timeline, task.span).map((i) => frames.segments[i]!) });
  };
  const chunkExpect = (chunk: Chunk) => ({ frames: chunk.end - chunk.start, width: shot.resolution.width, height: shot.resolution.height });
  const count = plan.chunks.length;
  const label = (chunk: Chunk, method: InterpolationMethod) => `${method} chunk ${chunk.index + 1}/${count} (frames ${chunk.start}–${chunk.end - 1})`;
  const expected = plan.chunks.map((chunk) => ({ start: chunk.start, end: chunk.end, key: chunkKey(chunk, requested) }));

  const materialize = async (): Promise<{ file: string; pieces: Piece[] }> => {
    // One segment needs no join: the join's graph (setpts from 0, fps, scale, setsar, yuv420p) is the
    // identity on a segment the frames stage wrote, so chunks read the segment itself, timestamps and
    // all, and the stage is spared a lossless re-encode of the whole shot (3 to 6 s at 1080p here).
    // The chunks' keys do not change: they name the join's parameters and segments, not its file.
    const lone = timeline.segments.length === 1;
    run.setParts('interpolation', count + (lone ? 1 : 2));
    const pieces = expected.map((p) => ({ ...p }));
    const outputs = plan.chunks.map((chunk) => chunkTask(chunk, requested, '').output);
    const found = keyed
      ? await run.chunks.fetchAll(
          plan.chunks.map((chunk, i) => ({ key: pieces[i]!.key, expect: chunkExpect(chunk), stage: 'interpolation' as const, detail: label(chunk, requested), task: chunkTask(chunk, requested, ''), output: outputs[i]! })),
          deps.lanes,
          signal,
        )
      : plan.chunks.map(() => false);
    const missing = plan.chunks.filter((_, i) => !found[i]);
    if (missing.length > 0) {
      let source: string;
      try {
        source = lone ? (await frames.files())[0]! : await joinedSource(run, deps, joinTask, keyed ? { key: joinKey(joined, frames.segments) } : undefined, frames, signal);
      } catch (error) {
        if (stopping(error, signal)) throw error;
        return await degradeAll(error);
      }
      const made = await fanOut({
        run,
        circuits: deps.circuits,
        stage: 'interpolation',
        items: missing,
        limit: plan.lanes,
        signal,
        work: async (chunk, _, laneSignal): Promise<{ output: string; key: string }> => {
          const store = keyed ? { key: chunkKey(chunk, requested), expect: chunkExpect(chunk) } : undefined;
          try {
            const call = { run, stage: 'interpolation', circuit, task: (chaos: ChaosMode | undefined) => chunkTask(chunk, requested, source, chaos), drillKey: `interpolation-chunk-${chunk.index}` } as const;
            const result = await deps.runner.run({ ...call, ...chunkTiming(chunk), whenOpen: 'fail', retries: 'policy', detail: label(chunk, requested), signal: laneSignal, ...(store ? { store } : {}) });
            learn(run, deps, { stage: 'interpolation', method: requested, quality: job.quality }, chunk.workFrames, result);
            return { output: result.output, key: store?.key ?? '' };
          } catch (error) {
            if (stopping(error, laneSignal)) throw error;
            const make = (method: InterpolationMethod) => {
              const task = chunkTask(chunk, method, source);
              return { task, detail: label(chunk, method), ...(keyed ? { store: { key: chunkKey(chunk, method), expect: chunkExpect(chunk) } } : {}) };
            };
            const output = await degradeChunk(run, deps, chunk, error, laneSignal, make);
            return { output: output.file, key: output.key };
          }
        },
      });
      missing.forEach((chunk, i) => {
        outputs[chunk.index] = made[i]!.output;
        pieces[chunk.index]!.key = made[i]!.key;
      });
    } else if (!lone) {
      run.progress('interpolation', joined, 100);
    }
    return { file: await joinChunks(run, deps, outputs, signal), pieces };
  };
  return { pieces: expected, materialize: once(materialize) };
}

/** The joined source every missing chunk reads: from the store, else made from the segments (rendered or reused then). */
async function joinedSource(
  run: ShotRun,
  deps: StageDeps,
  joinTask: (inputs: string[]) => InterpolationJoinTask,
  store: { key: string } | undefined,
  frames: FramesOutput,
  signal: AbortSignal,
): Promise<string> {
  const circuit = deps.circuits.getBreaker('video_interpolation');
  const placeholder = joinTask(run.timeline.segments.map(() => ''));
  const expect = { width: run.shot.resolution.width, height: run.shot.resolution.height };
  if (store && (await run.chunks.fetch({ ...store, expect, stage: 'interpolation', detail: 'join', task: placeholder, output: placeholder.output }, signal))) return placeholder.output;
  const task = joinTask(await frames.files());
  return (await deps.runner.run({ run, stage: 'interpolation', circuit, task: () => task, whenOpen: 'fail', retries: 'policy', detail: 'join', signal, ...(store ? { store: { ...store, expect } } : {}) })).output;
}

/** The chunk files joined with -c copy; under error_fallback when video_interpolation opened meanwhile. */
async function joinChunks(run: ShotRun, deps: StageDeps, inputs: string[], signal: AbortSignal): Promise<string> {
  const circuit = deps.circuits.getBreaker('video_interpolation');
  const concat = {
    stage: 'interpolation' as const,
    kind: 'concat' as const,
    shotId: run.shot.id,
    inputs,
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
