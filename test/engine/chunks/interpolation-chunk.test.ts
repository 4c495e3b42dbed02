import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceFramesNeeded, sourceSpan } from '../../../src-main/engine/chunks/chunk-geometry.ts';
import { concatJoinArgs, concatList } from '../../../src-main/engine/chunks/export-chunk.ts';
import { interpolationChunkArgs, retimeFilter } from '../../../src-main/engine/chunks/interpolation-chunk.ts';
import { joinGraph, joinSourceArgs, retimeTimeBase } from '../../../src-main/engine/chunks/join-source.ts';
import { planChunks } from '../../../src-main/engine/chunks/planner.ts';
import { probe } from '../../../src-main/engine/ffprobe.ts';
import type { InterpolationMethod } from '../../../src-main/engine/model.ts';
import { frameSpec } from '../../../src-main/engine/stages/frame.ts';
import { interpolationGraph, interpolationSpec } from '../../../src-main/engine/stages/interpolate.ts';
import type { InterpolationTask } from '../../../src-main/engine/tasks.ts';
import { ffmpeg, runSpec, ssimPerFrame, writeList } from './ffmpeg-support.ts';

// Small real shots: 320x180, two keyframes (a mandelbrot and testsrc2) at 12 fps, each with a camera move.
const W = 320;
const H = 180;
const SOURCE_FPS = 12;
const SLOW = 180_000; // real minterpolate on a loaded 2-core machine

let dir: string;
let segments: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-chunks-interp-'));
  const keyframes = [{ generator: 'mandelbrot', seed: 0 }, { generator: 'testsrc2', seed: 0 }] as const;
  // 3.5 s of shot in two segments of 1.75 s (21 frames) that overlap by 0.5 s for the transition.
  segments = await Promise.all(
    keyframes.map(async (keyframe, segment) => {
      const output = join(dir, `segment-${segment}.mkv`);
      await runSpec(
        frameSpec({
          stage: 'frame_processing', shotId: 'chunks', segment, keyframe, width: W, height: H, fps: SOURCE_FPS, frames: 21, quality: 'draft', output,
          camera: { from: { x: -0.5, y: 0, zoom: 1.2 }, to: { x: 0.5, y: 0.3, zoom: 1.8 }, easing: 'linear', t0: segment * 0.4, t1: 0.6 + segment * 0.4 },
        }),
      );
      return output;
    }),
  );
}, SLOW);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function shotTask(method: InterpolationMethod, fps: number, transition: InterpolationTask['transition']): InterpolationTask {
  const overlap = transition === 'cut' ? 0 : 0.5;
  const duration = 2 * 1.75 - overlap;
  return {
    stage: 'interpolation', shotId: 'chunks', inputs: segments, segmentDuration: 1.75, sourceFps: SOURCE_FPS, fps, frames: Math.round(duration * fps),
    method, transition, overlap, width: W, height: H, quality: 'standard', output: join(dir, `whole-${method}-${fps}-${transition}.mkv`),
  };
}

/**
 * The chunked path: the segments joined by the stage's own graph (join-source.ts), then the
 * planner's chunks, each run alone, joined with the concat demuxer.
 */
async function chunked(task: InterpolationTask, tag: string): Promise<{ output: string; edges: number[] }> {
  const sourceFrames = sourceFramesNeeded(task.frames, task.sourceFps, task.fps);
  const source = join(dir, `joined-${tag}.mkv`);
  await ffmpeg(['-loglevel', 'error', ...joinSourceArgs(task, source)]);
  const grid = { sourceFps: task.sourceFps, fps: task.fps, sourceFrames };
  // A tight budget, so that the shot is cut in several chunks and one edge falls inside the transition.
  const plan = planChunks(
    { stage: 'interpolation', method: task.method, quality: task.quality, frames: task.frames, width: W, height: H, fps: task.fps, retime: { ...grid, method: task.method } },
    { circuit: 'video_interpolation', timeoutMs: 8_000, maxConcurrent: 2, workers: 2, secondsPerMpf: 1, startS: 0.1, minDeadlineMs: 1, maxContextShare: 1 },
  );
  if (!plan.ok) throw new Error(plan.refusal.message);
  const files = await Promise.all(
    plan.chunks.map(async (chunk) => {
      const output = join(dir, `chunk-${tag}-${chunk.index}.mkv`);
      await ffmpeg(['-loglevel', 'error', ...interpolationChunkArgs({ source, grid, method: task.method, quality: task.quality, start: chunk.start, end: chunk.end, span: chunk.source!, retimeTimeBase: retimeTimeBase(task), output })]);
      return output;
    }),
  );
  const list = await writeList(dir, `list-${tag}.txt`, concatList(files));
  const output = join(dir, `chunked-${tag}.mkv`);
  await ffmpeg(['-loglevel', 'error', ...concatJoinArgs({ list, container: 'mkv', output })]);
  return { output, edges: plan.chunks.slice(1).map((c) => c.start) };
}

