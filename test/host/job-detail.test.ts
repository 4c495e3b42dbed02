import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job, JobDetail } from '../../src-preload/contract.ts';
import { ShotSchema } from '../../src-main/engine/model.ts';
import { jobDetail } from '../../src-main/host/job-detail.ts';
import { openDatabase } from '../../src-main/queue/database.ts';
import { RenderQueue } from '../../src-main/queue/render-queue.ts';
import { openStudio, studioPerTest, tinyProject, until } from './helpers.ts';

const { setup, closeAfter } = studioPerTest();

describe('jobDetail', () => {
  it('answers a done job with its shot, its trace (every stage, with ffmpeg log tails) and its output to play', async () => {
    const { send, job } = await setup();
    const [a] = (await send({ type: 'enqueue', project: tinyProject(['a'], { title: 'A tiny shot' }) })) as Job[];
    await until(() => job(a!.id).status === 'done', 60_000, 'job done');

    const detail = (await send({ type: 'jobDetail', jobId: a!.id })) as JobDetail;
    expect(detail.job).toMatchObject({ id: a!.id, status: 'done', degraded: null });
    expect(detail.spec).toMatchObject({ shotId: 'a', title: 'A tiny shot', durationS: 1, fps: 12, frames: 12, width: 96, height: 54, format: 'mp4', quality: 'draft' });
    expect(detail.spec!.keyframes).toEqual(['testsrc2 (seed 1)']);
    expect(detail.spec!.interpolation).toMatchObject({ method: 'blend', sourceFps: 6 });

    const trace = detail.trace!;
    expect(trace.interpolation).toEqual({ requested: 'blend', used: 'blend' });
    expect(trace.attempts.map((t) => `${t.stage}:${t.outcome}`)).toEqual(['frame_processing:ok', 'interpolation:ok', 'export:ok']);
    for (const attempt of trace.attempts) {
      expect(attempt.ffmpegLog?.length, `${attempt.stage} has a log`).toBeGreaterThan(0);
      expect(attempt.ffmpegLog!.every((run) => run.lines.length > 0)).toBe(true);
    }
    // The export runs twice: the encode, and the SSIM/PSNR measurement (whose summary lines are its last words).
    const exportLog = trace.attempts.find((t) => t.stage === 'export')!.ffmpegLog!;
    expect(exportLog.map((r) => r.step)).toEqual(['encode', 'quality']);
    expect(exportLog[1]!.lines.join('\n')).toMatch(/SSIM .*All:/);

    expect(detail.media).toEqual({ kind: 'video', file: 'a.mp4', mimeType: 'video/mp4', url: null });
  });

  it('keeps the trace of a failed job, with the failed attempts, the drill and the lines ffmpeg failed with', async () => {
    const { send, job } = await setup();
    await send({ type: 'setChaos', rules: [{ stage: 'export', mode: 'fail' }] });
    const [a] = (await send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    await until(() => job(a!.id).status === 'failed', 60_000, 'job failed');

    const detail = (await send({ type: 'jobDetail', jobId: a!.id })) as JobDetail;
    expect(detail.media).toBeNull();
    // It shows where it failed: the stage of its last report, even one the progress throttle held back.
    expect(detail.job.stage).toBe('export');
    const exports = detail.trace!.attempts.filter((t) => t.stage === 'export');
    // The helper's retry policy allows two attempts.
    expect(exports.map((t) => [t.attempt, t.outcome, t.chaos])).toEqual([
      [1, 'failed', 'fail'],
      [2, 'failed', 'fail'],
    ]);
    for (const attempt of exports) {
      expect(attempt.ffmpegLog![0]!.step).toBe('encode [chaos: fail]');
      expect(attempt.ffmpegLog![0]!.lines.join('\n')).toMatch(/storycore_chaos_fail/);
    }
  });

  it('gives an attempt that timed out the log of the ffmpeg that was killed for it', async () => {
    const { send, job } = await setup();
    await send({ type: 'configureCircuit', circuit: 'video_interpolation', patch: { timeoutMs: 1000 } });
    await send({ type: 'setChaos', rules: [{ stage: 'interpolation', mode: 'hang' }] });
    const [a] = (await send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    await until(() => job(a!.id).status === 'done', 60_000, 'job done');
    const detail = (await send({ type: 'jobDetail', jobId: a!.id })) as JobDetail;
    const hung = detail.trace!.attempts.filter((t) => t.stage === 'interpolation' && t.outcome === 'failed');
    expect(hung.length).toBeGreaterThan(0);
    for (const attempt of hung) {
      expect(attempt.error).toMatch(/timed out/);
      // Recorded at the deadline; the log came later, from the worker that killed its ffmpeg.
      // (Its lines depend on how far ffmpeg got in a second on a busy machine; the unit tests of the tail check lines.)
      expect(attempt.ffmpegLog).toEqual([{ step: 'blend [chaos: hang]', lines: expect.any(Array) }]);
    }
    expect(detail.trace!.interpolation).toEqual({ requested: 'blend', used: 'duplicate' });
  });

  it('shows a degradation on the job itself (the queue badge), in its trace, and again after a restart', async () => {
    const first = await openStudio();
    closeAfter(() => first.cleanup());
    await first.send({ type: 'setChaos', rules: [{ stage: 'interpolation', mode: 'fail' }] });
    const [a] = (await first.send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    await until(() => first.job(a!.id).status === 'done', 60_000, 'job done');

    const streamed = await until(() => first.batches.flatMap((b) => b.jobs).findLast((j) => j.id === a!.id && j.status === 'done'), 2000, 'the done job streamed');
    expect(streamed).toMatchObject({ status: 'done', degraded: { what: 'interpolation', from: 'blend', to: 'duplicate' } });
    expect(first.studio.snapshot().jobs.find((j) => j.id === a!.id)?.degraded).toMatchObject({ from: 'blend', to: 'duplicate' });
    const detail = (await first.send({ type: 'jobDetail', jobId: a!.id })) as JobDetail;
    expect(detail.trace!.interpolation).toEqual({ requested: 'blend', used: 'duplicate' });
    expect(detail.trace!.degradations).toEqual([expect.objectContaining({ stage: 'interpolation', from: 'blend', to: 'duplicate', reason: expect.stringMatching(/chaos drill: fail/) })]);

    await first.cleanup(false);
    const second = await openStudio({ dataDir: first.dataDir });
    closeAfter(() => second.cleanup());
    expect(second.studio.snapshot().jobs.find((j) => j.id === a!.id)?.degraded).toMatchObject({ what: 'interpolation', from: 'blend', to: 'duplicate' });

  });

  it('answers a waiting job without trace or media, and refuses unknown or malformed ids by field', async () => {
    const { send, studio } = await setup();
    await send({ type: 'pauseQueue' });
    const [a] = (await send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    const detail = (await send({ type: 'jobDetail', jobId: a!.id })) as JobDetail;
    expect(detail).toMatchObject({ job: { id: a!.id, status: 'queued' }, trace: null, media: null });
    expect(detail.spec?.shotId).toBe('a');

    expect(await studio.execute({ type: 'jobDetail', jobId: 'nope' }, 'tester')).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/^jobId: no job "nope"/) } });
    expect(await studio.execute({ type: 'jobDetail', jobId: '../etc' }, 'tester')).toMatchObject({ ok: false, error: { code: 'invalid', field: 'jobId' } });
    expect(await studio.execute({ type: 'jobDetail' }, 'tester')).toMatchObject({ ok: false, error: { code: 'invalid', field: 'jobId' } });
    expect(await studio.execute({ type: 'jobDetail', jobId: a!.id, extra: 1 }, 'tester')).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });

  it('says why a done job has nothing to play when its file is gone', async () => {
    const { send, job, dataDir } = await setup();
    const [a] = (await send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    await until(() => job(a!.id).status === 'done', 60_000, 'job done');
    rmSync(join(dataDir, 'renders', a!.id, 'a.mp4'));
    const detail = (await send({ type: 'jobDetail', jobId: a!.id })) as JobDetail;
    expect(detail.media).toBeNull();
    expect(detail.mediaProblem).toMatch(/a\.mp4 is no longer in the render folder/);
  });
});

describe('jobDetail on stored records it cannot trust', () => {
  it('reports a trace of the wrong shape, and an output outside the render folder, instead of passing them on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'storycore-detail-'));
    const queue = new RenderQueue(openDatabase(join(dir, 'studio.db')));
    try {
      const shot = ShotSchema.parse(tinyProject(['a']).shots[0]);
      const [job] = queue.enqueue([{ projectName: 'p', shot, baseDir: null, quality: 'draft' }]);
      queue.markRunning(job!.id);
      const done = queue.markDone(job!.id, { output: join(dir, 'elsewhere', 'a.mp4'), sidecar: null, trace: { attempts: 'not a list' } });
      const detail = await jobDetail(queue, done, join(dir, 'renders'));
      expect(detail.trace).toBeNull();
      expect(detail.traceProblem).toMatch(/does not have the expected shape/);
      expect(detail.media).toBeNull();
      expect(detail.mediaProblem).toMatch(/not in this studio's render folder/);
      expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
    } finally {
      queue.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
