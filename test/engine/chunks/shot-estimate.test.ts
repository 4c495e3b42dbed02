import { describe, expect, it } from 'vitest';
import { SEED_CIRCUITS } from '../../../src-main/breaker/index.ts';
import { builtinSecondsPerMpf } from '../../../src-main/engine/chunks/cost-model.ts';
import { estimateShot, formatEstimate, type EstimateInputs } from '../../../src-main/engine/chunks/shot-estimate.ts';
import { ThroughputLearner } from '../../../src-main/engine/chunks/throughput-learner.ts';
import { type Shot, ShotSchema } from '../../../src-main/engine/model.ts';

function shot(over: Record<string, unknown> = {}): Shot {
  return ShotSchema.parse({
    id: 'a', duration: 4, fps: 24, resolution: { width: 640, height: 360 },
    keyframes: [{ generator: 'mandelbrot' }], camera: { movement: 'zoom' },
    interpolation: { method: 'blend', sourceFps: 12 }, ...over,
  });
}

function inputs(timeouts: Record<string, number> = {}, learner = new ThroughputLearner()): EstimateInputs {
  const seeds = SEED_CIRCUITS as Record<string, { timeoutMs: number; maxConcurrent: number }>;
  return {
    figure: (key) => learner.figure(key),
    circuits: (name) => ({ timeoutMs: timeouts[name] ?? seeds[name]!.timeoutMs, maxConcurrent: seeds[name]!.maxConcurrent }),
    workers: 2,
  };
}

describe('estimateShot', () => {
  it('plans every stage and sums their wall times, from the built-in figures on a new machine', () => {
    const estimate = estimateShot(shot(), 'standard', inputs());
    expect(estimate.refusal).toBeUndefined();
    for (const stage of ['frame_processing', 'interpolation', 'export'] as const) {
      expect(estimate.stages[stage].chunks).toBeGreaterThan(0);
      expect(estimate.stages[stage].expectedSeconds).toBeGreaterThan(0);
      expect(estimate.stages[stage].figureSource).toBe('builtin');
    }
    const sum = estimate.stages.frame_processing.expectedSeconds + estimate.stages.interpolation.expectedSeconds + estimate.stages.export.expectedSeconds;
    expect(estimate.expectedSeconds).toBeCloseTo(sum, 9);
    // Export alone: 96 frames × 0.2304 MP × the mp4 figure, plus at least one ffmpeg start.
    expect(estimate.stages.export.expectedSeconds).toBeGreaterThanOrEqual(96 * 0.2304 * builtinSecondsPerMpf({ stage: 'export', method: 'mp4', quality: 'standard' }));
  });

  it('grows with duration, with resolution and with the method', () => {
    const base = estimateShot(shot(), 'standard', inputs()).expectedSeconds;
    const longer = estimateShot(shot({ duration: 12 }), 'standard', inputs()).expectedSeconds;
    const larger = estimateShot(shot({ resolution: { width: 1280, height: 720 } }), 'standard', inputs()).expectedSeconds;
    const flow = estimateShot(shot({ interpolation: { method: 'optical_flow', sourceFps: 12 } }), 'standard', inputs());
    expect(longer).toBeGreaterThan(base * 2);
    expect(larger).toBeGreaterThan(base * 2);
    expect(flow.expectedSeconds).toBeGreaterThan(base);
    expect(flow.stages.interpolation.expectedSeconds).toBeGreaterThan(estimateShot(shot(), 'standard', inputs()).stages.interpolation.expectedSeconds * 5);
    // Several keyframes: one frame-processing plan per segment, all counted.
    expect(estimateShot(shot({ keyframes: [{ generator: 'mandelbrot' }, { generator: 'life' }], duration: 12 }), 'standard', inputs()).stages.frame_processing.chunks).toBeGreaterThanOrEqual(2);
  });

  it('uses the learned or pinned figure, and says which', () => {
    const learner = new ThroughputLearner();
    const key = { stage: 'export' as const, method: 'mp4', quality: 'standard' as const };
    const before = estimateShot(shot(), 'standard', inputs({}, learner)).stages.export;
    learner.pin(key, builtinSecondsPerMpf(key) * 10);
    const pinned = estimateShot(shot(), 'standard', inputs({}, learner)).stages.export;
    expect(pinned.figureSource).toBe('pinned');
    expect(pinned.expectedSeconds).toBeGreaterThan(before.expectedSeconds * 3);
  });

  it('refuses final optical flow at 3840x2160 under a 5 s interpolation timeout, with the estimate and three fixes', () => {
    const big = shot({ resolution: { width: 3840, height: 2160 }, interpolation: { method: 'optical_flow', sourceFps: 12 } });
    const estimate = estimateShot(big, 'final', inputs({ video_interpolation: 5000 }));
    expect(estimate.refusal).toBeDefined();
    const refusal = estimate.refusal!;
    expect(refusal.stage).toBe('interpolation');
    expect(refusal.circuit).toBe('video_interpolation');
    expect(refusal.fixes).toHaveLength(3);
    expect(refusal.fixes[0]).toMatch(/lower quality than final/);
    expect(refusal.fixes[1]).toMatch(/smaller size than 3840x2160/);
    expect(refusal.fixes[2]).toMatch(/raise video_interpolation's timeoutMs to at least \d+ ms/);
    expect(refusal.neededTimeoutMs).toBeGreaterThan(5000);
    expect(refusal.message).toMatch(/expected to take \d+ s/);
    expect(estimate.stages.interpolation.chunks).toBe(0);
    expect(estimate.stages.interpolation.expectedSeconds).toBeCloseTo(refusal.stageExpectedSeconds, 9);
    // The same shot at draft and 640x360, with the default timeout, is not refused.
    expect(estimateShot(shot({ interpolation: { method: 'optical_flow', sourceFps: 12 } }), 'draft', inputs()).refusal).toBeUndefined();
  });

  it('reads as people read a duration', () => {
    expect(formatEstimate(0.2)).toBe('≈ 1 s');
    expect(formatEstimate(42.4)).toBe('≈ 42 s');
    expect(formatEstimate(80)).toBe('≈ 1 m 20 s');
    expect(formatEstimate(3 * 3600 + 30 * 60)).toBe('≈ 3 h 30 m');
  });
});
