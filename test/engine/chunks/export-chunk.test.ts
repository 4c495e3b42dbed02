import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_CONTAINER, concatJoinArgs, concatList, exportChunkArgs } from '../../../src-main/engine/chunks/export-chunk.ts';
import { planChunks, type Chunk } from '../../../src-main/engine/chunks/planner.ts';
import { probe } from '../../../src-main/engine/ffprobe.ts';
import type { ExportFormat } from '../../../src-main/engine/model.ts';
import { exportEncodeSpec, verificationProblems } from '../../../src-main/engine/stages/export.ts';
import { frameSpec } from '../../../src-main/engine/stages/frame.ts';
import { interpolationSpec } from '../../../src-main/engine/stages/interpolate.ts';
import type { ExportTask } from '../../../src-main/engine/tasks.ts';
import { encoderArgsOf, ffmpeg, frameMd5s, median, runSpec, ssimPerFrame, writeList } from './ffmpeg-support.ts';

// A small real intermediate: a 320x180 mandelbrot zoom, 3 s at 24 fps (72 frames), lossless, made
// by the engine's own frame and interpolation commands.
const W = 320;
const H = 180;
const FPS = 24;
const FRAMES = 72;
const SLOW = 180_000;

let dir: string;
let intermediate: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-chunks-export-'));
  const segment = join(dir, 'segment.mkv');
  await runSpec(
    frameSpec({
      stage: 'frame_processing', shotId: 'chunks', segment: 0, keyframe: { generator: 'mandelbrot', seed: 0 }, width: W, height: H, fps: 12, frames: 36, quality: 'draft', output: segment,
      camera: { from: { x: 0, y: 0, zoom: 1 }, to: { x: 0.4, y: 0.2, zoom: 2 }, easing: 'linear', t0: 0, t1: 1 },
    }),
  );
  intermediate = join(dir, 'interpolated.mkv');
  await runSpec(
    interpolationSpec({
      stage: 'interpolation', shotId: 'chunks', inputs: [segment], segmentDuration: 3, sourceFps: 12, fps: FPS, frames: FRAMES, method: 'blend',
      transition: 'cut', overlap: 0, width: W, height: H, quality: 'draft', output: intermediate,
    }),
  );
}, SLOW);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exportTask(format: ExportFormat, output: string): ExportTask {
  return { stage: 'export', shotId: 'chunks', input: intermediate, format, width: W, height: H, fps: FPS, frames: FRAMES, quality: 'standard', output };
}

/** The planner's chunks for this export, under a timeout small enough to cut it in four or more. */
function exportChunks(format: ExportFormat): Chunk[] {
  const plan = planChunks(
    { stage: 'export', method: format, quality: 'standard', frames: FRAMES, width: W, height: H, fps: FPS, perFrameFiles: format === 'png_sequence' },
    { circuit: 'video_export', timeoutMs: 4_000, maxConcurrent: 2, workers: 2, secondsPerMpf: 1, startS: 0.1, minDeadlineMs: 1 },
  );
  if (!plan.ok) throw new Error(plan.refusal.message);
  expect(plan.chunks.length).toBeGreaterThanOrEqual(4);
  return plan.chunks;
}

/** Encodes every chunk (two at a time, as two workers would) and joins them; returns the joined file. */
async function chunkedExport(format: Exclude<ExportFormat, 'png_sequence'>, chunks: Chunk[], encoderArgs: readonly string[], tag: string): Promise<string> {
  const ext = CHUNK_CONTAINER[format];
  const files = chunks.map((chunk) => join(dir, `${tag}-${chunk.index}.${ext}`));
  for (let i = 0; i < chunks.length; i += 2) {
    await Promise.all(
      chunks.slice(i, i + 2).map((chunk) => ffmpeg(['-loglevel', 'error', ...exportChunkArgs({ input: intermediate, fps: FPS, format, start: chunk.start, end: chunk.end, encoderArgs, output: files[chunk.index]! })])),
    );
  }
  const list = await writeList(dir, `${tag}.txt`, concatList(files));
  const output = join(dir, `${tag}.${ext}`);
  await ffmpeg(['-loglevel', 'error', ...concatJoinArgs({ list, container: ext, output })]);
  return output;
}

