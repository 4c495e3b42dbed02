/**
 * Stage 1, frame processing: each keyframe becomes a segment; a segment whose expected cost is too
 * large for one operation is cut into frame ranges by the planner (chunk k of a segment renders its
 * frames [start, end): zoompan's progress runs on from `start`, a moving generator is trimmed to it).
 * Every chunk of every segment is one task under video_frame_processing with its own deadline, all
 * in one fan-out under parallel_processing; a segment's chunks are then joined without re-encoding.
 * A one-chunk segment is the whole-segment task, as before.
 *
 * Lazily: planFrames cuts the segments and names every chunk's key at once (what the later stages'
 * keys are derived from), and renders nothing until the segments' files are asked for, which a
 * render whose later chunks are all in the chunk store never does. Each chunk is then looked up in
 * the store first, and a rendered one is offered to it.
 */
import { join } from 'node:path';
import { fileDigest } from './chunk-store/store-key.ts';
import { frameChunkKey, segmentKey } from './chunk-store/shot-keys.ts';
import type { Chunk } from './chunks/planner.ts';
import { fanOut } from './fan-out.ts';
import { INTERMEDIATE_EXT } from './quality.ts';
import type { ShotRun } from './shot-run.ts';
import type { Segment } from './shot-timeline.ts';
import { chunkTiming, learn, MIN_PARALLEL_SECONDS, stallWindow, type StageDeps } from './stage-deps.ts';
import type { CircuitBreaker } from '../breaker/index.ts';
import { frameWorkMethod, STILL_GENERATORS } from './chunks/cost-model.ts';
import { StageError, type ChaosMode, type ConcatTask, type FrameTask, type StillTask } from './tasks.ts';

interface SegmentChunk {
  segment: Segment;
  chunk: Chunk;
  /** Chunks of its segment. */
  of: number;
}

/** The segments' identities, known before anything renders, and their files, made (or reused) when first asked for. */
export interface FramesOutput {
  /** Per segment, in order: the key of what holds its frames ('' without a chunk store). */
  segments: string[];
  files: () => Promise<string[]>;
}

export async function planFrames(run: ShotRun, deps: StageDeps, parallelism: number, signal: AbortSignal): Promise<FramesOutput> {
  const { timeline, shot, job } = run;
  const circuit = deps.circuits.getBreaker('video_frame_processing');
  const keyOf = (segment: Segment) => ({ stage: 'frame_processing' as const, method: frameWorkMethod(shot.keyframes[segment.index]!), quality: job.quality });
  const parts: SegmentChunk[] = [];
  for (const segment of timeline.segments) {
    const key = keyOf(segment);
    const secondsPerMpf = deps.throughput.figure(key).secondsPerMpf;
    const plan = run.chunks.plan(
      { stage: 'frame_processing', method: key.method, quality: job.quality, frames: segment.frames, width: shot.resolution.width, height: shot.resolution.height, fps: timeline.sourceFps },
      // Segments already fill the lanes when there are several: a segment is cut only as its cost asks.
      { circuit: circuit.name, timeoutMs: circuit.config.timeoutMs, maxConcurrent: circuit.config.maxConcurrent, workers: timeline.segments.length > 1 ? 1 : deps.lanes, secondsPerMpf, minParallelSeconds: MIN_PARALLEL_SECONDS },
    );
    if (!plan.ok) throw new StageError('invalid_task', 'frame_processing', plan.refusal.message);
    for (const chunk of plan.chunks) parts.push({ segment, chunk, of: plan.chunks.length });
  }

  // A still generator's chunks zoom over its picture once it is rendered (renderParts); until then, and
  // for their keys, the task names the generator itself, which is what determines their frames.
  const stills = new Map<number, { image: string }>();
  const task = ({ segment, chunk, of }: SegmentChunk, chaos: ChaosMode | undefined): FrameTask => {
    const keyframe = shot.keyframes[segment.index]!;
    const name = of === 1 ? `segment-${segment.index}` : `segment-${segment.index}-chunk-${chunk.index}`;
    return {
      stage: 'frame_processing',
      shotId: shot.id,
      segment: segment.index,
      keyframe: 'image' in keyframe ? { image: job.resolveAsset(keyframe.image) } : (stills.get(segment.index) ?? keyframe),
      ...(shot.background ? { background: shot.background } : {}),
      width: shot.resolution.width,
      height: shot.resolution.height,
      fps: timeline.sourceFps,
      frames: chunk.end - chunk.start,
      camera: { ...timeline.camera, t0: segment.t0, t1: segment.t1 },
      ...(of === 1 ? {} : { range: { offset: chunk.start, segmentFrames: segment.frames } }),
      quality: job.quality,
      output: join(job.workDir, `${name}${INTERMEDIATE_EXT}`),
      ...(chaos ? { chaos: { mode: chaos } } : {}),
    };
  };
  const keys = run.chunks.attached ? await partKeys(parts.map((part) => () => task(part, undefined))) : parts.map(() => undefined);
  const segments = timeline.segments.map((segment) => {
    const own = keys.filter((_, i) => parts[i]!.segment === segment);
    return own.every((k) => k !== undefined) ? segmentKey(own) : '';
  });
  let files: Promise<string[]> | undefined;
  return { segments, files: () => (files ??= renderParts(run, deps, parts, keys, task, stills, parallelism, signal)) };
}

/** The chunks' keys; undefined for one whose key cannot be made (its picture is gone: the task then fails as it always did). */
async function partKeys(tasks: (() => FrameTask)[]): Promise<(string | undefined)[]> {
  return await Promise.all(
    tasks.map(async (make) => {
      try {
        const task = make();
        return frameChunkKey(task, 'image' in task.keyframe ? await fileDigest(task.keyframe.image) : undefined);
      } catch {
        return undefined;
      }
    }),
  );
}

