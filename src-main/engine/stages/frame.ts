/**
 * frame_processing: one keyframe becomes one segment. The keyframe (an image, or a generator) is
 * scaled to cover the frame, then zoompan plays the camera move over it, one output frame per
 * input frame. Output: a lossless intermediate.
 */
import { alphaCompositeFilter } from './alpha.ts';
import { assertSafeFilterValue, filterNumber, type FfmpegInput, type FfmpegSpec } from '../ffmpeg-spec.ts';
import { INTERMEDIATE_ARGS, QUALITY_PRESETS } from '../quality.ts';
import { StageError, type FrameTask, type StageResult, type StillTask } from '../tasks.ts';
import type { Easing } from '../model.ts';
import { STILL_GENERATORS } from '../chunks/cost-model.ts';
import { requireFile, runStageFfmpeg, writeVia, type StageContext } from './common.ts';

const STAGE = 'frame_processing';

/** The easing curves as ffmpeg expressions of a progress expression p (0..1). */
function ease(p: string, easing: Easing): string {
  switch (easing) {
    case 'linear':
      return p;
    case 'ease_in':
      return `${p}*${p}`;
    case 'ease_out':
      return `(1-(1-${p})*(1-${p}))`;
    case 'ease_in_out':
      // smoothstep: 3p² − 2p³
      return `(${p}*${p}*(3-2*${p}))`;
  }
}

/**
 * zoompan's z, x and y. The crop window is iw/zoom wide; its centre sits at
 * iw/2 + x·(iw/2 − iw/zoom/2), so x = ±1 puts the window's edge on the picture's edge and no
 * position in [-1, 1] ever looks outside the picture. x and y below are the window's top-left.
 */
export function zoompanExpressions(task: FrameTask): { z: string; x: string; y: string } {
  const { from, to, easing, t0, t1 } = task.camera;
  const n = (v: number, what: string) => `(${filterNumber(v, what)})`;
  // `on` is zoompan's output frame index; with d=1 it is also the input frame index. A chunk's
  // frame k is the segment's frame offset + k.
  const offset = task.range?.offset ?? 0;
  const segmentFrames = task.range?.segmentFrames ?? task.frames;
  const index = offset > 0 ? `(on+${offset})` : 'on';
  const p = segmentFrames > 1 ? `(${n(t0, 't0')}+${n(t1 - t0, 't1-t0')}*${index}/${segmentFrames - 1})` : n(t0, 't0');
  const e = ease(p, easing);
  const lerp = (a: number, b: number, what: string) => `(${n(a, what)}+${n(b - a, what)}*${e})`;
  const z = lerp(from.zoom, to.zoom, 'zoom');
  const x = `(1+${lerp(from.x, to.x, 'x')})*(iw/2-iw/zoom/2)`;
  const y = `(1+${lerp(from.y, to.y, 'y')})*(ih/2-ih/zoom/2)`;
  for (const [what, expr] of Object.entries({ z, x, y })) assertSafeFilterValue(expr, `zoompan ${what}`);
  return { z, x, y };
}

function hexColor(color: string | undefined, fallback: string): string {
  if (color === undefined) return fallback;
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) throw new StageError('invalid_task', STAGE, `keyframe color must be a hex colour like #3366ff, got ${JSON.stringify(color)}`);
  return assertSafeFilterValue(`0x${color.slice(1)}`, 'color');
}

/** Mandelbrot views (centre x, centre y, scale) chosen by a keyframe's seed. */
const MANDELBROT_VIEWS: readonly (readonly [number, number, number])[] = [
  [-0.743644, -0.131826, 0.05],
  [-0.7453, 0.1127, 0.01],
  [-1.25066, 0.02012, 0.02],
  [-0.16, 1.0405, 0.05],
  [0.285, 0.01, 0.05],
  [-0.8, 0.156, 0.3],
  [-1.768, 0, 0.03],
  [-0.1, 0.651, 0.2],
];