async function expectSameFrames(task: InterpolationTask, tag: string): Promise<{ ssim: number[]; edges: number[] }> {
  const [{ output, edges }] = await Promise.all([chunked(task, tag), runSpec(interpolationSpec(task))]);
  const probed = await probe(output);
  expect(probed.frames).toBe(task.frames);
  expect(probed.fps).toBeCloseTo(task.fps, 2);
  expect(Math.abs(probed.duration - task.frames / task.fps)).toBeLessThanOrEqual(1 / task.fps);
  const ssim = await ssimPerFrame(dir, output, task.output);
  expect(ssim).toHaveLength(task.frames);
  const worst = Math.min(...ssim);
  expect(worst, `${tag}: worst frame ${ssim.indexOf(worst)} of ${ssim.length}`).toBeGreaterThanOrEqual(0.99);
  expect(edges.length).toBeGreaterThanOrEqual(2);
  return { ssim, edges };
}

describe('interpolation chunks against the unchunked stage (real ffmpeg, SSIM per frame)', () => {
  it('optical flow: every frame ≥ 0.99, with a chunk edge inside the crossfade', async () => {
    const task = shotTask('optical_flow', 24, 'crossfade');
    const { edges } = await expectSameFrames(task, 'optical-flow');
    // The crossfade spans shot time 1.25–1.75 s: output frames 30–42.
    expect(edges.some((edge) => edge > 30 && edge < 42), `edges ${edges.join(', ')}`).toBe(true);
  }, SLOW);

  it('optical flow at 30 fps from 12 (chunks start on every other source frame), across a cut', async () => {
    await expectSameFrames(shotTask('optical_flow', 30, 'cut'), 'optical-flow-30');
  }, SLOW);

  for (const method of ['blend', 'crossfade', 'duplicate'] as const) {
    it(`${method}: every frame ≥ 0.99 across a dissolve`, async () => {
      await expectSameFrames(shotTask(method, 24, 'dissolve'), method);
    }, SLOW);
  }

  it('differs without context, so the comparison can tell', async () => {
    const task = shotTask('blend', 24, 'cut');
    const grid = { sourceFps: SOURCE_FPS, fps: 24, sourceFrames: sourceFramesNeeded(task.frames, SOURCE_FPS, 24) };
    const source = join(dir, 'joined-context.mkv');
    await Promise.all([ffmpeg(['-loglevel', 'error', ...joinSourceArgs(task, source)]), runSpec(interpolationSpec(task))]);
    // The reference's first 36 frames on their own, losslessly, to pair with a chunk [0, 36).
    const head = join(dir, 'reference-head.mkv');
    await ffmpeg(['-loglevel', 'error', '-y', '-i', task.output, '-frames:v', '36', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', head]);
    const worstWith = async (context: number) => {
      const output = join(dir, `head-context-${context}.mkv`);
      const span = sourceSpan(0, 36, grid, context);
      await ffmpeg(['-loglevel', 'error', ...interpolationChunkArgs({ source, grid, method: 'blend', quality: 'standard', start: 0, end: 36, span, retimeTimeBase: retimeTimeBase(task), output })]);
      return Math.min(...(await ssimPerFrame(dir, output, head)));
    };
    // Without a frame after the pair it ends on, minterpolate stops early and the chunk's last frame is a clone.
    expect(await worstWith(0)).toBeLessThan(0.99);
    expect(await worstWith(1)).toBeGreaterThanOrEqual(0.99);
  }, SLOW);
});

describe('interpolation chunk arguments', () => {
  const grid = { sourceFps: 12, fps: 24, sourceFrames: 37 };

  it('uses the stage retime filter for every method', () => {
    const task = { ...shotTaskStub(), inputs: ['/in/a.mkv'] };
    for (const method of ['optical_flow', 'blend', 'crossfade', 'duplicate'] as const) {
      expect(interpolationGraph({ ...task, method })).toContain(`[s0]${retimeFilter(method, 'standard', 24)},`);
    }
  });

  it('seeks half a source frame before the span, and only when the span does not start at 0', () => {
    const span = sourceSpan(24, 48, grid, 2);
    const args = interpolationChunkArgs({ source: '/w/src.mkv', grid, method: 'optical_flow', quality: 'standard', start: 24, end: 48, span, output: '/w/out.mkv' });
    expect(args.slice(args.indexOf('-ss'), args.indexOf('-ss') + 4)).toEqual(['-ss', ((span.start - 0.5) / 12).toFixed(6), '-i', '/w/src.mkv']);
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain(`[0:v]settb=1/12,trim=start_pts=${span.start}:end_pts=${span.end},`);
    expect(graph).toContain('settb=1/24,trim=start_pts=24:end_pts=48,');
    expect(args.slice(0, 4)).toEqual(['-nostdin', '-hide_banner', '-y', '-copyts']);
    expect(args[args.indexOf('-frames:v') + 1]).toBe('24');
    const first = interpolationChunkArgs({ source: '/w/src.mkv', grid, method: 'blend', quality: 'draft', start: 0, end: 24, span: sourceSpan(0, 24, grid, 1), output: '/w/out.mkv' });
    expect(first).not.toContain('-ss');
  });

  it('refuses relative paths, paths with line breaks, and ranges that do not fit the span', () => {
    const span = sourceSpan(24, 48, grid, 2);
    const base = { source: '/w/src.mkv', grid, method: 'blend' as const, quality: 'draft' as const, start: 24, end: 48, span, output: '/w/out.mkv' };
    expect(() => interpolationChunkArgs({ ...base, source: '-i.mkv' })).toThrow(/absolute/);
    expect(() => interpolationChunkArgs({ ...base, output: 'concat:/w/a|/w/b' })).toThrow(/absolute/);
    expect(() => interpolationChunkArgs({ ...base, output: '/w/a\nfile /etc/passwd' })).toThrow(/line breaks/);
    expect(() => interpolationChunkArgs({ ...base, start: span.firstOutput - 1 })).toThrow(/before the span/);
    expect(() => interpolationChunkArgs({ ...base, end: 24 })).toThrow(/chunk length/);
    expect(() => interpolationChunkArgs({ ...base, start: 24.5 })).toThrow(/whole number/);
  });
});

describe('the joined source', () => {
  it('is the stage graph without its retime, mapped from the joined stream', () => {
    const two = { ...shotTaskStub(), inputs: ['/in/a.mkv', '/in/b.mkv'], transition: 'dissolve' as const, overlap: 0.5, segmentDuration: 1.75 };
    const { graph, label } = joinGraph(two);
    expect(label).toBe('x1');
    expect(graph).toContain('xfade=transition=dissolve');
    expect(graph).not.toContain('minterpolate');
    const args = joinSourceArgs(two, '/w/joined.mkv');
    expect(args).toEqual(expect.arrayContaining(['-i', '/in/a.mkv', '-i', '/in/b.mkv', '-map', '[x1]', '-fps_mode', 'passthrough']));
    expect(args).not.toContain('-frames:v');
    expect(joinGraph(shotTaskStub()).label).toBe('s0');
  });

  it('hands the retime microseconds after a cut (the concat filter), the source rate otherwise', () => {
    const stub = shotTaskStub();
    expect(retimeTimeBase({ ...stub, inputs: ['/in/a.mkv', '/in/b.mkv'], transition: 'cut' })).toBe(1_000_000);
    expect(retimeTimeBase({ ...stub, inputs: ['/in/a.mkv', '/in/b.mkv'], transition: 'crossfade', overlap: 0.5 })).toBe(12);
    expect(retimeTimeBase(stub)).toBe(12);
  });
});

function shotTaskStub(): InterpolationTask {
  return {
    stage: 'interpolation', shotId: 's', inputs: ['/in/a.mkv'], segmentDuration: 3, sourceFps: 12, fps: 24, frames: 72, method: 'blend',
    transition: 'cut', overlap: 0, width: W, height: H, quality: 'standard', output: '/out/x.mkv',
  };
}
