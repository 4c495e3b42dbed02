// Chunked interpolation through the engine, with real workers and ffmpeg on a small shot: the chunks,
// joined, match the unchunked stage frame by frame, and a failing chunk is retried alone.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ThroughputLearner } from '../../src-main/engine/chunks/throughput-learner.ts';
import { ChaosPlan } from '../../src-main/engine/chaos.ts';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import { probe } from '../../src-main/engine/ffprobe.ts';
import { type Shot, parseProject } from '../../src-main/engine/model.ts';
import { RenderEngine } from '../../src-main/engine/pipeline.ts';
import { interpolationSpec } from '../../src-main/engine/stages/interpolate.ts';
import type { ChaosMode, InterpolationTask, StageName } from '../../src-main/engine/tasks.ts';
import type { PipelineTrace } from '../../src-main/engine/trace.ts';
import { WorkerPool } from '../../src-main/engine/worker-pool.ts';
import { runSpec, ssimPerFrame } from './chunks/ffmpeg-support.ts';

const SLOW = 180_000; // real minterpolate on a loaded 2-core machine

/** 320x180 (the size docs/CHUNKS.md measured chunk edges at), 3 s at 24 fps from 12, two keyframes with a half-second crossfade between them. */
const shot: Shot = parseProject({
  version: 1,
  name: 'chunked',
  shots: [
    {
      id: 'chunked',
      duration: 3,
      fps: 24,
      resolution: { width: 320, height: 180 },
      keyframes: [{ generator: 'mandelbrot' }, { generator: 'testsrc2' }],
      camera: { movement: 'zoom' },
      interpolation: { method: 'optical_flow', sourceFps: 12, transition: 'crossfade', transitionDuration: 0.5 },
    },
  ],
}).shots[0]!;

/** Fails attempts of one task only, the first `times` of them (the real drills hit every task of a stage alike). */
class OneTaskFails extends ChaosPlan {
  private readonly key: string;
  private left: number;
  constructor(key: string, times = 1) {
    super();
    this.key = key;
    this.left = times;
  }
  override take(_stage: StageName, taskKey: string): ChaosMode | undefined {
    if (this.left <= 0 || !taskKey.endsWith(`/${this.key}`)) return undefined;
    this.left--;
    return 'fail';
  }
}

let dir = '';
let pool: WorkerPool;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storycore-chunked-'));
  pool = new WorkerPool({ size: 2 });
});
afterEach(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

async function render(chaos?: ChaosPlan, which: Shot = shot) {
  const circuits = createEngineCircuits();
  // A short timeout and a slow pinned figure cut this small shot into several chunks.
  circuits.configure('video_interpolation', { timeoutMs: 8000 });
  const throughput = new ThroughputLearner();
  throughput.pin({ stage: 'interpolation', method: 'optical_flow', quality: 'draft' }, 2);
  const engine = new RenderEngine({ circuits, workers: pool, throughput, ...(chaos ? { chaos } : {}), retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 }, parallelism: 2 });
  const workDir = join(dir, 'work');
  const result = await engine.renderShot(which, { quality: 'draft', outDir: dir, workDir, resolveAsset: (p) => join(dir, p) });
  const sidecar = JSON.parse(await readFile(result.sidecar, 'utf8')) as { trace: PipelineTrace; timeline: { segments: { start: number; duration: number }[]; overlap: number } };
  const chunks = sidecar.trace.attempts.filter((a) => a.stage === 'interpolation' && /chunk/.test(a.detail ?? ''));
  return { result, sidecar, chunks, workDir, circuits };
}

const startOf = (detail: string | undefined) => Number(/frames (\d+)–/.exec(detail ?? '')?.[1]);