describe('export chunks joined without re-encoding (real ffmpeg)', () => {
  it('cuts the intermediate frame-exactly: lossless chunks join to the very same frames', async () => {
    const chunks = exportChunks('mp4');
    const lossless = ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p'];
    const joined = await chunkedExport('mp4', chunks, lossless, 'lossless');
    expect(await frameMd5s(joined)).toEqual(await frameMd5s(intermediate));
  }, SLOW);

  for (const format of ['mp4', 'webm'] as const) {
    it(`${format}: one file that passes the export's own verification, with no seam at chunk edges`, async () => {
      const task = exportTask(format, join(dir, `whole.${format}`));
      const chunks = exportChunks(format);
      const joined = await chunkedExport(format, chunks, encoderArgsOf(task), format);
      const probed = await probe(joined);
      expect(verificationProblems(task, probed)).toEqual([]);
      expect(probed.frames).toBe(FRAMES);
      expect(probed.fps).toBeCloseTo(FPS, 2);

      const ssim = await ssimPerFrame(dir, joined, intermediate);
      expect(ssim).toHaveLength(FRAMES);
      const mid = median(ssim);
      const edges = chunks.slice(1).flatMap((chunk) => [chunk.start - 1, chunk.start]);
      for (const frame of edges) expect(mid - ssim[frame]!, `${format} frame ${frame} at a chunk edge: ${ssim[frame]} vs median ${mid}`).toBeLessThanOrEqual(0.01);
    }, SLOW);
  }

  it('mov (ProRes, intra-only): the joined file passes verification', async () => {
    const task = exportTask('mov', join(dir, 'whole.mov'));
    const joined = await chunkedExport('mov', exportChunks('mov'), encoderArgsOf(task), 'mov');
    expect(verificationProblems(task, await probe(joined))).toEqual([]);
  }, SLOW);

  it('png sequences: chunks write one numbered sequence, with no join, that passes verification', async () => {
    const folder = join(dir, 'frames');
    mkdirSync(folder);
    const task = exportTask('png_sequence', folder);
    const encoderArgs = encoderArgsOf(task);
    for (const chunk of exportChunks('png_sequence')) {
      await ffmpeg(['-loglevel', 'error', ...exportChunkArgs({ input: intermediate, fps: FPS, format: 'png_sequence', start: chunk.start, end: chunk.end, encoderArgs, output: join(folder, 'frame_%05d.png') })]);
    }
    const names = readdirSync(folder).sort();
    expect(names).toHaveLength(FRAMES);
    expect(names[0]).toBe('frame_00001.png');
    expect(names.at(-1)).toBe(`frame_${String(FRAMES).padStart(5, '0')}.png`);
    const pattern = ['-framerate', String(FPS), '-start_number', '1'];
    expect(verificationProblems(task, await probe(join(folder, 'frame_%05d.png'), { inputOptions: pattern }))).toEqual([]);
    // Each frame is its own picture: the chunked sequence is the unchunked export's, bit for bit.
    const whole = join(dir, 'frames-whole');
    mkdirSync(whole);
    await runSpec(exportEncodeSpec({ ...task, output: whole }));
    expect(await frameMd5s(join(folder, 'frame_%05d.png'), pattern)).toEqual(await frameMd5s(join(whole, 'frame_%05d.png'), pattern));
  }, SLOW);

  it('shows the seam an unaligned chunk length leaves, so the alignment is needed', async () => {
    // 17 frames at 24 fps last 708.33 ms: the concat demuxer then places each chunk a little late.
    const chunks = [0, 17, 34, 51].map((start, index) => ({ index, start, end: Math.min(FRAMES, start + 17 + (start === 51 ? 4 : 0)) })) as Chunk[];
    const joined = await chunkedExport('mp4', chunks, ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p'], 'unaligned');
    const probed = await probe(joined);
    expect(probed.frames).toBe(FRAMES);
    expect(Math.abs(probed.fps - FPS)).toBeGreaterThan(0.01);
  }, SLOW);
});

describe('export chunk arguments', () => {
  const base = { input: '/w/in.mkv', fps: 24, format: 'mp4' as const, start: 24, end: 48, encoderArgs: ['-c:v', 'libx264'], output: '/w/c.mp4' };

  it('seeks half a frame before the chunk, counts its frames, and stamps it from 0 at the shot rate', () => {
    const args = exportChunkArgs(base);
    expect(args.slice(args.indexOf('-ss'), args.indexOf('-ss') + 4)).toEqual(['-ss', (23.5 / 24).toFixed(6), '-i', '/w/in.mkv']);
    expect(args[args.indexOf('-frames:v') + 1]).toBe('24');
    expect(args[args.indexOf('-vf') + 1]).toBe('settb=1/24,setpts=N');
    expect(args.at(-1)).toBe('/w/c.mp4');
    expect(exportChunkArgs({ ...base, start: 0 })).not.toContain('-ss');
  });

  it('numbers png chunks from their first frame, after the encoder arguments', () => {
    const args = exportChunkArgs({ ...base, format: 'png_sequence', encoderArgs: ['-c:v', 'png', '-f', 'image2', '-start_number', '1'], output: '/w/f/frame_%05d.png' });
    expect(args.lastIndexOf('-start_number')).toBeGreaterThan(args.indexOf('image2'));
    expect(args[args.lastIndexOf('-start_number') + 1]).toBe('25');
  });

  it('writes a concat list of absolute paths, quoting quotes, and joins with stream copy', () => {
    expect(concatList(['/w/a.mp4', "/w/it's.mp4"])).toBe("ffconcat version 1.0\nfile '/w/a.mp4'\nfile '/w/it'\\''s.mp4'\n");
    expect(() => concatList(['a.mp4'])).toThrow(/absolute/);
    expect(() => concatList(['/w/a.mp4\nfile /etc/passwd'])).toThrow(/line breaks/);
    expect(() => concatList([])).toThrow(/at least one/);
    const join = concatJoinArgs({ list: '/w/l.txt', container: 'mp4', output: '/w/out.mp4' });
    expect(join).toEqual(expect.arrayContaining(['-f', 'concat', '-safe', '0', '-c', 'copy', '-movflags', '+faststart']));
    expect(concatJoinArgs({ list: '/w/l.txt', container: 'webm', output: '/w/out.webm' })).not.toContain('-movflags');
  });

  it('refuses frame ranges that are not whole and positive', () => {
    expect(() => exportChunkArgs({ ...base, end: 24 })).toThrow(/chunk length/);
    expect(() => exportChunkArgs({ ...base, start: -3 })).toThrow(/start/);
    expect(() => exportChunkArgs({ ...base, fps: 23.976 })).toThrow(/fps/);
  });
});
