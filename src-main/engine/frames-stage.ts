/**
 * Stage 1, frame processing: each keyframe becomes a segment; a segment whose expected cost is too
 * large for one operation is cut into frame ranges by the planner (chunk k of a segment renders its
 * frames [start, end): zoompan's progress runs on from `start`, a moving generator is trimmed to it).
 * Every chunk of every segment is one task under video_frame_processing with its own deadline, all
 * in one fan-out under parallel_processing; a segment's chunks are then joined without re-encoding.
 * A one-chunk segment is the whole-segment task, as before.
 */
import { join } from 'node:path';
import { planChunks, type Chunk } from './chunks/planner.ts';
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

export async function renderFrames(run: ShotRun, deps: StageDeps, parallelism: number, signal: AbortSignal): Promise<string[]> {
  const { timeline, shot, job } = run;
  const circuit = deps.circuits.getBreaker('video_frame_processing');
  const keyOf = (segment: Segment) => ({ stage: 'frame_processing' as const, method: frameWorkMethod(shot.keyframes[segment.index]!), quality: job.quality });
  const parts: SegmentChunk[] = [];
  for (const segment of timeline.segments) {
    const key = keyOf(segment);
    const secondsPerMpf = deps.throughput.figure(key).secondsPerMpf;
    const plan = planChunks(
      { stage: 'frame_processing', method: key.method, quality: job.quality, frames: segment.frames, width: shot.resolution.width, height: shot.resolution.height, fps: timeline.sourceFps },
      // Segments already fill the lanes when there are several: a segment is cut only as its cost asks.
      { circuit: circuit.name, timeoutMs: circuit.config.timeoutMs, maxConcurrent: circuit.config.maxConcurrent, workers: timeline.segments.length > 1 ? 1 : deps.lanes, secondsPerMpf, minParallelSeconds: MIN_PARALLEL_SECONDS },
    );
    if (!plan.ok) throw new StageError('invalid_task', 'frame_processing', plan.refusal.message);
    for (const chunk of plan.chunks) parts.push({ segment, chunk, of: plan.chunks.length });
  }
  const stills = await renderStills(run, deps, circuit, signal, parts.length);


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
  const outputs = await fanOut({
    run,
    circuits: deps.circuits,
    stage: 'frame_processing',
    items: parts,
    limit: parallelism,
    signal,
    work: async (part, _, laneSignal) => {
      const { segment, chunk, of } = part;
      const single = of === 1;
      const result = await deps.runner.run({
        run,
        stage: 'frame_processing',
        circuit,
        task: (chaos) => task(part, chaos),
        drillKey: single ? `segment-${segment.index}` : `segment-${segment.index}-chunk-${chunk.index}`,
        ...chunkTiming(chunk),
        whenOpen: 'wait',
        retries: 'policy',
        detail: single ? `segment ${segment.index}` : `segment ${segment.index} chunk ${chunk.index + 1}/${of} (frames ${chunk.start}–${chunk.end - 1})`,
        signal: laneSignal,
      });
      learn(run, deps, keyOf(segment), chunk.end - chunk.start, result);
      return result.output;
    },
  });

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
 * Renders every still generator's picture once (StillTask), in parallel up to the lanes; the
 * segment's chunks then zoom over the picture. Counted as parts of the stage's progress.
 * Returns each such segment's keyframe as a picture.
 */
async function renderStills(run: ShotRun, deps: StageDeps, circuit: CircuitBreaker, signal: AbortSignal, chunks: number): Promise<Map<number, { image: string }>> {
  const { timeline, shot, job } = run;
  const tasks: StillTask[] = [];
  for (const segment of timeline.segments) {
    const keyframe = shot.keyframes[segment.index]!;
    if ('image' in keyframe || !STILL_GENERATORS.has(keyframe.generator)) continue;
    const { width, height } = shot.resolution;
    tasks.push({ stage: 'frame_processing', kind: 'still', shotId: shot.id, segment: segment.index, keyframe, width, height, output: join(job.workDir, `segment-${segment.index}-still.png`) });
  }
  run.setParts('frame_processing', chunks + tasks.length);
  const stills = new Map<number, { image: string }>();
  // One frame of the generator: a few seconds at 1080p; the window grows with the picture's size.
  const stallMs = stallWindow(STILL_STALL_MS_PER_MP * (shot.resolution.width * shot.resolution.height) / 1e6);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      // No drillKey: fault drills count the segment's chunk tasks, as they did before stills.
      const call = { run, stage: 'frame_processing', circuit, task: () => task, stallMs, whenOpen: 'wait', retries: 'policy', detail: `segment ${task.segment} still`, signal } as const;
      stills.set(task.segment, { image: (await deps.runner.run(call)).output });
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.lanes, tasks.length) }, lane));
  return stills;
}

/** Stall window of a still per megapixel: its one frame is all its work (2.9 s at 2 MP measured, ×10 for a loaded machine). */
const STILL_STALL_MS_PER_MP = 15_000;