describe('chunked interpolation in the engine (real ffmpeg)', () => {
  it('matches the unchunked stage frame for frame (SSIM ≥ 0.99), with a chunk edge inside the crossfade', async () => {
    const { result, sidecar, chunks, workDir } = await render();
    const starts = [...new Set(chunks.map((a) => startOf(a.detail)))].sort((a, b) => a - b);
    expect(starts.length, 'chunks').toBeGreaterThanOrEqual(3);
    expect(chunks.every((a) => a.outcome === 'ok')).toBe(true);
    expect(sidecar.trace.attempts.filter((a) => a.detail === 'join' || a.detail === 'concat').map((a) => a.detail)).toEqual(['join', 'concat']);
    // The crossfade spans the second segment's first half second: an edge inside it.
    const fade = sidecar.timeline.segments[1]!.start * 24;
    expect(starts.some((s) => s > fade && s < fade + sidecar.timeline.overlap * 24), `edges ${starts.join(', ')}, crossfade from frame ${fade}`).toBe(true);

    const timeline = sidecar.timeline;
    const reference: InterpolationTask = {
      stage: 'interpolation', shotId: shot.id, inputs: [join(workDir, 'segment-0.mkv'), join(workDir, 'segment-1.mkv')], segmentDuration: timeline.segments[0]!.duration,
      sourceFps: 12, fps: 24, frames: 72, method: 'optical_flow', transition: 'crossfade', overlap: timeline.overlap, width: 320, height: 180, quality: 'draft',
      output: join(dir, 'reference.mkv'),
    };
    await runSpec(interpolationSpec(reference));
    const chunked = join(workDir, 'interpolated.mkv');
    expect((await probe(chunked)).frames).toBe(72);
    const ssim = await ssimPerFrame(dir, chunked, reference.output);
    expect(ssim).toHaveLength(72);
    const worst = Math.min(...ssim);
    expect(worst, `worst frame ${ssim.indexOf(worst)}`).toBeGreaterThanOrEqual(0.99);
    expect((await probe(result.output)).frames).toBe(72);
  }, SLOW);

  it('reads a lone segment itself, with no join, and still matches the unchunked stage', async () => {
    const single: Shot = { ...shot, id: 'single', keyframes: [shot.keyframes[0]!] };
    const { sidecar, chunks, workDir } = await render(undefined, single);
    expect(chunks.length, 'chunks').toBeGreaterThanOrEqual(3);
    expect(sidecar.trace.attempts.filter((a) => a.detail === 'join' || a.detail === 'concat').map((a) => a.detail)).toEqual(['concat']);
    const reference: InterpolationTask = {
      stage: 'interpolation', shotId: single.id, inputs: [join(workDir, 'segment-0.mkv')], segmentDuration: sidecar.timeline.segments[0]!.duration,
      sourceFps: 12, fps: 24, frames: 72, method: 'optical_flow', transition: 'crossfade', overlap: 0, width: 320, height: 180, quality: 'draft',
      output: join(dir, 'reference-single.mkv'),
    };
    await runSpec(interpolationSpec(reference));
    const ssim = await ssimPerFrame(dir, join(workDir, 'interpolated.mkv'), reference.output);
    expect(ssim).toHaveLength(72);
    const worst = Math.min(...ssim);
    expect(worst, `worst frame ${ssim.indexOf(worst)}`).toBeGreaterThanOrEqual(0.99);
  }, SLOW);

  it('retries a failing chunk alone, keeping the others', async () => {
    const { chunks, sidecar } = await render(new OneTaskFails('interpolation-chunk-1'));
    const byStart = new Map<number, string[]>();
    for (const a of chunks) byStart.set(startOf(a.detail), [...(byStart.get(startOf(a.detail)) ?? []), a.outcome]);
    const outcomes = [...byStart.entries()].sort(([a], [b]) => a - b).map(([, o]) => o);
    expect(outcomes[1]).toEqual(['failed', 'ok']);
    expect(outcomes.filter((_, i) => i !== 1).every((o) => o.length === 1 && o[0] === 'ok')).toBe(true);
    expect(sidecar.trace.degradations).toEqual([]);
    expect(sidecar.trace.interpolation.used).toBe('optical_flow');
  }, SLOW);

  it('degrades only the chunk whose method fails for good, through error_fallback, and says which', async () => {
    const { chunks, sidecar, circuits } = await render(new OneTaskFails('interpolation-chunk-1', Infinity));
    const second = chunks.filter((a) => /chunk 2\//.test(a.detail ?? ''));
    expect(second.map((a) => [a.circuit, a.outcome])).toEqual([
      ['video_interpolation', 'failed'], ['video_interpolation', 'failed'], ['video_interpolation', 'failed'], ['error_fallback', 'ok'],
    ]);
    expect(second.at(-1)!.detail).toMatch(/^blend chunk 2\//);
    const others = chunks.filter((a) => !/chunk 2\//.test(a.detail ?? ''));
    expect(others.every((a) => a.outcome === 'ok' && a.detail!.startsWith('optical_flow'))).toBe(true);
    expect(sidecar.trace.degradations).toMatchObject([{ stage: 'interpolation', from: 'optical_flow', to: 'blend', reason: expect.stringMatching(/^chunk 2 \(frames/) }]);
    expect(sidecar.trace.interpolation).toEqual({ requested: 'optical_flow', used: 'blend' });
    expect(circuits.stats().error_fallback!.stats.successful_requests).toBe(1);
  }, SLOW);
});
