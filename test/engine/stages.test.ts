import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/ffprobe.ts';
import { GENERATORS, type ExportFormat } from '../../src-main/engine/model.ts';
import { runStage } from '../../src-main/engine/stages/run-stage.ts';
import type { ExportTask, FrameTask, InterpolationTask, StageError, StageTask } from '../../src-main/engine/tasks.ts';
import { rejection } from '../fixtures/stage-error.ts';

// Tiny shots keep the whole file fast: 96x54, 1 s, segments at 6 fps retimed to 12 fps.
const W = 96;
const H = 54;
const STILL = { from: { x: 0, y: 0, zoom: 1 }, to: { x: 0, y: 0, zoom: 1 }, easing: 'linear' as const, t0: 0, t1: 1 };
const PAN = { from: { x: -1, y: 0, zoom: 1.4 }, to: { x: 1, y: 0, zoom: 1.4 }, easing: 'linear' as const, t0: 0, t1: 1 };

let dir: string;
let halves: string; // a keyframe image: left half black, right half white
let segments: string[]; // two frame_processing outputs, 4 frames at 6 fps each
let interpolated: string; // 12 frames at 12 fps
const live = () => ({ signal: new AbortController().signal });

function ffmpegSync(args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 64 * 1024 * 1024 });
}

/** Mean luma (0..255) of every frame, decoded by ffmpeg. */
function frameMeans(path: string): number[] {
  const raw = ffmpegSync(['-i', path, '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
  const size = W * H;
  const means: number[] = [];
  for (let at = 0; at + size <= raw.length; at += size) {
    let sum = 0;
    for (let i = at; i < at + size; i++) sum += raw[i]!;
    means.push(sum / size);
  }
  return means;
}

function frameMd5s(path: string): string[] {
  return ffmpegSync(['-i', path, '-f', 'framemd5', '-'])
    .toString('utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

/** Hidden temporaries (".name.partial…", ".name.old-…") left in a folder. */
const leftovers = (folder: string) => readdirSync(folder).filter((n) => n.startsWith('.'));

function folder(name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function frameTask(output: string, over: Partial<FrameTask> = {}): FrameTask {
  return { stage: 'frame_processing', shotId: 's1', segment: 0, keyframe: { generator: 'testsrc2', seed: 1 }, width: W, height: H, fps: 6, frames: 6, camera: STILL, quality: 'draft', output, ...over };
}

function interpolationTask(output: string, over: Partial<InterpolationTask> = {}): InterpolationTask {
  return { stage: 'interpolation', shotId: 's1', inputs: segments, segmentDuration: 0.625, sourceFps: 6, fps: 12, frames: 12, method: 'blend', transition: 'crossfade', overlap: 0.25, width: W, height: H, quality: 'draft', output, ...over };
}

function exportTask(output: string, format: ExportFormat, over: Partial<ExportTask> = {}): ExportTask {
  return { stage: 'export', shotId: 's1', input: interpolated, format, width: W, height: H, fps: 12, frames: 12, quality: 'draft', output, ...over };
}

function failure(task: StageTask, ctx: Parameters<typeof runStage>[1] = live()): Promise<StageError> {
  return rejection(runStage(task, ctx));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-stages-'));
  halves = join(dir, 'halves.png');
  ffmpegSync(['-f', 'lavfi', '-i', 'color=black:s=60x120', '-f', 'lavfi', '-i', 'color=white:s=60x120', '-filter_complex', 'hstack', '-frames:v', '1', '-y', halves]);
  const seg = folder('segments');
  segments = [join(seg, 'seg-0.mkv'), join(seg, 'seg-1.mkv')];
  await runStage(frameTask(segments[0]!, { frames: 4, camera: { ...PAN, t1: 0.625 } }), live());
  await runStage(frameTask(segments[1]!, { segment: 1, frames: 4, keyframe: { generator: 'gradients', seed: 7 }, camera: { ...PAN, t0: 0.375 } }), live());
  interpolated = join(seg, 'interpolated.mkv');
  await runStage(interpolationTask(interpolated), live());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frame_processing', () => {
  it('renders an image keyframe at the task size, rate and frame count, reporting progress to 100', async () => {
    const out = join(folder('image'), 'still.mkv');
    const seen: number[] = [];
    const result = await runStage(frameTask(out, { keyframe: { image: halves } }), { ...live(), onProgress: (p) => seen.push(p.percent) });
    expect(result.output).toBe(out);
    expect(await probe(out)).toMatchObject({ codec: 'h264', width: W, height: H, fps: 6, frames: 6 });
    expect(seen.at(-1)).toBe(100);
    // A static camera over a still image: every frame is the same picture.
    expect(new Set(frameMd5s(out)).size).toBe(1);
    expect(leftovers(folder('image'))).toEqual([]);
  });

  it('pans from the left of the picture to the right', async () => {
    const out = join(folder('pan'), 'pan.mkv');
    await runStage(frameTask(out, { keyframe: { image: halves }, camera: PAN }), live());
    const means = frameMeans(out);
    expect(means).toHaveLength(6);
    // Left half black, right half white: panning right brightens every frame.
    for (let i = 1; i < means.length; i++) expect(means[i]!).toBeGreaterThan(means[i - 1]!);
    expect(means[0]!).toBeLessThan(110);
    expect(means.at(-1)!).toBeGreaterThan(145);
  });

  it('eases the move: ease_in starts slow and ends fast', async () => {
    const out = join(folder('ease'), 'ease-in.mkv');
    await runStage(frameTask(out, { keyframe: { image: halves }, camera: { ...PAN, easing: 'ease_in' } }), live());
    const means = frameMeans(out);
    // Brightness follows the window's position, so its steps are the camera's steps: p² grows them.
    const first = means[1]! - means[0]!;
    const last = means[5]! - means[4]!;
    expect(first).toBeGreaterThanOrEqual(0);
    expect(last).toBeGreaterThan(first * 3);
  });

  it('renders every generator', async () => {
    const out = folder('generators');
    await Promise.all(
      GENERATORS.map(async (generator) => {
        const path = join(out, `${generator}.mkv`);
        await runStage(frameTask(path, { keyframe: { generator, seed: 3, ...(generator === 'color' || generator === 'life' ? { color: '#cc6633' } : {}) } }), live());
        expect(await probe(path)).toMatchObject({ width: W, height: H, fps: 6, frames: 6 });
      }),
    );
    expect(leftovers(out)).toEqual([]);
  });

  it('makes camera moves visible on a flat colour and supersamples at final quality', async () => {
    const out = join(folder('final'), 'color.mkv');
    await runStage(frameTask(out, { keyframe: { generator: 'color', seed: 5, color: '#3366ff' }, camera: { ...PAN, easing: 'ease_in_out' }, quality: 'final' }), live());
    const md5s = frameMd5s(out);
    expect(md5s).toHaveLength(6);
    expect(md5s[0]).not.toBe(md5s.at(-1));
  });

  it('rejects invalid tasks without running ffmpeg', async () => {
    const out = join(folder('invalid'), 'x.mkv');
    const pids: number[] = [];
    const ctx = { ...live(), onSpawn: (p: number) => pids.push(p) };
    const schema = await failure({ ...frameTask(out), width: -2 }, ctx);
    expect(schema.code).toBe('invalid_task');
    expect(schema.stage).toBe('frame_processing');
    const colour = await failure(frameTask(out, { keyframe: { generator: 'color', seed: 1, color: "red'" } }), ctx);
    expect(colour.code).toBe('invalid_task');
    const missing = await failure(frameTask(out, { keyframe: { image: join(dir, 'nope.png') } }), ctx);
    expect(missing.code).toBe('invalid_task');
    expect(pids).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('interpolation', () => {
  const cases = [
    ['optical_flow', 'crossfade'],
    ['blend', 'cut'],
    ['crossfade', 'wipeleft'],
    ['duplicate', 'slideleft'],
    ['blend', 'dissolve'],
  ] as const;
  for (const [method, transition] of cases) {
    it(`retimes with ${method} across a ${transition} to exactly the shot's frames`, async () => {
      const out = join(folder(`interp-${method}-${transition}`), 'shot.mkv');
      const overlap = transition === 'cut' ? 0 : 0.25;
      await runStage(interpolationTask(out, { method, transition, overlap, segmentDuration: transition === 'cut' ? 0.5 : 0.625 }), live());
      expect(await probe(out)).toEqual({ codec: 'h264', width: W, height: H, fps: 12, frames: 12, duration: 1 });
    });
  }

  it('retimes a single-keyframe shot, where there is nothing to join', async () => {
    const out = join(folder('interp-single'), 'shot.mkv');
    await runStage(interpolationTask(out, { inputs: [segments[0]!], method: 'optical_flow', overlap: 0, segmentDuration: 1, frames: 12 }), live());
    expect(await probe(out)).toMatchObject({ fps: 12, frames: 12 });
  });
});

describe('export', () => {
  for (const format of ['mp4', 'webm', 'mov', 'png_sequence'] as const) {
    it(`encodes ${format}, verifies it, measures it and renames it into place`, async () => {
      const out = folder(`export-${format}`);
      const target = join(out, format === 'png_sequence' ? 'shot' : `shot.${format}`);
      // An earlier export is replaced, including a stale frame the new one would not overwrite.
      if (format === 'png_sequence') {
        mkdirSync(target);
        writeFileSync(join(target, 'frame_00099.png'), 'stale');
      }
      const ctx = live();
      const result = await runStage(exportTask(target, format), ctx);
      expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0);
      expect(result.output).toBe(target);
      expect(result.verification).toMatchObject({ width: W, height: H, fps: 12, frames: 12, duration: 1 });
      expect(result.quality?.compared).toContain(`${format} export`);
      expect(result.quality?.ssim).toBeGreaterThan(0.8);
      expect(result.quality?.ssim).toBeLessThanOrEqual(1);
      expect(existsSync(target)).toBe(true);
      if (format === 'png_sequence') expect(readdirSync(target).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `frame_${String(i + 1).padStart(5, '0')}.png`));
      expect(leftovers(out)).toEqual([]);
    });
  }

  it('fails verification when the result does not match the shot, and keeps nothing', async () => {
    const out = folder('export-mismatch');
    const err = await failure(exportTask(join(out, 'shot.mp4'), 'mp4', { frames: 14 }));
    expect(err.code).toBe('verification_failed');
    expect(err.message).toMatch(/frame count is 12, expected 14/);
    const size = await failure(exportTask(join(out, 'shot.mp4'), 'mp4', { width: 64 }));
    expect(size.code).toBe('verification_failed');
    expect(size.message).toMatch(/size is 96x54, expected 64x54/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('chaos drills', () => {
  it('fail: ffmpeg itself fails, and the message names the drill', async () => {
    const out = join(folder('chaos-fail'), 'x.mkv');
    const err = await failure(frameTask(out, { chaos: { mode: 'fail' } }));
    expect(err.code).toBe('ffmpeg_failed');
    expect(err.message).toMatch(/Unrecognized option 'storycore_chaos_fail'/);
    expect(err.message).toMatch(/chaos drill: fail/);
    expect(readdirSync(folder('chaos-fail'))).toEqual([]);
  });

  it('hang: ffmpeg never ends on its own but dies on abort', async () => {
    const out = folder('chaos-hang');
    const controller = new AbortController();
    let pid = 0;
    const err = await failure(exportTask(join(out, 'shot'), 'png_sequence', { chaos: { mode: 'hang' } }), {
      signal: controller.signal,
      onSpawn: (p) => {
        pid = p;
        setTimeout(() => controller.abort(), 150);
      },
    });
    expect(err.code).toBe('canceled');
    expect(err.message).toMatch(/chaos drill: hang/);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(readdirSync(out)).toEqual([]);
  });

  it('slow: the real work, at no faster than real time, for generators and still images', async () => {
    // Both at once: a real-time run mostly waits, so they hardly compete for the CPU.
    const keyframes = [{ generator: 'testsrc2' as const, seed: 1 }, { image: halves }];
    await Promise.all(
      keyframes.map(async (keyframe) => {
        const out = join(folder('chaos-slow'), 'generator' in keyframe ? 'generated.mkv' : 'image.mkv');
        const result = await runStage(frameTask(out, { keyframe, chaos: { mode: 'slow' } }), live());
        // 6 frames at 6 fps in real time: the last is due 5/6 s in, so this cannot be quicker.
        expect(result.elapsedMs).toBeGreaterThanOrEqual(700);
        expect(await probe(out)).toMatchObject({ frames: 6, fps: 6 });
      }),
    );
  });

  it('does not start a stage whose signal is already aborted', async () => {
    const err = await failure(frameTask(join(folder('aborted'), 'x.mkv')), { signal: AbortSignal.abort() });
    expect(err.code).toBe('canceled');
  });
});
