import { describe, expect, it } from 'vitest';
import { planChunks } from '../../src-main/engine/chunks/planner.ts';
import { ThroughputLearner } from '../../src-main/engine/chunks/throughput-learner.ts';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import { parseProject } from '../../src-main/engine/model.ts';
import { ShotRun } from '../../src-main/engine/shot-run.ts';
import { chunkTiming, learn, stallWindow, type StageDeps } from '../../src-main/engine/stage-deps.ts';
import type { StageRunner } from '../../src-main/engine/stage-runner.ts';
import { STALL_MS_MAX, STALL_MS_MIN } from '../../src-main/engine/tasks.ts';

const shot = parseProject({
  version: 1,
  name: 'deps',
  shots: [{ id: 'deps', duration: 2, fps: 24, resolution: { width: 1280, height: 720 }, keyframes: [{ generator: 'testsrc2' }] }],
}).shots[0]!;

describe('what the stage drivers share', () => {
  it('learns from a finished chunk: its frames at the shot’s size, in the worker’s ffmpeg seconds', () => {
    const throughput = new ThroughputLearner();
    const deps: StageDeps = { circuits: createEngineCircuits(), runner: {} as StageRunner, throughput, lanes: 2 };
    const run = new ShotRun(shot, { quality: 'standard', outDir: '/out', workDir: '/out/w', resolveAsset: (p) => p }, []);
    const key = { stage: 'interpolation' as const, method: 'optical_flow', quality: 'standard' as const };
    const before = throughput.figure(key).secondsPerMpf;
    // 40 frames of 0.9216 MP in 0.5 + 40 × 0.9216 × 0.3 s: this machine does 0.3 s per megapixel-frame.
    learn(run, deps, key, 40, { output: '/out/w/c.mkv', elapsedMs: Math.round((0.5 + 40 * 0.9216 * 0.3) * 1000) });
    const after = throughput.figure(key);
    expect(after.source).toBe('learned');
    expect(after.secondsPerMpf).toBeCloseTo(before + 0.25 * (0.3 - before), 3);
  });

  it('hands the runner a chunk’s deadline, expected time and a stall window within the task’s bounds', () => {
    const plan = planChunks(
      { stage: 'interpolation', method: 'optical_flow', quality: 'standard', frames: 288, width: 1920, height: 1080, fps: 24, retime: { sourceFps: 12, fps: 24, sourceFrames: 146, method: 'optical_flow' } },
      { circuit: 'video_interpolation', timeoutMs: 120_000, maxConcurrent: 2, workers: 2, secondsPerMpf: 0.42 },
    );
    if (!plan.ok) throw new Error(plan.refusal.message);
    for (const chunk of plan.chunks) {
      const timing = chunkTiming(chunk);
      expect(timing.deadlineMs).toBeLessThanOrEqual(120_000);
      expect(timing.deadlineMs).toBeGreaterThanOrEqual(timing.expectedMs * 2);
      expect(timing.stallMs).toBeGreaterThanOrEqual(chunk.firstFrameMs);
    }
    expect(plan.chunks.length).toBeGreaterThanOrEqual(4);
    expect(plan.chunks.length).toBeLessThanOrEqual(16);
    expect([stallWindow(10), stallWindow(1e9)]).toEqual([STALL_MS_MIN, STALL_MS_MAX]);
  });
});
