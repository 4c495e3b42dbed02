/**
 * The ffmpeg log tail: each run's last non-progress stderr lines, carried from the run through the
 * worker process to the host, for successful, failed and killed runs alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../src-main/engine/ffmpeg.ts';
import type { FfmpegSpec } from '../../src-main/engine/ffmpeg-spec.ts';
import { FFMPEG_LOG_LINE_MAX, FFMPEG_LOG_LINES } from '../../src-main/engine/tasks.ts';
import { WorkerPool } from '../../src-main/engine/worker-pool.ts';
import { rejection } from '../fixtures/stage-error.ts';
import { frameTask } from '../fixtures/stage-tasks.ts';

const dir = mkdtempSync(join(tmpdir(), 'storycore-ffmpeg-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const tiny = (output: string, extra: string[] = []): FfmpegSpec => ({
  stage: 'export',
  inputs: [{ lavfi: 'testsrc2=size=64x36:rate=6' }],
  output,
  outputOptions: [...extra, '-frames:v', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
});

describe('runFfmpeg log tail', () => {
  it('reports the last non-progress stderr lines of a successful run, within the limits', async () => {
    const logs: string[][] = [];
    await runFfmpeg(tiny(join(dir, 'ok.mp4')), { onLog: (lines) => logs.push(lines) });
    expect(logs).toHaveLength(1);
    const lines = logs[0]!;
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(FFMPEG_LOG_LINES);
    // x264's closing statistics are among ffmpeg's last words; progress lines never are.
    expect(lines.some((l) => /libx264/.test(l))).toBe(true);
    expect(lines.every((l) => !/^\s*frame=/.test(l) && l.length <= FFMPEG_LOG_LINE_MAX)).toBe(true);
  });

  it('reports the lines that say why a run failed', async () => {
    const logs: string[][] = [];
    await rejection(runFfmpeg(tiny(join(dir, 'bad.mp4'), ['-no_such_option_here', '1']), { onLog: (lines) => logs.push(lines) }));
    expect(logs).toHaveLength(1);
    expect(logs[0]!.join('\n')).toMatch(/no_such_option_here/);
  });

  it('reports the log of a run that was killed', async () => {
    const logs: string[][] = [];
    const controller = new AbortController();
    const endless: FfmpegSpec = { stage: 'interpolation', inputs: [{ lavfi: 'nullsrc=s=16x16:r=1', options: ['-re'] }], output: '-', outputOptions: ['-f', 'null'] };
    // Killed once it is writing (its first progress line), so its opening lines are surely out.
    const run = runFfmpeg(endless, { signal: controller.signal, onProgress: () => controller.abort(), onLog: (lines) => logs.push(lines) });
    expect((await rejection(run)).code).toBe('canceled');
    expect(logs).toHaveLength(1);
    expect(logs[0]!.join('\n')).toMatch(/Output #0, null/);
  });
});

describe('the log tail across the worker boundary', () => {
  it('comes back with a finished task, labelled with its step', async () => {
    const pool = new WorkerPool({ size: 1 });
    pools.push(pool);
    const result = await pool.run(frameTask(dir, 'seg-ok'));
    expect(result.ffmpegLog).toEqual([{ step: 'segment 0', lines: expect.arrayContaining([expect.stringMatching(/Output #0, matroska/)]) }]);
  });

  it('comes back with a failed task on its StageError, naming the drill', async () => {
    const pool = new WorkerPool({ size: 1 });
    pools.push(pool);
    const error = await rejection(pool.run(frameTask(dir, 'seg-fail', 'fail')));
    expect(error.code).toBe('ffmpeg_failed');
    expect(error.ffmpegLog).toHaveLength(1);
    expect(error.ffmpegLog![0]!.step).toBe('segment 0 [chaos: fail]');
    expect(error.ffmpegLog![0]!.lines.join('\n')).toMatch(/storycore_chaos_fail/);
  });

  it('comes back with a task the caller canceled, from the ffmpeg the worker killed', async () => {
    const pool = new WorkerPool({ size: 1 });
    pools.push(pool);
    const controller = new AbortController();
    const run = pool.run(frameTask(dir, 'seg-hang', 'hang'), { signal: controller.signal, onSpawn: () => setTimeout(() => controller.abort(), 300) });
    const error = await rejection(run);
    expect(error.code).toBe('canceled');
    expect(error.ffmpegLog?.[0]?.step).toBe('segment 0 [chaos: hang]');
  });
});