/** The keyframe as an ffmpeg input, plus any filters that belong to the source itself. */
function keyframeSource(task: FrameTask): { input: FfmpegInput; decor: string[]; still?: boolean } {
  const kf = task.keyframe;
  if ('image' in kf) {
    requireFile(kf.image, STAGE, 'keyframe image');
    // The image is decoded and scaled once, then repeated by the loop filter (after the cover
    // scale, below): far cheaper than -loop 1, which decodes and rescales it for every frame.
    // No input rate either: zoompan stamps its own frames at task.fps, and demuxers other than
    // image2 (a GIF, say) would reject -framerate.
    // Transparency is laid over the shot's background first: zoompan and yuv420p would drop alpha
    // and show whatever colours the transparent pixels hold.
    return { input: { path: kf.image }, decor: [alphaCompositeFilter(task.background)], still: true };
  }
  if (!Number.isInteger(kf.seed) || kf.seed < 0 || kf.seed > 2 ** 31 - 1) {
    throw new StageError('invalid_task', STAGE, `keyframe seed must be a whole number from 0 to ${2 ** 31 - 1}, got ${kf.seed}`);
  }
  const base = `size=${task.width}x${task.height}:rate=${task.fps}`;
  const seed = String(kf.seed);
  // Generators that change over time start where the chunk does: the frames before it are made and
  // dropped by count (trim), which is exact; an input seek on a generator was not (frame md5s differed).
  const offset = task.range?.offset ?? 0;
  const from = offset > 0 ? [`trim=start_frame=${offset}`, 'setpts=PTS-STARTPTS'] : [];
  switch (kf.generator) {
    case 'mandelbrot':
      // Held still, every frame is the same: a chunk needs no seek (which would compute the frames
      // skipped). The frames stage renders it once as a still (stillSource) and hands chunks the picture.
      return { input: { lavfi: mandelbrot(kf.seed, base) }, decor: [] };
    case 'testsrc2':
      return { input: { lavfi: `testsrc2=${base}` }, decor: from };
    case 'gradients':
      return { input: { lavfi: `gradients=${base}:seed=${seed}${kf.color ? `:c0=${hexColor(kf.color, '')}` : ''}` }, decor: from };
    case 'life':
      return { input: { lavfi: `life=${base}:seed=${seed}:mold=10:life_color=${hexColor(kf.color, '0xffffff')}` }, decor: from };
    case 'color':
      // A flat colour would make every camera move invisible: a vignette and a fixed grain
      // (seeded, not temporal) give the picture features that move with the camera.
      return {
        input: { lavfi: `color=c=${hexColor(kf.color, '0x336699')}:${base}` },
        decor: ['vignette', `noise=alls=14:allf=u:all_seed=${seed}`],
      };
  }
}

/**
 * The seed picks one of a few well-known views, held still (start = end scale) so that the shot's
 * camera is the only motion. maxiter 1000 keeps detail at a fraction of the default's cost.
 */
function mandelbrot(seed: number, base: string): string {
  const [x, y, scale] = MANDELBROT_VIEWS[seed % MANDELBROT_VIEWS.length]!;
  return `mandelbrot=${base}:start_x=${x}:start_y=${y}:start_scale=${scale}:end_scale=${scale}:maxiter=1000`;
}

/** The command that renders a still generator's one frame to a lossless picture. */
export function stillSpec(task: StillTask): FfmpegSpec {
  const kf = task.keyframe;
  if (!STILL_GENERATORS.has(kf.generator)) throw new StageError('invalid_task', STAGE, `keyframe generator ${kf.generator} changes over time; only ${[...STILL_GENERATORS].join(', ')} can be rendered as a still`);
  if (!/\.png$/.test(task.output)) throw new StageError('invalid_task', STAGE, `a still is written as a .png picture, got ${task.output}`);
  const lavfi = mandelbrot(kf.seed, `size=${task.width}x${task.height}:rate=1`);
  return { stage: STAGE, inputs: [{ lavfi }], output: task.output, outputOptions: ['-frames:v', '1', '-update', '1', '-c:v', 'png'] };
}

export async function runStill(task: StillTask, ctx: StageContext): Promise<StageResult> {
  const spec = stillSpec(task);
  return await writeVia(task.output, async (partial) => {
    const { elapsedMs } = await runStageFfmpeg({ ...spec, output: partial }, ctx, task.chaos?.mode, { expectedFrames: 1, step: `segment ${task.segment} still` });
    return { output: task.output, elapsedMs };
  });
}

/**
 * The ffmpeg command that renders a segment to task.output. Pure (bar the keyframe-image check) and
 * exported so that the render benchmark runs the very same command without our machinery.
 */
export function frameSpec(task: FrameTask): FfmpegSpec {
  const preset = QUALITY_PRESETS[task.quality];
  const sw = task.width * preset.supersample;
  const sh = task.height * preset.supersample;
  const { input, decor, still } = keyframeSource(task);
  const { z, x, y } = zoompanExpressions(task);
  const chain = [
    ...decor,
    // Cover the (supersampled) frame: scale up until both sides fill it, then crop the excess.
    `scale=${sw}:${sh}:force_original_aspect_ratio=increase:flags=${preset.scaleFlags}`,
    `crop=${sw}:${sh}`,
    'setsar=1',
    ...(still ? [`loop=loop=${task.frames - 1}:size=1`] : []),
    `zoompan=z=${z}:x=${x}:y=${y}:d=1:s=${task.width}x${task.height}:fps=${task.fps}`,
    'format=yuv420p',
  ].join(',');
  return { stage: STAGE, inputs: [input], videoFilter: chain, output: task.output, outputOptions: ['-frames:v', String(task.frames), '-an', ...INTERMEDIATE_ARGS] };
}

export async function runFrameProcessing(task: FrameTask, ctx: StageContext): Promise<StageResult> {
  // Built before anything is written: an invalid task fails without touching the output folder.
  const spec = frameSpec(task);
  return await writeVia(task.output, async (partial) => {
    const step = task.range ? `segment ${task.segment} from ${task.range.offset}` : `segment ${task.segment}`;
    const { elapsedMs } = await runStageFfmpeg({ ...spec, output: partial }, ctx, task.chaos?.mode, { expectedFrames: task.frames, step });
    return { output: task.output, elapsedMs };
  });
}
