// Chunked export through the engine, real ffmpeg on a small shot: chunk encodes joined without
// re-encoding, verified as a whole, with no visible seam at the chunk edges.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ThroughputLearner } from '../../src-main/engine/chunks/throughput-learner.ts';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import { probe } from '../../src-main/engine/ffprobe.ts';
import { parseProject } from '../../src-main/engine/model.ts';
import { RenderEngine } from '../../src-main/engine/pipeline.ts';
import type { PipelineTrace } from '../../src-main/engine/trace.ts';
import { WorkerPool } from '../../src-main/engine/worker-pool.ts';
import { median, ssimPerFrame } from './chunks/ffmpeg-support.ts';

const SLOW = 180_000;
let dir = '';
let pool: WorkerPool;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storycore-chunked-export-'));
  pool = new WorkerPool({ size: 2 });
});
afterEach(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

describe('chunked export in the engine (real ffmpeg)', () => {
  for (const format of ['mp4', 'webm'] as const) {
    it(`${format}: chunk encodes joined with -c copy, verified whole; edge frames within 0.01 of the median SSIM`, async () => {
      const shot = parseProject({
        version: 1,
        name: 'export',
        shots: [{ id: 'export', duration: 3, fps: 24, resolution: { width: 320, height: 180 }, keyframes: [{ generator: 'mandelbrot' }], camera: { movement: 'zoom' }, interpolation: { method: 'duplicate', sourceFps: 12 }, export: { format } }],
      }).shots[0]!;
      const circuits = createEngineCircuits();
      // A short timeout and a slow pinned figure cut this small export into several chunks.
      circuits.configure('video_export', { timeoutMs: 8000 });
      const throughput = new ThroughputLearner();
      throughput.pin({ stage: 'export', method: format, quality: 'standard' }, 1);
      const engine = new RenderEngine({ circuits, workers: pool, throughput, parallelism: 2 });
      const workDir = join(dir, 'work');
      const result = await engine.renderShot(shot, { quality: 'standard', outDir: dir, workDir, resolveAsset: (p) => p });
      expect(result.verification).toMatchObject({ codec: format === 'mp4' ? 'h264' : 'vp9', width: 320, height: 180, fps: 24, frames: 72 });
      expect((await probe(result.output)).frames).toBe(72);
      const trace = (JSON.parse(await readFile(result.sidecar, 'utf8')) as { trace: PipelineTrace }).trace;
      const exports = trace.attempts.filter((a) => a.stage === 'export');
      const chunks = exports.filter((a) => / chunk /.test(a.detail ?? ''));
      expect(chunks.length).toBeGreaterThanOrEqual(2);
      expect(exports.at(-1)!.detail).toBe(`${format} join`);
      const edges = chunks.slice(1).map((a) => Number(/frames (\d+)–/.exec(a.detail!)![1]));

      const ssim = await ssimPerFrame(dir, result.output, join(workDir, 'interpolated-duplicate.mkv'));
      expect(ssim).toHaveLength(72);
      const mid = median(ssim);
      for (const edge of edges) {
        for (const frame of [edge - 1, edge]) expect(ssim[frame]!, `frame ${frame} at the edge ${edge} (median ${mid})`).toBeGreaterThanOrEqual(mid - 0.01);
      }
    }, SLOW);
  }
});
