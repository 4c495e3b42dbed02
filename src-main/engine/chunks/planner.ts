/**
 * Cuts a stage's frames into chunks of bounded expected cost. Each chunk becomes one operation under
 * the stage's circuit, so each must be expected to take a small fraction of the circuit's timeout;
 * a stage whose smallest possible chunk is expected to take longer than the timeout is refused, with
 * the estimate and the fix, before anything runs.
 *
 * Chunks are whole multiples of the timestamp unit (chunk-geometry.ts), the last one excepted; when
 * there is enough work they number a multiple of the lanes (workers and the circuit's maxConcurrent),
 * so that every core has work until the end.
 */
import type { InterpolationMethod, Quality } from '../model.ts';
import type { StageName } from '../tasks.ts';
import { INTERPOLATION_CONTEXT, sourceSpan, timestampUnit, type RetimeGrid, type SourceSpan } from './chunk-geometry.ts';
import { chunkDeadlineMs, DEFAULT_SAFETY_FACTOR, FFMPEG_START_S, megapixels, MIN_DEADLINE_MS } from './cost-model.ts';

/**
 * Below this many expected seconds a stage is not spread over lanes just to fill them (it is still
 * cut when its cost asks): spreading costs a join of the source, context frames, a concat and more
 * ffmpeg starts, a second or two that a shorter stage would not win back on two cores.
 */
export const MIN_PARALLEL_SECONDS = 10;

export interface StageWork {
  stage: StageName;
  /** Throughput key's method: interpolation method, export format, 'still' or 'zoompan'. */
  method: string;
  quality: Quality;
  /** Frames the stage writes. */
  frames: number;
  width: number;
  height: number;
  /** The rate of the frames written, for the timestamp unit. */
  fps: number;
  /** Interpolation only: the retime, whose chunks read source frames with context. */
  retime?: RetimeGrid & { method: InterpolationMethod };
  /** One file per frame (png sequences): any chunk length joins exactly. */
  perFrameFiles?: boolean;
}

export interface PlanLimits {
  /** The stage's circuit, named in a refusal. */
  circuit: string;
  timeoutMs: number;
  maxConcurrent: number;
  workers: number;
  /** Seconds per megapixel-frame for this work (learned, pinned or built-in). */
  secondsPerMpf: number;
  /** A chunk's expected time is at most this fraction of the timeout; default 1/4. */
  fraction?: number;
  safetyFactor?: number;
  startS?: number;
  minDeadlineMs?: number;
  /** Below this many expected seconds in all, the stage is not spread over lanes; default 4. */
  minParallelSeconds?: number;
  /** A chunk may spend at most this share of its work on context frames, if the timeout allows; default 1/4. */
  maxContextShare?: number;
  /** The shortest stall window: a chunk with no new frame for this long is hung; default 10 s. */
  minStallMs?: number;
  /**
   * Chunk ends to keep (the plan remembered for this work, chunk-store/plan-memo.ts), so that a
   * resumed or repeated render cuts where the last one did; ignored unless they cut the frames as
   * this planner may (in whole units, no chunk shorter than the shortest allowed).
   */
  ends?: readonly number[];
}

export interface Chunk {
  index: number;
  /** Output frames [start, end). */
  start: number;
  end: number;
  /** Interpolation only: the source frames read, context included. */
  source?: SourceSpan;
  /** Frames of work the run does (for interpolation: every frame its retime makes, the trimmed ones too). */
  workFrames: number;
  expectedSeconds: number;
  deadlineMs: number;
  /** No new frame for this long means hung. */
  stallMs: number;
  /** The first frame may take this long (process start and frames computed only to be trimmed). */
  firstFrameMs: number;
}

export interface Refusal {
  circuit: string;
  /** The whole stage's expected seconds, run in one piece. */
  stageExpectedSeconds: number;
  /** The smallest chunk's expected seconds: more than the timeout. */
  smallestChunkSeconds: number;
  timeoutMs: number;
  /** A timeout that would admit the smallest chunk with its safety factor. */
  neededTimeoutMs: number;
  message: string;
  fixes: string[];
}

