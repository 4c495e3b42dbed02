// A long segment cut into frame ranges: the chunks, joined, are the unchunked segment frame for frame.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatJoinArgs, concatList } from '../../src-main/engine/chunks/export-chunk.ts';
import { ThroughputLearner } from '../../src-main/engine/chunks/throughput-learner.ts';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import type { EngineEvent } from '../../src-main/engine/events.ts';
import { parseProject } from '../../src-main/engine/model.ts';
import { RenderEngine } from '../../src-main/engine/pipeline.ts';
import { buildShotTimeline } from '../../src-main/engine/shot-timeline.ts';
import { WorkerPool } from '../../src-main/engine/worker-pool.ts';
import { frameSpec } from '../../src-main/engine/stages/frame.ts';
import type { FrameTask } from '../../src-main/engine/tasks.ts';
import { ffmpeg, frameMd5s, runSpec, writeList } from './chunks/ffmpeg-support.ts';

const SLOW = 120_000;
let dir: string;
let image: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-chunked-frames-'));
  image = join(dir, 'key.png');
  await ffmpeg(['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=400x300', '-frames:v', '1', image]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function task(keyframe: FrameTask['keyframe'], output: string, range?: FrameTask['range'], frames = 24): FrameTask {
  return {
    stage: 'frame_processing', shotId: 'frames', segment: 0, keyframe, width: 160, height: 90, fps: 12, frames, quality: 'draft', output,
    camera: { from: { x: -0.6, y: 0.2, zoom: 1.2 }, to: { x: 0.5, y: -0.3, zoom: 1.9 }, easing: 'ease_in_out', t0: 0.1, t1: 0.9 },
    ...(range ? { range } : {}),
  };
}

describe('frame processing in chunks (real ffmpeg, frame md5s)', () => {
  const keyframes: Record<string, FrameTask['keyframe']> = {
    mandelbrot: { generator: 'mandelbrot', seed: 1 },
    testsrc2: { generator: 'testsrc2', seed: 0 },
    life: { generator: 'life', seed: 7 },
    image: { image: '' },
  };
  for (const [name, keyframe] of Object.entries(keyframes)) {
    it(`${name}: chunks [0, 9) and [9, 24) joined are the whole segment's frames`, async () => {
      const kf = 'image' in keyframe ? { image } : keyframe;
      const whole = join(dir, `${name}-whole.mkv`);
      const parts = [join(dir, `${name}-0.mkv`), join(dir, `${name}-1.mkv`)];
      await Promise.all([
        runSpec(frameSpec(task(kf, whole))),
        runSpec(frameSpec(task(kf, parts[0]!, { offset: 0, segmentFrames: 24 }, 9))),
        runSpec(frameSpec(task(kf, parts[1]!, { offset: 9, segmentFrames: 24 }, 15))),
      ]);
      const list = await writeList(dir, `${name}.txt`, concatList(parts));
      const joined = join(dir, `${name}-joined.mkv`);
      await ffmpeg(['-loglevel', 'error', ...concatJoinArgs({ list, container: 'mkv', output: joined })]);
      const [a, b] = await Promise.all([frameMd5s(joined), frameMd5s(whole)]);
      expect(a).toHaveLength(24);
      expect(a).toEqual(b);
    }, SLOW);
  }
});

describe('a long segment through the engine', () => {
  it('is rendered in frame-range chunks, in parallel, joined into the very segment the whole task makes', async () => {
    const shot = parseProject({
      version: 1,
      name: 'long-segment',
      shots: [{ id: 'long', duration: 2, fps: 12, resolution: { width: 160, height: 90 }, keyframes: [{ generator: 'testsrc2' }], camera: { movement: 'ken_burns' }, interpolation: { method: 'duplicate', sourceFps: 12 } }],
    }).shots[0]!;
    const circuits = createEngineCircuits();
    circuits.configure('video_frame_processing', { timeoutMs: 8000 });
    const throughput = new ThroughputLearner();
    // Slow enough that a 24-frame segment does not fit a quarter of 8 s in one piece.
    throughput.pin({ stage: 'frame_processing', method: 'zoompan', quality: 'draft' }, 5);
    const pool = new WorkerPool({ size: 2 });
    try {
      const engine = new RenderEngine({ circuits, workers: pool, throughput, parallelism: 2 });
      const workDir = join(dir, 'long-work');
      const percents: number[] = [];
      const onEvent = (e: EngineEvent) => void (e.type === 'progress' && percents.push(e.shotPercent));
      const result = await engine.renderShot(shot, { quality: 'draft', outDir: join(dir, 'long-out'), workDir, resolveAsset: (p) => p, onEvent });
      // Each chunk is its own part of the stage's progress: the shot's percent never goes back, and ends at 100.
      expect(percents.every((p, i) => i === 0 || p >= percents[i - 1]!), percents.join(' ')).toBe(true);
      expect(percents.at(-1)).toBe(100);
      const trace = JSON.parse(await readFile(result.sidecar, 'utf8')).trace as { attempts: { stage: string; detail?: string }[] };
      const chunks = trace.attempts.filter((a) => a.stage === 'frame_processing' && /chunk \d/.test(a.detail ?? ''));
      expect(chunks.length).toBeGreaterThanOrEqual(2);
      const segment = buildShotTimeline(shot).segments[0]!;
      const whole = join(dir, 'long-whole.mkv');
      await runSpec(frameSpec({ ...task({ generator: 'testsrc2', seed: 0 }, whole, undefined, segment.frames), width: 160, height: 90, camera: { ...buildShotTimeline(shot).camera, t0: segment.t0, t1: segment.t1 } }));
      const [a, b] = await Promise.all([frameMd5s(join(workDir, 'segment-0.mkv')), frameMd5s(whole)]);
      expect(a).toHaveLength(segment.frames);
      expect(a).toEqual(b);
    } finally {
      await pool.close();
    }
  }, SLOW);

  it('renders a still generator once, as a picture every chunk zooms over: frame 0 is the generator\'s own', async () => {
    const shot = parseProject({
      version: 1,
      name: 'still-segment',
      shots: [{ id: 'still', duration: 2, fps: 12, resolution: { width: 160, height: 90 }, keyframes: [{ generator: 'mandelbrot' }], camera: { movement: 'zoom' }, interpolation: { method: 'duplicate', sourceFps: 12 } }],
    }).shots[0]!;
    const circuits = createEngineCircuits();
    circuits.configure('video_frame_processing', { timeoutMs: 8000 });
    const throughput = new ThroughputLearner();
    throughput.pin({ stage: 'frame_processing', method: 'still', quality: 'draft' }, 40);
    const pool = new WorkerPool({ size: 2 });
    try {
      const engine = new RenderEngine({ circuits, workers: pool, throughput, parallelism: 2 });
      const workDir = join(dir, 'still-work');
      const result = await engine.renderShot(shot, { quality: 'draft', outDir: join(dir, 'still-out'), workDir, resolveAsset: (p) => p });
      const trace = JSON.parse(await readFile(result.sidecar, 'utf8')).trace as { attempts: { stage: string; detail?: string }[] };
      const details = trace.attempts.filter((a) => a.stage === 'frame_processing').map((a) => a.detail ?? '');
      expect(details.filter((d) => d.endsWith('still'))).toEqual(['segment 0 still']);
      expect(details.filter((d) => /chunk \d/.test(d)).length).toBeGreaterThanOrEqual(2);
      const timeline = buildShotTimeline(shot);
      const segment = timeline.segments[0]!;
      const camera = { ...timeline.camera, t0: segment.t0, t1: segment.t1 };
      // The generator's own first frame, through the same chain: the picture is that frame.
      const generated = join(dir, 'still-generated.mkv');
      await runSpec(frameSpec({ ...task(shot.keyframes[0] as FrameTask['keyframe'], generated, undefined, 1), width: 160, height: 90, camera, range: { offset: 0, segmentFrames: segment.frames } }));
      const [chunked, first] = await Promise.all([frameMd5s(join(workDir, 'segment-0.mkv')), frameMd5s(generated)]);
      expect(chunked).toHaveLength(segment.frames);
      expect(chunked[0]).toBe(first[0]);
      // And every chunk zoomed over one picture: the whole segment from the still is the same frames.
      const whole = join(dir, 'still-whole.mkv');
      await runSpec(frameSpec({ ...task({ image: join(workDir, 'segment-0-still.png') }, whole, undefined, segment.frames), width: 160, height: 90, camera }));
      expect(chunked).toEqual(await frameMd5s(whole));
    } finally {
      await pool.close();
    }
  }, SLOW);
});
