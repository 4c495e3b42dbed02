/**
 * Where a chunk may start and end, and which source frames an interpolation chunk reads. Pure
 * arithmetic on whole frames; every figure here was measured (docs/CHUNKS.md).
 */
import type { InterpolationMethod } from '../model.ts';

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y) [x, y] = [y, x % y];
  return x;
}

/**
 * Chunk lengths are whole multiples of this many frames, so that every chunk lasts a whole number
 * of milliseconds. mkv and webm store times in milliseconds and the concat demuxer places each file
 * after the previous one's duration: a chunk of 17 frames at 24 fps (708.33 ms) left a 0.65 ms gap at
 * every seam and the joined mkv lasted 3.009 s instead of 3 s; multiples of 3 frames joined exactly.
 */
export function timestampUnit(fps: number): number {
  return fps / gcd(fps, 1000);
}

/**
 * An interpolation chunk's first source frame is a multiple of this, so that it falls on the
 * output frame grid (source frame i is at output frame i·fps/src, a whole number only then): the
 * retime then cuts its output frames at the same instants as an unchunked run does.
 */
export function sourceGridStep(sourceFps: number, fps: number): number {
  return sourceFps / gcd(sourceFps, fps);
}

/**
 * Source frames of context an interpolation chunk reads on each side of the ones its output needs.
 * Measured by chunking seven 320x180 sources (two zooms, testsrc2, a pan, a cut, a dissolve, life) every 12
 * output frames and comparing with the same sources retimed in one piece, frame by frame (SSIM on
 * lossless files; docs/CHUNKS.md):
 * - optical_flow (minterpolate mci): 0 frames fails (worst frame 0.71); from 1 frame every frame
 *   scored ≥ 0.9945 (1, 2 and 4 alike: the motion search starts from the previous pair's vectors,
 *   so a chunk's first frames differ slightly whatever the context); 6 was exact (≥ 0.99995).
 *   1 is the structural minimum (the interpolated pair's outer neighbours), and the engine uses it:
 *   a second frame bought no better worst frame, and cost about a tenth more work per chunk of the
 *   long shot (four output frames made and thrown away at 12 → 24 fps).
 * - blend (minterpolate blend): 0 frames fails (0.87); 1 is exact.
 * - crossfade (framerate) and duplicate (fps): exact with 0 on a steady source. Both get 1 all the
 *   same: the join can have a hole where a transition ends (join-source.ts), which every retime
 *   fills from the frame before it, and a chunk starting in the hole must have that frame.
 */
export const INTERPOLATION_CONTEXT: Record<InterpolationMethod, number> = { optical_flow: 1, blend: 1, crossfade: 1, duplicate: 1 };

/** The grid an interpolation stage runs on. */
export interface RetimeGrid {
  sourceFps: number;
  fps: number;
  /** Frames the joined source holds. */
  sourceFrames: number;
}

/**
 * Source frames the output needs: output frame j lies between source frames ⌊j·src/fps⌋ and the
 * next, so the last one needs source frame ⌊(M−1)·src/fps⌋ + 1. A joined source padded to this
 * length (by cloning its last frame) lets every chunk, the last included, read real frames.
 */
export function sourceFramesNeeded(outputFrames: number, sourceFps: number, fps: number): number {
  return Math.floor(((outputFrames - 1) * sourceFps) / fps) + 2;
}

/** The source frames [start, end) one interpolation chunk reads for output frames [outputStart, outputEnd). */
export interface SourceSpan {
  start: number;
  end: number;
  /** The output frame the chunk's retime produces first: its output is trimmed from outputStart − firstOutput. */
  firstOutput: number;
}

export function sourceSpan(outputStart: number, outputEnd: number, grid: RetimeGrid, context: number): SourceSpan {
  const { sourceFps, fps, sourceFrames } = grid;
  const step = sourceGridStep(sourceFps, fps);
  let start = Math.max(0, Math.floor((outputStart * sourceFps) / fps) - context);
  start -= start % step;
  let end = Math.min(sourceFrames, Math.floor(((outputEnd - 1) * sourceFps) / fps) + 2 + context);
  // minterpolate writes nothing from a single frame: every chunk reads at least two.
  if (end - start < 2) {
    end = Math.min(sourceFrames, start + 2);
    if (end - start < 2) start = Math.max(0, end - 2 - ((end - 2) % step));
  }
  return { start, end, firstOutput: (start * fps) / sourceFps };
}
