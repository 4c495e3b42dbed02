/**
 * The joined source interpolation chunks read: the shot's segments normalised and joined (a cut, or
 * an xfade transition over the overlap) exactly as the interpolation stage joins them, written as
 * one lossless file at the source rate, before any retime.
 *
 * The join is the stage's own graph without its last part (the retime and padding), so there is one
 * definition of a transition. Its timestamps are kept as they are (-fps_mode passthrough): xfade can
 * leave a hole of one frame at a transition's end, which the stage's retime bridges, and a chunk must
 * see that same hole (interpolation-chunk.ts). Nothing pads the end either: the stage's retime stops
 * at the join's last frame and the last chunk clones from there, as the stage does.
 */
import { INTERMEDIATE_ARGS } from '../quality.ts';
import { interpolationGraph } from '../stages/interpolate.ts';
import type { InterpolationTask } from '../tasks.ts';
import { absolute, CHUNK_GLOBAL_ARGS } from './chunk-args.ts';

/** The stage's graph up to its joined stream, and that stream's label. */
export function joinGraph(task: InterpolationTask): { graph: string; label: string } {
  const parts = interpolationGraph(task).split(';');
  const last = parts.pop() ?? '';
  const label = /^\[([A-Za-z0-9_]+)\]/.exec(last)?.[1];
  // The stage's graph ends with "[joined]retime,tpad...,format=yuv420p[out]": if that changes, say so here.
  if (!label || !last.endsWith('[out]') || parts.length === 0) throw new Error(`the interpolation graph no longer ends in one retime of its joined stream: ${last}`);
  return { graph: parts.join(';'), label };
}

/**
 * The time base the stage's retime reads the join in, as a denominator (1/n s). It matters: ffmpeg's
 * concat filter outputs microseconds (AV_TIME_BASE), so a cut's frame times are rounded to whole µs
 * (41/12 s becomes 3416667 µs), and minterpolate then decides differently where an output instant
 * falls exactly on a source frame (a 12 → 30 fps cut shot differed on most frames, worst SSIM 0.43,
 * until a chunk read its frames in µs too; then it matched bit for bit). xfade and a single segment
 * keep the source rate's time base.
 */
export function retimeTimeBase(task: InterpolationTask): number {
  return joinGraph(task).graph.includes('concat=') ? 1_000_000 : task.sourceFps;
}

/** Arguments that write the join of task.inputs to `output` (lossless .mkv, the join's own timestamps). */
export function joinSourceArgs(task: InterpolationTask, output: string): string[] {
  const { graph, label } = joinGraph(task);
  return [
    ...CHUNK_GLOBAL_ARGS,
    ...task.inputs.flatMap((input, i) => ['-i', absolute(input, `segment ${i}`)]),
    '-filter_complex', graph,
    '-map', `[${label}]`, '-fps_mode', 'passthrough', '-an', ...INTERMEDIATE_ARGS,
    absolute(output, 'output'),
  ];
}
