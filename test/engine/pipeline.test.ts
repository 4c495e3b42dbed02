import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CircuitEvent } from '../../src-main/breaker/index.ts';
import { ChaosPlan, parseChaosRule } from '../../src-main/engine/chaos.ts';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import type { EngineEvent } from '../../src-main/engine/events.ts';
import { probe } from '../../src-main/engine/ffprobe.ts';
import { type Shot, parseProject } from '../../src-main/engine/model.ts';
import { RenderEngine } from '../../src-main/engine/pipeline.ts';
import { relieveMemoryPressure } from '../../src-main/engine/memory-pressure.ts';
import { WorkerPool } from '../../src-main/engine/worker-pool.ts';
import { isAlive } from '../fixtures/stage-tasks.ts';

/** Tiny real shots: 96x54, a second long, 6 fps keyframe segments retimed to 12 fps. */
function tinyShot(over: Record<string, unknown> = {}): Shot {
  const project = parseProject({
    version: 1,
    name: 'tiny',
    shots: [
      {
        id: 'tiny',
        duration: 1,
        fps: 12,
        resolution: { width: 96, height: 54 },
        keyframes: [{ generator: 'testsrc2' }, { generator: 'gradients', seed: 3 }],
        camera: { movement: 'pan' },
        interpolation: { method: 'optical_flow', sourceFps: 6, transition: 'crossfade', transitionDuration: 0.25 },
        ...over,
      },
    ],
  });
  return project.shots[0]!;
}

const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

let dir = '';
let pool: WorkerPool;
const seenPids = new Set<number>();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storycore-pipeline-'));
  pool = new WorkerPool({ size: 2 });
  pool.on('worker_started', ({ pid }) => pid && seenPids.add(pid));
});