export type ChunkPlan =
  | { ok: true; chunks: Chunk[]; lanes: number; expectedSeconds: number; wallSecondsEstimate: number }
  | { ok: false; refusal: Refusal };

export function planChunks(work: StageWork, limits: PlanLimits): ChunkPlan {
  if (!(Number.isInteger(work.frames) && work.frames > 0)) throw new RangeError(`a stage must write a positive whole number of frames, got ${work.frames}`);
  if (!(limits.secondsPerMpf > 0)) throw new RangeError(`seconds per megapixel-frame must be positive, got ${limits.secondsPerMpf}`);
  const fraction = limits.fraction ?? 0.25;
  const safety = limits.safetyFactor ?? DEFAULT_SAFETY_FACTOR;
  const startS = limits.startS ?? FFMPEG_START_S;
  const perFrameS = megapixels(work) * limits.secondsPerMpf;
  const unit = work.perFrameFiles ? 1 : timestampUnit(work.fps);
  const context = work.retime ? INTERPOLATION_CONTEXT[work.retime.method] : 0;

  const span = (start: number, end: number) => (work.retime ? sourceSpan(start, end, work.retime, context) : undefined);
  const workFrames = (start: number, end: number, source?: SourceSpan) => {
    if (!source || !work.retime) return end - start;
    // The retime makes one frame per output instant from the first source frame to the last one.
    const made = Math.floor(((source.end - 1 - source.start) * work.retime.fps) / work.retime.sourceFps) + 1;
    return Math.max(end - start, made);
  };
  const cost = (start: number, end: number) => startS + workFrames(start, end, span(start, end)) * perFrameS;

  const stageExpectedSeconds = cost(0, work.frames);
  // An interpolation chunk must reach back before the retime's last real frame (it stops a source
  // frame or two before the end, and the last chunk clones from there), so none is very short.
  // The last chunk can be up to a unit shorter than the others: minUnits allows for that.
  const minFrames = work.retime ? Math.ceil((3 * work.retime.fps) / work.retime.sourceFps) + 1 : 1;
  const minUnits = Math.ceil((minFrames + unit - 1) / unit);
  const totalUnits = Math.ceil(work.frames / unit);
  // The dearest smallest chunk: the shortest allowed, in the middle, with context on both sides.
  const mid = Math.max(0, Math.min(work.frames - minUnits * unit, Math.floor(work.frames / 2 / unit) * unit));
  const endOf = (u: number) => Math.min(work.frames, mid + u * unit);
  const smallest = cost(mid, endOf(minUnits));
  if (smallest * 1000 > limits.timeoutMs) return { ok: false, refusal: refusal(work, limits, stageExpectedSeconds, smallest, safety) };

  // The longest chunk (in units) that fits the budget; costs grow with length, so step down from an estimate.
  const budgetS = (fraction * limits.timeoutMs) / 1000;
  let units = Math.max(minUnits, Math.min(totalUnits, Math.floor((budgetS - startS) / perFrameS / unit)));
  while (units > minUnits && cost(mid, endOf(units)) > budgetS) units--;
  // Context frames are work thrown away: a chunk that throws away more than its share grows, as
  // long as its deadline still fits under the timeout uncapped.
  const share = limits.maxContextShare ?? 0.1;
  const wasted = (u: number) => 1 - (endOf(u) - mid) / workFrames(mid, endOf(u), span(mid, endOf(u)));
  while (units < totalUnits && wasted(units) > share && cost(mid, endOf(units + 1)) * safety * 1000 <= limits.timeoutMs) units++;

  const lanes = Math.max(1, Math.min(limits.workers, limits.maxConcurrent));
  const maxCount = Math.max(1, Math.floor(totalUnits / minUnits));
  let count = Math.min(maxCount, Math.ceil(totalUnits / units));
  if (lanes > 1 && stageExpectedSeconds >= (limits.minParallelSeconds ?? 4)) count = Math.min(maxCount, Math.ceil(count / lanes) * lanes);
  const kept = limits.ends && keepsUnits(limits.ends, work.frames, unit, minFrames) ? limits.ends : undefined;
  if (kept) count = kept.length;

  const chunks: Chunk[] = [];
  const base = Math.floor(totalUnits / count);
  const extra = totalUnits % count;
  let start = 0;
  for (let index = 0; index < count; index++) {
    const end = kept ? kept[index]! : Math.min(work.frames, start + (base + (index < extra ? 1 : 0)) * unit);
    const source = span(start, end);
    const frames = workFrames(start, end, source);
    const expected = startS + frames * perFrameS;
    const deadlineMs = chunkDeadlineMs(expected, { timeoutMs: limits.timeoutMs, safetyFactor: safety, minDeadlineMs: limits.minDeadlineMs ?? MIN_DEADLINE_MS });
    const stallMs = Math.min(deadlineMs, Math.max(limits.minStallMs ?? 10_000, Math.ceil(10 * perFrameS * 1000)));
    // Frames before the first kept one are made and trimmed: ffmpeg reports none while it makes them.
    const lead = source ? Math.max(0, start - source.firstOutput) : 0;
    const firstFrameMs = Math.min(deadlineMs, stallMs + Math.ceil((startS + lead * perFrameS) * safety * 1000));
    chunks.push({ index, start, end, ...(source ? { source } : {}), workFrames: frames, expectedSeconds: expected, deadlineMs, stallMs, firstFrameMs });
    start = end;
  }
  const expectedSeconds = chunks.reduce((sum, c) => sum + c.expectedSeconds, 0);
  return { ok: true, chunks, lanes, expectedSeconds, wallSecondsEstimate: longestLane(chunks, lanes) };
}

