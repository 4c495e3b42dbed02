/**
 * interpolation: the shot's segments are joined (cut, or an xfade transition over the overlap)
 * and retimed from the source fps to the shot's fps with the chosen method. The result is padded
 * with the last frame and cut so that it holds exactly task.frames frames.
 */
import { filterNumber, type FfmpegSpec } from '../ffmpeg-spec.ts';
import { INTERMEDIATE_ARGS, minterpolateOptions } from '../quality.ts';
import { StageError, type InterpolationTask, type StageResult } from '../tasks.ts';
import { requireFile, runStageFfmpeg, writeVia, type StageContext } from './common.ts';

const STAGE = 'interpolation';

/** Our transition names → xfade's ('crossfade' is xfade's plain 'fade'). */
const XFADE = { crossfade: 'fade', dissolve: 'dissolve', wipeleft: 'wipeleft', slideleft: 'slideleft' } as const;

function retime(task: InterpolationTask): string {
  const fps = `fps=${task.fps}`;
  switch (task.method) {
    case 'optical_flow':
      return `minterpolate=${fps}:${minterpolateOptions(task.quality, 'mci')}`;
    case 'blend':
      return `minterpolate=${fps}:${minterpolateOptions(task.quality, 'blend')}`;
    case 'crossfade':
      // The framerate filter blends neighbouring source frames into each new one.
      return `framerate=${fps}`;
    case 'duplicate':
      return `fps=${task.fps}`;
  }
}

/** The filter graph: normalise each input, join, retime, pad, into [out]. */
export function interpolationGraph(task: InterpolationTask): string {
  const n = task.inputs.length;
  const src = task.sourceFps;
  // xfade insists on equal size, pixel format, frame rate and time base on both sides;
  // this makes every segment agree regardless of how it was written.
  const parts = task.inputs.map((_, i) => `[${i}:v]setpts=PTS-STARTPTS,fps=${src},scale=${task.width}:${task.height},setsar=1,format=yuv420p[s${i}]`);
  // A transition shorter than one source frame cannot be drawn; such a join is a cut.
  const fades = n > 1 && task.transition !== 'cut' && task.overlap >= 1 / src;
  if (fades && task.overlap >= task.segmentDuration) {
    throw new StageError('invalid_task', STAGE, `overlap (${task.overlap} s) must be shorter than each segment (${task.segmentDuration} s)`);
  }
  let joined = 's0';
  if (n > 1 && !fades) {
    parts.push(`${task.inputs.map((_, i) => `[s${i}]`).join('')}concat=n=${n}:v=1:a=0[joined]`);
    joined = 'joined';
  } else if (fades) {
    const transition = XFADE[task.transition as keyof typeof XFADE];
    for (let k = 1; k < n; k++) {
      // Segment k starts where the previous ones, less their overlaps, end: the joined stream
      // then lasts n·segment − (n−1)·overlap, the shot's duration.
      const offset = filterNumber(k * (task.segmentDuration - task.overlap), 'xfade offset');
      parts.push(`[${joined}][s${k}]xfade=transition=${transition}:duration=${filterNumber(task.overlap, 'overlap')}:offset=${offset}[x${k}]`);
      joined = `x${k}`;
    }
  }
  // tpad without end clones the last frame for as long as needed; -frames:v then cuts exactly.
  parts.push(`[${joined}]${retime(task)},tpad=stop=-1:stop_mode=clone,setpts=N/(${task.fps}*TB),format=yuv420p[out]`); // minterpolate stops at the last source frame: tpad's clones then jump in time
  return parts.join(';');
}

/** The ffmpeg command that joins and retimes the segments into task.output (shared with the render benchmark). */
export function interpolationSpec(task: InterpolationTask): FfmpegSpec {
  return {
    stage: STAGE,
    inputs: task.inputs.map((path) => ({ path })),
    complexFilter: interpolationGraph(task),
    output: task.output,
    outputOptions: ['-map', '[out]', '-frames:v', String(task.frames), '-an', ...INTERMEDIATE_ARGS],
  };
}

export async function runInterpolation(task: InterpolationTask, ctx: StageContext): Promise<StageResult> {
  task.inputs.forEach((path, i) => requireFile(path, STAGE, `segment ${i}`));
  const spec = interpolationSpec(task);
  return await writeVia(task.output, async (partial) => {
    const { elapsedMs } = await runStageFfmpeg({ ...spec, output: partial }, ctx, task.chaos?.mode, { expectedFrames: task.frames, step: task.method });
    return { output: task.output, elapsedMs };
  });
}