afterEach(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

function setup(options: { chaos?: string[]; circuits?: Record<string, Record<string, number>> } = {}) {
  const circuits = createEngineCircuits();
  for (const [name, patch] of Object.entries(options.circuits ?? {})) circuits.configure(name, patch);
  const engine = new RenderEngine({ circuits, workers: pool, chaos: new ChaosPlan((options.chaos ?? []).map(parseChaosRule)), retry: FAST_RETRY, parallelism: 2 });
  const events: EngineEvent[] = [];
  const circuitEvents: CircuitEvent[] = [];
  circuits.subscribe((e) => circuitEvents.push(e));
  const trackFfmpeg = setInterval(() => pool.pids().ffmpeg.forEach((pid) => seenPids.add(pid)), 20);
  const render = async (shot: Shot) => {
    try {
      return await engine.renderShot(shot, { quality: 'draft', outDir: dir, workDir: join(dir, 'work', shot.id), resolveAsset: (p) => join(dir, p), onEvent: (e) => events.push(e) });
    } finally {
      clearInterval(trackFfmpeg);
    }
  };
  return { circuits, engine, events, circuitEvents, render };
}

async function expectNoProcessesLeft() {
  await pool.close();
  const alive = [...seenPids].filter(isAlive);
  expect(alive, 'worker or ffmpeg processes outlived the run').toEqual([]);
}

describe('shot pipeline with real workers and ffmpeg', () => {
  it('renders a shot that matches its spec, with a sidecar trace, and leaves no partial files', async () => {
    const { render, events } = setup();
    const result = await render(tinyShot());
    expect(result.output).toBe(join(dir, 'tiny.mp4'));
    const reading = await probe(result.output);
    expect(reading).toMatchObject({ codec: 'h264', width: 96, height: 54, fps: 12, frames: 12 });
    expect(reading.duration).toBeCloseTo(1, 1);

    const sidecar = JSON.parse(await readFile(result.sidecar, 'utf8'));
    expect(sidecar.trace.interpolation).toEqual({ requested: 'optical_flow', used: 'optical_flow' });
    expect(sidecar.trace.attempts.map((a: { stage: string }) => a.stage).sort()).toEqual(['export', 'frame_processing', 'frame_processing', 'interpolation']);
    expect(sidecar.measuredQuality.compared).toMatch(/vs its lossless interpolated intermediate/);
    expect(sidecar.measuredQuality.ssim).toBeGreaterThan(0.5);
    expect(sidecar.timeline.segments).toHaveLength(2);

    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
    const progress = events.filter((e) => e.type === 'progress').map((e) => (e.type === 'progress' ? e.shotPercent : 0));
    expect(Math.max(...progress)).toBe(100);
    await expectNoProcessesLeft();
  });

  it('kills a hung interpolation at its deadline and degrades to a cheaper method', async () => {
    const { render, events, circuits } = setup({ chaos: ['interpolation=hang'], circuits: { video_interpolation: { timeoutMs: 1500 } } });
    const result = await render(tinyShot());
    const sidecar = JSON.parse(await readFile(result.sidecar, 'utf8'));
    expect(sidecar.trace.interpolation).toEqual({ requested: 'optical_flow', used: 'blend' });
    expect(sidecar.trace.degradations[0]).toMatchObject({ stage: 'interpolation', from: 'optical_flow', to: 'blend' });
    expect(sidecar.trace.chaos).toEqual([{ stage: 'interpolation', mode: 'hang' }]);
    expect(events.find((e) => e.type === 'stage_failed')).toMatchObject({ stage: 'interpolation', code: 'timeout', chaos: 'hang' });
    const stats = circuits.stats().video_interpolation!.stats;
    expect(stats.timeouts).toBe(FAST_RETRY.maxAttempts);
    expect(circuits.stats().error_fallback!.stats.successful_requests).toBe(1);
    expect((await probe(result.output)).frames).toBe(12);
    await expectNoProcessesLeft();
  });

  it('replaces a worker that crashes mid-stage and completes on the retry', async () => {
    const { render } = setup({ chaos: ['frame_processing=crash'] });
    const result = await render(tinyShot());
    const sidecar = JSON.parse(await readFile(result.sidecar, 'utf8'));
    const frames = sidecar.trace.attempts.filter((a: { stage: string }) => a.stage === 'frame_processing');
    expect(frames.filter((a: { outcome: string }) => a.outcome === 'failed').map((a: { error: string }) => a.error)).toEqual([
      expect.stringMatching(/exited .*SIGKILL/),
      expect.stringMatching(/exited .*SIGKILL/),
    ]);
    expect(frames.filter((a: { outcome: string }) => a.outcome === 'ok')).toHaveLength(2);
    await expectNoProcessesLeft();
  });

  it('opens a circuit on repeated failures and recovers through half_open to closed', async () => {
    const { render, circuitEvents } = setup({
      chaos: ['frame_processing=fail:2'],
      circuits: { video_frame_processing: { failureThreshold: 2, recoveryTimeoutMs: 400, successThreshold: 1 } },
    });
    await render(tinyShot({ keyframes: [{ generator: 'testsrc2' }] }));
    const moves = circuitEvents.filter((e) => e.type === 'state_change' && e.circuit === 'video_frame_processing').map((e) => (e.type === 'state_change' ? `${e.from}->${e.to}` : ''));
    expect(moves).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    await expectNoProcessesLeft();
  });

  it('falls back to sequential segments when parallel_processing is open', async () => {
    const { render, circuits, events } = setup();
    const parallel = circuits.getBreaker('parallel_processing');
    for (let i = 0; i < 3; i++) await parallel.execute(() => Promise.reject(new Error('drill'))).catch(() => {});
    expect(parallel.state).toBe('open');
    const result = await render(tinyShot());
    const sidecar = JSON.parse(await readFile(result.sidecar, 'utf8'));
    expect(sidecar.trace.fanOut).toBe('sequential');
    expect(events.find((e) => e.type === 'degradation')).toMatchObject({ kind: 'fan_out', from: 'parallel', to: 'sequential' });
    expect(existsSync(result.output)).toBe(true);
  });

  it('lowers parallelism and workers under memory pressure, says so, and restores them after', () => {
    const { engine } = setup();
    const seen: EngineEvent[] = [];
    engine.onEvent((e) => seen.push(e));
    const sizes: number[] = [];
    const relieve = relieveMemoryPressure(engine, { resize: (n) => sizes.push(n) }, 4);
    relieve({ under: true, availableBytes: 1e9, availablePercent: 8, reason: 'available 8% < 10%' });
    expect(engine.parallelism).toBe(1);
    relieve({ under: false, availableBytes: 4e9, availablePercent: 16, reason: 'available 16% ≥ 15%' });
    expect(engine.parallelism).toBe(4);
    expect(sizes).toEqual([2, 4]);
    expect(seen).toEqual([
      { type: 'degradation', shotId: null, kind: 'parallelism', from: '2', to: '1', reason: 'available 8% < 10%' },
      { type: 'degradation', shotId: null, kind: 'parallelism', from: '1', to: '4', reason: 'available 16% ≥ 15%' },
    ]);
  });

  it('stops at once on an emergency stop: the render rejects, nothing is exported, no process is left', async () => {
    const { render, circuits } = setup({ chaos: ['interpolation=hang'] });
    const rendering = render(tinyShot());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    circuits.forceOpenAll('test emergency stop');
    await expect(rendering).rejects.toThrow(/emergency stop|forced open/);
    expect(existsSync(join(dir, 'tiny.mp4'))).toBe(false);
    await expectNoProcessesLeft();
  });
});