async function renderParts(
  run: ShotRun,
  deps: StageDeps,
  parts: SegmentChunk[],
  keys: (string | undefined)[],
  task: (part: SegmentChunk, chaos: ChaosMode | undefined) => FrameTask,
  stills: Map<number, { image: string }>,
  parallelism: number,
  signal: AbortSignal,
): Promise<string[]> {
  const { timeline, shot, job } = run;
  const circuit = deps.circuits.getBreaker('video_frame_processing');
  const keyOf = (segment: Segment) => ({ stage: 'frame_processing' as const, method: frameWorkMethod(shot.keyframes[segment.index]!), quality: job.quality });
  const still = stillRenderer(run, deps, circuit, signal, stills);
  run.setParts('frame_processing', parts.length + still.count);
  const outputs = await fanOut({
    run,
    circuits: deps.circuits,
    stage: 'frame_processing',
    items: parts,
    limit: parallelism,
    signal,
    work: async (part, index, laneSignal) => {
      const { segment, chunk, of } = part;
      const single = of === 1;
      const detail = single ? `segment ${segment.index}` : `segment ${segment.index} chunk ${chunk.index + 1}/${of} (frames ${chunk.start}–${chunk.end - 1})`;
      const made = task(part, undefined);
      const storeKey = keys[index];
      const store = storeKey === undefined ? undefined : { key: storeKey, expect: { frames: made.frames, width: made.width, height: made.height } };
      if (store && (await run.chunks.fetch({ ...store, stage: 'frame_processing', detail, task: made, output: made.output }, laneSignal))) return made.output;
      await still.of(segment, laneSignal);
      const result = await deps.runner.run({
        run,
        stage: 'frame_processing',
        circuit,
        task: (chaos) => task(part, chaos),
        drillKey: single ? `segment-${segment.index}` : `segment-${segment.index}-chunk-${chunk.index}`,
        ...chunkTiming(chunk),
        whenOpen: 'wait',
        retries: 'policy',
        detail,
        signal: laneSignal,
        ...(store ? { store } : {}),
      });
      learn(run, deps, keyOf(segment), chunk.end - chunk.start, result);
      return result.output;
    },
  });
  still.settle();

  const segments: string[] = [];
  for (const segment of timeline.segments) {
    const files = outputs.filter((_, i) => parts[i]!.segment === segment);
    if (files.length === 1) {
      segments[segment.index] = files[0]!;
      continue;
    }
    const concat: ConcatTask = {
      stage: 'frame_processing',
      kind: 'concat',
      shotId: shot.id,
      inputs: files,
      container: 'mkv',
      frames: segment.frames,
      output: join(job.workDir, `segment-${segment.index}${INTERMEDIATE_EXT}`),
    };
    const call = { run, stage: 'frame_processing', circuit, task: () => concat, whenOpen: 'wait', retries: 'policy', detail: `segment ${segment.index} concat`, signal } as const;
    segments[segment.index] = (await deps.runner.run(call)).output;
  }
  return segments;
}

/**
 * Each still generator's picture (StillTask), rendered once, when the first chunk of its segment
 * must be rendered (a segment whose chunks are all in the store needs none). Each is one part of
 * the stage's progress; settle() completes the parts of stills that were never needed.
 */
function stillRenderer(run: ShotRun, deps: StageDeps, circuit: CircuitBreaker, signal: AbortSignal, stills: Map<number, { image: string }>) {
  const { timeline, shot, job } = run;
  const tasks = new Map<number, StillTask>();
  for (const segment of timeline.segments) {
    const keyframe = shot.keyframes[segment.index]!;
    if ('image' in keyframe || !STILL_GENERATORS.has(keyframe.generator)) continue;
    const { width, height } = shot.resolution;
    tasks.set(segment.index, { stage: 'frame_processing', kind: 'still', shotId: shot.id, segment: segment.index, keyframe, width, height, output: join(job.workDir, `segment-${segment.index}-still.png`) });
  }
  // One frame of the generator: a few seconds at 1080p; the window grows with the picture's size.
  const stallMs = stallWindow((STILL_STALL_MS_PER_MP * (shot.resolution.width * shot.resolution.height)) / 1e6);
  const pending = new Map<number, Promise<void>>();
  return {
    count: tasks.size,
    of(segment: Segment, laneSignal: AbortSignal): Promise<void> {
      const task = tasks.get(segment.index);
      if (!task) return Promise.resolve();
      let made = pending.get(segment.index);
      if (!made) {
        // No drillKey: fault drills count the segment's chunk tasks, as they did before stills.
        const call = { run, stage: 'frame_processing', circuit, task: () => task, stallMs, whenOpen: 'wait', retries: 'policy', detail: `segment ${task.segment} still`, signal: laneSignal } as const;
        made = deps.runner.run(call).then((result) => void stills.set(task.segment, { image: result.output }));
        // A lane that gave up (another part failed) must not leave the next asker a rejected promise it did not cause.
        made.catch(() => pending.delete(segment.index));
        pending.set(segment.index, made);
      }
      return made;
    },
    settle(): void {
      for (const [index, task] of tasks) if (!pending.has(index)) run.progress('frame_processing', task, 100);
    },
  };
}

/** Stall window of a still per megapixel: its one frame is all its work (2.9 s at 2 MP measured, ×10 for a loaded machine). */
const STILL_STALL_MS_PER_MP = 15_000;