/** Whether remembered ends cut `frames` in whole units (the last end excepted) into chunks of at least `minFrames`. */
function keepsUnits(ends: readonly number[], frames: number, unit: number, minFrames: number): boolean {
  let start = 0;
  for (const [i, end] of ends.entries()) {
    const last = i === ends.length - 1;
    if (!Number.isInteger(end) || end - start < Math.min(minFrames, frames) || (last ? end !== frames : end % unit !== 0)) return false;
    start = end;
  }
  return ends.length > 0;
}

/** Chunks handed in order to whichever lane frees first: the last lane to finish. */
function longestLane(chunks: readonly Chunk[], lanes: number): number {
  const busy = Array.from({ length: lanes }, () => 0);
  for (const chunk of chunks) {
    const lane = busy.indexOf(Math.min(...busy));
    busy[lane]! += chunk.expectedSeconds;
  }
  return Math.max(...busy);
}

function refusal(work: StageWork, limits: PlanLimits, stageS: number, smallestS: number, safety: number): Refusal {
  const neededTimeoutMs = Math.ceil(smallestS * safety) * 1000;
  const fixes = [
    `choose a lower quality than ${work.quality}`,
    `render at a smaller size than ${work.width}x${work.height}`,
    `raise ${limits.circuit}'s timeoutMs to at least ${neededTimeoutMs} ms`,
  ];
  const message =
    `${work.stage} (${work.method}, ${work.quality}, ${work.width}x${work.height}) is expected to take ${round(stageS)} s in all and ` +
    `${round(smallestS)} s even in its smallest chunk, more than ${limits.circuit}'s timeout of ${round(limits.timeoutMs / 1000)} s; ` +
    `it was not started. Fix: ${fixes.join(', or ')}.`;
  return { circuit: limits.circuit, stageExpectedSeconds: stageS, smallestChunkSeconds: smallestS, timeoutMs: limits.timeoutMs, neededTimeoutMs, message, fixes };
}

function round(seconds: number): string {
  return seconds >= 10 ? seconds.toFixed(0) : seconds.toFixed(1);
}
