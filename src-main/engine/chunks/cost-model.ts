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
import type { GeneratorName, Quality } from '../model.ts';
import type { StageName } from '../tasks.ts';

/**
 * What a throughput figure is kept per. `method` is the interpolation method for interpolation,
 * the format for export, and for frame processing 'still' (zooming over one picture) or 'zoompan'
 * (a moving generator, rendered frame by frame): see frameWorkMethod.
 */
export interface ThroughputKey {
  stage: StageName;
  method: string;
  quality: Quality;
}

export function throughputKey(key: ThroughputKey): string {
  return `${key.stage}/${key.method}/${key.quality}`;
}

/** Generators whose every frame is the same: rendered once as a still (StillTask), then zoomed over like a picture. */
export const STILL_GENERATORS: ReadonlySet<GeneratorName> = new Set(['mandelbrot']);

/**
 * What a segment's frames cost is kept per (throughput key method): zooming over one picture (an
 * image, or a still generator's picture) is a crop and scale per frame; a moving generator renders
 * every frame and scales it up to the supersampled size first, many times dearer.
 */
export function frameWorkMethod(keyframe: { image: string } | { generator: GeneratorName }): 'still' | 'zoompan' {
  return 'image' in keyframe || STILL_GENERATORS.has(keyframe.generator) ? 'still' : 'zoompan';
}

/**
 * Built-in seconds per megapixel-frame: what a first render on a machine the studio has not
 * learned yet plans with. About 1.5× what was measured, so that a fresh machine plans chunks of
 * sensible size (with figures 4× too slow a 12 s 1080p optical-flow shot planned as 32 chunks of 9
 * frames, half of each chunk's work context); the safety against a slow machine is the deadline's
 * factor (DEFAULT_SAFETY_FACTOR, ×3), not the figure.
 *
 * From two runs of `node bench/throughput.ts` (640x360, 2 s, a zooming mandelbrot, 12 → 24 fps) on
 * a 2-core x86-64 virtual machine (AMD EPYC) that six other jobs loaded at the same time (load
 * average 7–10): the slower of the two runs, times 1.5, rounded, then made non-decreasing with
 * quality (docs/CHUNKS.md). Methods whose filter is the same at every quality share one figure; so
 * does optical flow, whose three minterpolate settings gave bit-identical frames in ffmpeg 5.1: 0.42,
 * 1.5× the 0.28 s per megapixel-frame of minterpolate mci at 1920×1080 (about 14 s per output
 * second at 24 fps). A 1280x720 run gave figures at or below the 640x360 ones, so they hold for
 * larger frames.
 */
export const BUILTIN_SECONDS_PER_MPF: Readonly<Record<string, number>> = {
  'frame_processing/zoompan/draft': 0.2,
  'frame_processing/zoompan/preview': 0.36,
  'frame_processing/zoompan/standard': 0.39,
  'frame_processing/zoompan/final': 0.39,
  // Zooming over one picture (an image, a still generator): 0.007 measured at 1920x1080 standard
  // (144 frames in 2.3 s, December 2026, one other job running), ×1.7.
  'frame_processing/still/draft': 0.012,
  'frame_processing/still/preview': 0.012,
  'frame_processing/still/standard': 0.012,
  'frame_processing/still/final': 0.012,
  'interpolation/optical_flow/draft': 0.42,
  'interpolation/optical_flow/preview': 0.42,
  'interpolation/optical_flow/standard': 0.42,
  'interpolation/optical_flow/final': 0.42,
  'interpolation/blend/draft': 0.06,
  'interpolation/blend/preview': 0.06,
  'interpolation/blend/standard': 0.06,
  'interpolation/blend/final': 0.06,
  'interpolation/crossfade/draft': 0.048,
  'interpolation/crossfade/preview': 0.048,
  'interpolation/crossfade/standard': 0.048,
  'interpolation/crossfade/final': 0.048,
  'interpolation/duplicate/draft': 0.04,
  'interpolation/duplicate/preview': 0.04,
  'interpolation/duplicate/standard': 0.04,
  'interpolation/duplicate/final': 0.04,
  'export/mp4/draft': 0.018,
  'export/mp4/preview': 0.089,
  'export/mp4/standard': 0.108,
  'export/mp4/final': 0.14,
  'export/webm/draft': 0.075,
  'export/webm/preview': 0.111,
  'export/webm/standard': 0.33,
  'export/webm/final': 0.68,
  'export/mov/draft': 0.405,
  'export/mov/preview': 0.6,
  'export/mov/standard': 0.6,
  'export/mov/final': 0.6,
  'export/png_sequence/draft': 0.2,
  'export/png_sequence/preview': 0.32,
  'export/png_sequence/standard': 0.32,
  'export/png_sequence/final': 0.32,
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
