/**
 * The stall watchdog: an ffmpeg that makes no new frame for its stall window is hung, and is killed
 * then, long before its deadline; one that is slow but progressing is left alone. Real ffmpeg, real
 * hangs: a process frozen with SIGSTOP, and one blocked opening a FIFO nobody writes to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { countsAgainstCircuit } from '../../src-main/engine/circuits.ts';
import { runFfmpeg, type FfmpegRunOptions } from '../../src-main/engine/ffmpeg.ts';
import type { FfmpegSpec } from '../../src-main/engine/ffmpeg-spec.ts';
import { DEFAULT_STALL_MS, FrameTaskSchema, StageError } from '../../src-main/engine/tasks.ts';
import { WorkerPool } from '../../src-main/engine/worker-pool.ts';
import { rejection } from '../fixtures/stage-error.ts';
import { frameTask, isAlive, makeFifo, waitUntil } from '../fixtures/stage-tasks.ts';

const STALL_MS = 1500;
/** After the window: the timer's lateness under load, the SIGKILL and fluent's report of the exit. */
const KILL_GRACE_MS = 3000;
/** The deadline a hung run would otherwise meet: far beyond the window, so a stall kill is plainly not it. */
const DEADLINE_MS = 30_000;

const dir = mkdtempSync(join(tmpdir(), 'storycore-ffmpeg-stall-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pools: WorkerPool[] = [];
const deadlines: NodeJS.Timeout[] = [];
afterEach(async () => {
  deadlines.splice(0).forEach(clearTimeout);
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** A run's signal that aborts at DEADLINE_MS, as a circuit's timeout would. */
function deadline(): AbortSignal {
  const controller = new AbortController();
  deadlines.push(setTimeout(() => controller.abort(), DEADLINE_MS));
  return controller.signal;
}

/** A real-time testsrc2 of `frames` frames at `fps`: it lasts frames / fps seconds whatever the machine. */
const realTime = (fps: number, frames: number): FfmpegSpec => ({
  stage: 'interpolation',
  inputs: [{ lavfi: `testsrc2=size=64x36:rate=${fps}`, options: ['-re'] }],
  output: '-',
  outputOptions: ['-frames:v', String(frames), '-f', 'null'],
});

/** Runs a spec with the watchdog and a far deadline; the pids it spawned and the log tail it reported. */
function watched(spec: FfmpegSpec, options: FfmpegRunOptions = {}) {
  const pids: number[] = [];
  const logs: string[][] = [];
  const startedAt = performance.now();
  const run = runFfmpeg(spec, { signal: deadline(), stallMs: STALL_MS, onSpawn: (pid) => pids.push(pid), onLog: (lines) => logs.push(lines), ...options });
  return { run, pids, logs, startedAt };
}

describe('the stall watchdog', () => {
  it('kills an ffmpeg frozen mid-run (SIGSTOP) after the window, long before its deadline, as stalled with its log tail', async () => {
    let frozenAt = 0;
    let frozen = 0;
    const { run, pids, logs } = watched(realTime(25, 100_000), {
      expectedFrames: 100_000,
      onProgress: (p) => {
        if (frozenAt || p.frames < 5) return;
        frozen = p.frames;
        frozenAt = performance.now();
        process.kill(pids[0]!, 'SIGSTOP');
      },
    });
    const error = await rejection(run);
    const ms = performance.now() - frozenAt;
    expect(frozenAt, 'it was frozen after making frames').toBeGreaterThan(0);
    expect(error.code).toBe('stalled');
    expect(error.retryable).toBe(true);
    expect(error.stage).toBe('interpolation');
    // The window counts from the last new frame, which came a little before the freeze.
    expect(ms).toBeGreaterThanOrEqual(STALL_MS - 600);
    expect(ms, 'ended by the window, not the deadline').toBeLessThan(STALL_MS + KILL_GRACE_MS);
    const [, seconds, frame] = /^interpolation: ffmpeg made no progress for ([\d.]+) s \(frame (\d+) of 100000\): killed as hung/.exec(error.message) ?? [];
    expect(Number(seconds)).toBeGreaterThanOrEqual(STALL_MS / 1000);
    expect(Number(frame)).toBeGreaterThanOrEqual(frozen);
    // The log tail comes with the failure, in its message and to the run's log hook, as for any failure.
    expect(error.message).toMatch(/Output #0, null/);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.join('\n')).toMatch(/Output #0, null/);
    // SIGKILL ends a stopped process too: nothing is left behind, frozen or otherwise.
    expect(pids).toHaveLength(1);
    expect(isAlive(pids[0]!)).toBe(false);
  });

  it('kills an ffmpeg that never makes its first frame (blocked opening a FIFO nobody writes) after the window', async () => {
    const fifo = makeFifo(join(dir, 'nobody-writes.mkv'));
    const { run, pids, logs, startedAt } = watched({ stage: 'frame_processing', inputs: [{ path: fifo }], output: '-', outputOptions: ['-f', 'null'] }, { expectedFrames: 12 });
    const error = await rejection(run);
    const ms = performance.now() - startedAt;
    expect(error.code).toBe('stalled');
    expect(error.message).toMatch(/^frame_processing: ffmpeg made no progress for [\d.]+ s \(frame 0 of 12\): killed as hung/);
    expect(ms).toBeGreaterThanOrEqual(STALL_MS);
    expect(ms).toBeLessThan(STALL_MS + KILL_GRACE_MS);
    expect(logs).toHaveLength(1);
    expect(pids).toHaveLength(1);
    expect(isAlive(pids[0]!)).toBe(false);
  });

  it('leaves a slow but progressing ffmpeg alone, however much longer than the window it runs', async () => {
    const frames: number[] = [];
    // 4 s of real-time frames: over twice the window in all, yet never a window without a new frame.
    const { run, startedAt } = watched(realTime(10, 40), { expectedFrames: 40, onProgress: (p) => frames.push(p.frames) });
    await run;
    expect(performance.now() - startedAt).toBeGreaterThan(2 * STALL_MS);
    expect(frames.at(-1)).toBe(40);
  });

  it('is off when no window is given: only the deadline ends a frozen run', async () => {
    const controller = new AbortController();
    const pids: number[] = [];
    const run = runFfmpeg(realTime(25, 100_000), {
      signal: controller.signal,
      onSpawn: (pid) => {
        pids.push(pid);
        process.kill(pid, 'SIGSTOP');
        setTimeout(() => controller.abort(), STALL_MS + 1000);
      },
    });
    expect((await rejection(run)).code).toBe('canceled');
    expect(isAlive(pids[0]!)).toBe(false);
  });
});

describe('a stalled task across the worker boundary', () => {
  it('fails stalled with its ffmpeg log, and its ffmpeg is gone', async () => {
    const pool = new WorkerPool({ size: 1 });
    pools.push(pool);
    const image = makeFifo(join(dir, 'key.png'));
    const pids: number[] = [];
    const startedAt = performance.now();
    const task = { ...frameTask(dir, 'seg-stalled'), keyframe: { image }, stallMs: STALL_MS };
    const error = await rejection(pool.run(task, { onSpawn: (pid) => pids.push(pid) }));
    expect(error.code).toBe('stalled');
    expect(error.message).toMatch(/ffmpeg made no progress for [\d.]+ s \(frame 0 of 6\): killed as hung/);
    expect(performance.now() - startedAt).toBeLessThan(STALL_MS + KILL_GRACE_MS + 2000);
    expect(error.ffmpegLog?.map((log) => log.step)).toEqual(['segment 0']);
    expect(pids).toHaveLength(1);
    await waitUntil(() => !isAlive(pids[0]!), 2000, 'the stalled ffmpeg is gone');
  });
});

describe('the stall window and the stalled code', () => {
  it('is bounded in a task, and optional (the worker then applies the default)', () => {
    const task = frameTask(dir, 'bounds');
    expect(FrameTaskSchema.safeParse(task).success).toBe(true);
    expect(FrameTaskSchema.safeParse({ ...task, stallMs: 1000 }).success).toBe(true);
    expect(FrameTaskSchema.safeParse({ ...task, stallMs: 999 }).success).toBe(false);
    expect(FrameTaskSchema.safeParse({ ...task, stallMs: 600_001 }).success).toBe(false);
    expect(FrameTaskSchema.safeParse({ ...task, stallMs: DEFAULT_STALL_MS }).success).toBe(true);
  });

  it('counts against the circuit and may be retried, as a timeout', () => {
    const stalled = new StageError('stalled', 'interpolation', 'interpolation: ffmpeg made no progress for 20 s (frame 3 of 96): killed as hung');
    expect(countsAgainstCircuit(stalled)).toBe(true);
    expect(stalled.retryable).toBe(true);
    expect(countsAgainstCircuit(new StageError('canceled', 'interpolation', 'canceled'))).toBe(false);
  });
});
