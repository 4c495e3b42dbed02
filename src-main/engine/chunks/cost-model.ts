/**
 * What a piece of work is expected to cost, and the deadline that follows from it:
 *
 *   expected seconds = one ffmpeg start + frames × megapixels × seconds per megapixel-frame
 *   deadline         = expected × safety factor, at least a floor, never above the circuit's timeoutMs
 *
 * The seconds per megapixel-frame of each (stage, method, quality) start from the built-in figures
 * below and are then learned from finished chunks (throughput-learner.ts). The circuit's timeout
 * stays the hard cap: a deadline can only be shorter.
 */
import type { Quality } from '../model.ts';
import type { StageName } from '../tasks.ts';

/**
 * What a throughput figure is kept per. `method` is the interpolation method for interpolation,
 * the format for export, and 'zoompan' for frame processing (whose cost the camera move dominates).
 */
export interface ThroughputKey {
  stage: StageName;
  method: string;
  quality: Quality;
}

export function throughputKey(key: ThroughputKey): string {
  return `${key.stage}/${key.method}/${key.quality}`;
}

/**
 * Built-in seconds per megapixel-frame, conservative on purpose: a first render on a machine the
 * studio has not learned yet must get deadlines too long rather than too short.
 *
 * From two runs of `node bench/throughput.ts` (640x360, 2 s, a zooming mandelbrot, 12 → 24 fps) on
 * a 2-core x86-64 virtual machine (AMD EPYC) that six other jobs loaded at the same time (load
 * average 7–10): the slower of the two runs, times 2, rounded up, then made non-decreasing with
 * quality. Methods whose filter is the same at every quality share one figure; so does optical
 * flow, whose three minterpolate settings gave bit-identical frames in ffmpeg 5.1 (docs/CHUNKS.md).
 * A 1280x720 run gave figures at or below the 640x360 ones, so they hold for larger frames.
 */
export const BUILTIN_SECONDS_PER_MPF: Readonly<Record<string, number>> = {
  'frame_processing/zoompan/draft': 0.27,
  'frame_processing/zoompan/preview': 0.49,
  'frame_processing/zoompan/standard': 0.52,
  'frame_processing/zoompan/final': 0.52,
  'interpolation/optical_flow/draft': 1.1,
  'interpolation/optical_flow/preview': 1.1,
  'interpolation/optical_flow/standard': 1.1,
  'interpolation/optical_flow/final': 1.1,
  'interpolation/blend/draft': 0.081,
  'interpolation/blend/preview': 0.081,
  'interpolation/blend/standard': 0.081,
  'interpolation/blend/final': 0.081,
  'interpolation/crossfade/draft': 0.063,
  'interpolation/crossfade/preview': 0.063,
  'interpolation/crossfade/standard': 0.063,
  'interpolation/crossfade/final': 0.063,
  'interpolation/duplicate/draft': 0.051,
  'interpolation/duplicate/preview': 0.051,
  'interpolation/duplicate/standard': 0.051,
  'interpolation/duplicate/final': 0.051,
  'export/mp4/draft': 0.025,
  'export/mp4/preview': 0.12,
  'export/mp4/standard': 0.15,
  'export/mp4/final': 0.19,
  'export/webm/draft': 0.1,
  'export/webm/preview': 0.15,
  'export/webm/standard': 0.44,
  'export/webm/final': 0.91,
  'export/mov/draft': 0.54,
  'export/mov/preview': 0.8,
  'export/mov/standard': 0.8,
  'export/mov/final': 0.8,
  'export/png_sequence/draft': 0.27,
  'export/png_sequence/preview': 0.43,
  'export/png_sequence/standard': 0.43,
  'export/png_sequence/final': 0.43,
};

/** For a key no bench measured (a method added later): the dearest figure of its stage. */
export function builtinSecondsPerMpf(key: ThroughputKey): number {
  const exact = BUILTIN_SECONDS_PER_MPF[throughputKey(key)];
  if (exact !== undefined) return exact;
  const ofStage = Object.entries(BUILTIN_SECONDS_PER_MPF).filter(([k]) => k.startsWith(`${key.stage}/`));
  return Math.max(...ofStage.map(([, v]) => v));
}

/** One ffmpeg start (process, codecs, first reads), paid by every chunk whatever its size; measured by the bench too. */
export const FFMPEG_START_S = 0.5;
/** Deadline over expectation: room for a loaded machine and a figure learned on easier frames. */
export const DEFAULT_SAFETY_FACTOR = 3;
/** No deadline is shorter than this (unless the circuit's own timeout is): tiny chunks on a busy machine still get time. */
export const MIN_DEADLINE_MS = 10_000;

export interface FrameWork {
  frames: number;
  width: number;
  height: number;
}

export function megapixels(work: Pick<FrameWork, 'width' | 'height'>): number {
  return (work.width * work.height) / 1e6;
}

/** Expected wall seconds of one ffmpeg run doing `work` at `secondsPerMpf`. */
export function expectedSeconds(work: FrameWork, secondsPerMpf: number, startS: number = FFMPEG_START_S): number {
  return startS + work.frames * megapixels(work) * secondsPerMpf;
}

export interface DeadlineOptions {
  /** The circuit's timeoutMs: the hard cap. */
  timeoutMs: number;
  safetyFactor?: number;
  minDeadlineMs?: number;
}

/** A chunk's deadline from its expected seconds: expected × safety, at least the floor, never above the circuit's timeout. */
export function chunkDeadlineMs(expectedS: number, options: DeadlineOptions): number {
  const safety = options.safetyFactor ?? DEFAULT_SAFETY_FACTOR;
  const floor = options.minDeadlineMs ?? MIN_DEADLINE_MS;
  return Math.min(options.timeoutMs, Math.max(floor, Math.ceil(expectedS * safety * 1000)));
}
