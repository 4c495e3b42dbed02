/**
 * The ffmpeg arguments of one interpolation chunk: output frames [start, end) of the retimed shot,
 * made from the joined source (join-source.ts: the shot's segments joined by the stage's own graph,
 * transitions included, timestamps kept), reading the source frames of its span, context included,
 * and keeping exactly its own output frames.
 *
 * Everything is cut by time, not by counting frames, because the join can have holes: xfade in
 * ffmpeg 5.1 drops the last frame of a transition (its output jumps from frame 19 to 21 at 12 fps),
 * and the stage's retime bridges that hole. Counting frames would shift every later frame by one.
 * - Input: the original timestamps (-copyts), a seek to half a frame before the span for speed,
 *   the time base set back to the source rate (the mkv stores milliseconds, settb rounds them back
 *   to whole frames), and a trim to the span by those whole-frame timestamps: the retime sees what
 *   the unchunked stage sees there. (A trim by seconds is not exact: trim rounds its bound to the
 *   time base, and 17.5/30 s written to six places rounds to frame 17, dropping it.)
 * - The retime: the very filter the interpolation stage uses for the method and quality, reading
 *   its frames in the time base the stage's join hands it (microseconds after a cut). Its output
 *   frames sit on the shot's grid, since the span starts on a source frame that falls on it.
 * - Output: a trim to [start, end) by timestamp on the shot's grid; the last kept frame cloned if the source ends first
 *   (as the stage pads: minterpolate stops at the last source frame); stamped from 0 at the shot's
 *   rate, so chunks join with the concat demuxer.
 * Measured against an unchunked run: docs/CHUNKS.md.
 */
import type { InterpolationMethod, Quality } from '../model.ts';
import { INTERMEDIATE_ARGS, minterpolateOptions } from '../quality.ts';
import { absolute, CHUNK_GLOBAL_ARGS, seconds, wholeNumber } from './chunk-args.ts';
import type { RetimeGrid, SourceSpan } from './chunk-geometry.ts';

/** The retime filter of a method, as the interpolation stage writes it. */
export function retimeFilter(method: InterpolationMethod, quality: Quality, fps: number): string {
  switch (method) {
    case 'optical_flow':
      return `minterpolate=fps=${fps}:${minterpolateOptions(quality, 'mci')}`;
    case 'blend':
      return `minterpolate=fps=${fps}:${minterpolateOptions(quality, 'blend')}`;
    case 'crossfade':
      return `framerate=fps=${fps}`;
    case 'duplicate':
      return `fps=${fps}`;
  }
}

export interface InterpolationChunkSpec {
  /** The joined source: lossless, at grid.sourceFps, grid.sourceFrames frames. Absolute path. */
  source: string;
  grid: RetimeGrid;
  method: InterpolationMethod;
  quality: Quality;
  /** Output frames [start, end) and the source span the planner gave them. */
  start: number;
  end: number;
  span: SourceSpan;
  /** The time base the stage's retime reads the join in (join-source.ts retimeTimeBase); default the source rate. */
  retimeTimeBase?: number;
  /** Absolute path of the chunk's lossless output (.mkv). */
  output: string;
}

export function interpolationChunkArgs(spec: InterpolationChunkSpec): string[] {
  const { grid, span, start, end } = spec;
  wholeNumber(grid.sourceFps, 'sourceFps', 1);
  wholeNumber(grid.fps, 'fps', 1);
  wholeNumber(start, 'start', 0);
  wholeNumber(end - start, 'chunk length', 1);
  wholeNumber(span.start, 'span start', 0);
  wholeNumber(span.end - span.start, 'span length', 1);
  if (start < span.firstOutput) throw new RangeError(`output frame ${start} comes before the span's first output frame ${span.firstOutput}`);
  const src = grid.sourceFps;
  const fps = grid.fps;
  const timeBase = spec.retimeTimeBase ?? src;
  wholeNumber(timeBase, 'retime time base', 1);
  const seek = span.start > 0 ? ['-ss', seconds((span.start - 0.5) / src)] : [];
  const graph = [
    // After settb every frame's pts is its index on the source grid, so the trim is exact.
    `[0:v]settb=1/${src},trim=start_pts=${span.start}:end_pts=${span.end},format=yuv420p${timeBase === src ? '' : `,settb=1/${timeBase}`}`,
    retimeFilter(spec.method, spec.quality, fps),
    `settb=1/${fps},trim=start_pts=${start}:end_pts=${end}`,
    // Clones the last kept frame only if the retime ended early (the last chunk); -frames:v cuts.
    'tpad=stop=-1:stop_mode=clone',
    `setpts=N/(${fps}*TB),format=yuv420p[out]`,
  ].join(',');
  return [
    ...CHUNK_GLOBAL_ARGS,
    '-copyts',
    ...seek,
    '-i', absolute(spec.source, 'source'),
    '-filter_complex', graph,
    '-map', '[out]', '-frames:v', String(end - start), '-an', ...INTERMEDIATE_ARGS,
    absolute(spec.output, 'output'),
  ];
}
