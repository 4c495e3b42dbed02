import { describe, expect, it } from 'vitest';
import { INTERPOLATION_CONTEXT, sourceFramesNeeded } from '../../../src-main/engine/chunks/chunk-geometry.ts';
import { chunkDeadlineMs } from '../../../src-main/engine/chunks/cost-model.ts';
import { planChunks, type Chunk, type PlanLimits, type StageWork } from '../../../src-main/engine/chunks/planner.ts';
import { exportChunkBudget, REUSE_CHUNK_SECONDS } from '../../../src-main/engine/export-stage.ts';

const HD = { width: 1920, height: 1080 };
const INTERPOLATION_LIMITS: PlanLimits = { circuit: 'video_interpolation', timeoutMs: 120_000, maxConcurrent: 2, workers: 2, secondsPerMpf: 0.2 };

/** The shot: 12 s at 1920x1080, optical flow from 12 to 24 fps (288 frames). */
function opticalFlow(frames = 288): StageWork {
  return {
    stage: 'interpolation', method: 'optical_flow', quality: 'standard', frames, ...HD, fps: 24,
    retime: { method: 'optical_flow', sourceFps: 12, fps: 24, sourceFrames: sourceFramesNeeded(frames, 12, 24) },
  };
}

function plan(work: StageWork, limits: PlanLimits): Chunk[] {
  const result = planChunks(work, limits);
  if (!result.ok) throw new Error(result.refusal.message);
  return result.chunks;
}

function expectTiling(chunks: Chunk[], frames: number, unit: number): void {
  expect(chunks[0]!.start).toBe(0);
  expect(chunks.at(-1)!.end).toBe(frames);
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(chunk.end).toBeGreaterThan(chunk.start);
    if (i > 0) expect(chunk.start).toBe(chunks[i - 1]!.end);
    if (i < chunks.length - 1) expect((chunk.end - chunk.start) % unit).toBe(0);
  });
}

describe('chunk planner', () => {
  it('cuts the long shot into chunks expected to take at most a quarter of the timeout each', () => {
    const result = planChunks(opticalFlow(), INTERPOLATION_LIMITS);
    if (!result.ok) throw new Error(result.refusal.message);
    const { chunks } = result;
    expectTiling(chunks, 288, 3);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length % 2).toBe(0); // both lanes busy to the end
    for (const chunk of chunks) {
      expect(chunk.expectedSeconds).toBeLessThanOrEqual(30);
      expect(chunk.deadlineMs).toBe(chunkDeadlineMs(chunk.expectedSeconds, { timeoutMs: 120_000 }));
      expect(chunk.deadlineMs).toBeLessThanOrEqual(120_000);
    }
    expect(result.lanes).toBe(2);
    // Two lanes: the wall estimate is about half of the summed work.
    expect(result.wallSecondsEstimate).toBeLessThan(result.expectedSeconds * 0.6);
  });

  it('gives each interpolation chunk its context source frames on both sides, inside the source', () => {
    const work = opticalFlow();
    const context = INTERPOLATION_CONTEXT.optical_flow;
    for (const chunk of plan(work, INTERPOLATION_LIMITS)) {
      const source = chunk.source!;
      expect(source.start).toBe(Math.max(0, Math.floor(chunk.start / 2) - context));
      expect(source.end).toBe(Math.min(work.retime!.sourceFrames, Math.floor((chunk.end - 1) / 2) + 2 + context));
      expect(source.firstOutput).toBeLessThanOrEqual(chunk.start);
      // The context's frames are made and thrown away: they count as work.
      expect(chunk.workFrames).toBeGreaterThanOrEqual(chunk.end - chunk.start);
    }
  });

  it('keeps a small stage in one chunk, and a single lane unrounded', () => {
    const small: StageWork = { stage: 'export', method: 'mp4', quality: 'draft', frames: 48, width: 320, height: 180, fps: 24 };
    expect(plan(small, { circuit: 'video_export', timeoutMs: 300_000, maxConcurrent: 1, workers: 2, secondsPerMpf: 0.03 })).toHaveLength(1);

    const long: StageWork = { ...small, frames: 2400, ...HD, quality: 'final' };
    const chunks = plan(long, { circuit: 'video_export', timeoutMs: 60_000, maxConcurrent: 1, workers: 2, secondsPerMpf: 0.2 });
    expectTiling(chunks, 2400, 3);
    // 15 s budget at 0.41 s a frame: chunks of at most 36 frames, and no rounding to a lane count.
    expect(Math.max(...chunks.map((c) => c.end - c.start))).toBeLessThanOrEqual(36);
    for (const chunk of chunks) expect(chunk.expectedSeconds).toBeLessThanOrEqual(15);
  });

  it('cuts png sequences at any frame (one file a frame)', () => {
    const png: StageWork = { stage: 'export', method: 'png_sequence', quality: 'standard', frames: 100, ...HD, fps: 24, perFrameFiles: true };
    const chunks = plan(png, { circuit: 'video_export', timeoutMs: 20_000, maxConcurrent: 2, workers: 2, secondsPerMpf: 0.4 });
    expectTiling(chunks, 100, 1);
    expect(chunks.some((c) => (c.end - c.start) % 3 !== 0)).toBe(true);
  });

  it('refuses up front, with the estimate and the fix, when even the smallest chunk exceeds the timeout', () => {
    const result = planChunks(opticalFlow(), { ...INTERPOLATION_LIMITS, secondsPerMpf: 20 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const { refusal } = result;
    expect(refusal.circuit).toBe('video_interpolation');
    expect(refusal.smallestChunkSeconds).toBeGreaterThan(120);
    expect(refusal.stageExpectedSeconds).toBeGreaterThan(refusal.smallestChunkSeconds);
    expect(refusal.neededTimeoutMs).toBeGreaterThanOrEqual(refusal.smallestChunkSeconds * 3 * 1000);
    expect(refusal.message).toContain("video_interpolation's timeout of 120 s");
    expect(refusal.message).toMatch(/lower quality than standard/);
    expect(refusal.message).toMatch(/smaller size than 1920x1080/);
    expect(refusal.message).toContain(`timeoutMs to at least ${refusal.neededTimeoutMs} ms`);
  });

  it('admits a chunk that is dear but under the timeout, capping its deadline at the timeout', () => {
    // One unit (3 frames plus context) takes ~50 s here: over the quarter, under the timeout.
    const chunks = plan(opticalFlow(), { ...INTERPOLATION_LIMITS, secondsPerMpf: 2.5 });
    expect(Math.max(...chunks.map((c) => c.expectedSeconds))).toBeGreaterThan(30);
    for (const chunk of chunks) expect(chunk.deadlineMs).toBeLessThanOrEqual(120_000);
  });

  it('grows chunks that would spend most of their work on context, while the deadline still fits', () => {
    const limits = { ...INTERPOLATION_LIMITS, secondsPerMpf: 0.7 };
    const grown = plan(opticalFlow(), limits);
    const strict = plan(opticalFlow(), { ...limits, maxContextShare: 1 });
    expect(grown.length).toBeLessThan(strict.length);
    for (const chunk of grown) expect(chunk.expectedSeconds * 3 * 1000).toBeLessThanOrEqual(120_000);
  });

  it('keeps every interpolation chunk long enough to reach back before the retime stops at the end', () => {
    // minterpolate stops a source frame or two before its input ends: a chunk of only the last
    // output frames would have nothing real to keep. 12 → 24 fps: at least 3 source frames' worth.
    for (const frames of [288, 289, 290, 20, 7]) {
      const chunks = plan(opticalFlow(frames), { ...INTERPOLATION_LIMITS, secondsPerMpf: 2.5 });
      expectTiling(chunks, frames, 3);
      for (const chunk of chunks) expect(chunk.end - chunk.start, `${frames} frames: chunk ${chunk.index}`).toBeGreaterThanOrEqual(Math.min(frames, 7));
    }
  });

  it('gives every chunk a stall window within its deadline, and a longer wait for the first frame', () => {
    for (const chunk of plan(opticalFlow(), INTERPOLATION_LIMITS)) {
      expect(chunk.stallMs).toBeGreaterThanOrEqual(10_000);
      expect(chunk.stallMs).toBeLessThanOrEqual(chunk.deadlineMs);
      expect(chunk.firstFrameMs).toBeGreaterThanOrEqual(Math.min(chunk.stallMs, chunk.deadlineMs));
      expect(chunk.firstFrameMs).toBeLessThanOrEqual(chunk.deadlineMs);
    }
  });

  it('refuses work that is not a positive whole number of frames, or a figure that is not positive', () => {
    expect(() => planChunks({ ...opticalFlow(), frames: 0 }, INTERPOLATION_LIMITS)).toThrow(/whole number/);
    expect(() => planChunks(opticalFlow(), { ...INTERPOLATION_LIMITS, secondsPerMpf: 0 })).toThrow(/positive/);
  });

  it('cuts a long export finer with a chunk store, so an edit re-encodes only the chunks it reaches; without one it stays whole', () => {
    // The long shot's export (12 s of 1080p, mp4 standard) at the built-in figure (0.108 s per megapixel-frame: about 65 s).
    const work: StageWork = { stage: 'export', method: 'mp4', quality: 'standard', frames: 288, width: 1920, height: 1080, fps: 24 };
    const limits: PlanLimits = { circuit: 'video_export', timeoutMs: 300_000, maxConcurrent: 1, workers: 2, secondsPerMpf: 0.108 };
    const whole = planChunks(work, { ...limits, ...exportChunkBudget(false, limits.timeoutMs) });
    const stored = planChunks(work, { ...limits, ...exportChunkBudget(true, limits.timeoutMs) });
    if (!whole.ok || !stored.ok) throw new Error('refused');
    expect(whole.chunks).toHaveLength(1);
    expect(stored.chunks.length).toBeGreaterThanOrEqual(Math.max(2, Math.ceil(whole.expectedSeconds / REUSE_CHUNK_SECONDS)));
    for (const chunk of stored.chunks) expect(chunk.expectedSeconds).toBeLessThanOrEqual(REUSE_CHUNK_SECONDS);
    expect(stored.chunks.at(-1)!.end).toBe(288);
    // A short timeout's own quarter stays the budget when it is the smaller (the chunked-stage tests' 8 s circuits).
    expect(exportChunkBudget(true, 8000)).toEqual({ fraction: 0.25 });
  });
});
