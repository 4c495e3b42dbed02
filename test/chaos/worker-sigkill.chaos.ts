/**
 * Scenario 1: a worker SIGKILLed mid-stage (its pid taken from what the pool was told).
 * Must hold: the stage fails as worker_crashed within a grace, is retried, and the shot completes
 * (or, killed on every attempt, fails cleanly); the dead worker's ffmpeg is gone; the queue is
 * intact; the circuits count exactly the crashes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { isAlive, processesMarked, signal } from './support/processes.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, expectQueueIntact, logLines, openChaosStudio } from './support/studio.ts';
import { monotonic, waitFor, withinBound } from './support/timing.ts';

const SCENARIO = '1 worker SIGKILL';
/** From the kill to the stage's failure being reported, and to its ffmpeg being gone. */
const CRASH_GRACE_MS = 3000;

let chaos: ChaosStudio | undefined;
afterEach(async () => {
  await chaos?.dispose();
  chaos = undefined;
});

describe('chaos 1: a worker SIGKILLed mid-stage', () => {
  it('fails the stage as a crash, retries it, completes the shot, and leaves no orphan ffmpeg', async () => {
    chaos = await openChaosStudio({ scenario: SCENARIO });
    const shots = [
      shot('victim', { duration: 3, fps: 24, width: 640, height: 360, method: 'optical_flow' }),
      shot('bystander-a', { duration: 1, fps: 12, width: 160, height: 90 }),
      // Not the same shot as bystander-a: the chunk store would hand it a's chunks, and the circuits would count one call fewer.
      shot('bystander-b', { duration: 2, fps: 12, width: 160, height: 90 }),
    ];
    const jobs = (await chaos.send({ type: 'enqueue', project: project('sigkill', shots) })) as Job[];
    const victimJob = jobs.find((j) => j.shotId === 'victim')!;
    // A job's scratch folder is named after it: the victim's interpolation is the one writing there.
    const target = await chaos.spawner.nextFfmpeg('victim interpolation', (s) => s.task.stage === 'interpolation' && s.task.output.includes(`/${victimJob.id}/`));
    const worker = target.worker.pid!;
    expect(isAlive(target.pid), 'the victim’s ffmpeg runs when the worker is killed').toBe(true);
    // The stray check can see them: both carry the scenario's mark.
    expect(processesMarked(chaos.mark).map((p) => p.pid)).toEqual(expect.arrayContaining([worker, target.pid]));
    const killedAt = monotonic();
    signal(worker, 'SIGKILL');

    await waitFor(() => logLines(chaos!.events).find((l) => /interpolation attempt 1 failed \(worker_crashed\)/.test(l)), CRASH_GRACE_MS + 2000, 'the crash was reported');
    withinBound(SCENARIO, 'kill → stage failed as worker_crashed', monotonic() - killedAt, CRASH_GRACE_MS);
    await waitFor(() => !isAlive(target.pid) && !isAlive(worker), CRASH_GRACE_MS + 2000, 'the dead worker’s ffmpeg is gone');
    withinBound(SCENARIO, 'kill → dead worker and its ffmpeg gone', monotonic() - killedAt, CRASH_GRACE_MS);

    // Three small shots and one retried interpolation: generous for a busy 2-core machine.
    await chaos.waitSettled(jobs.map((j) => j.id), 120_000);
    withinBound(SCENARIO, 'kill → every job ended', monotonic() - killedAt, 120_000);
    const final = expectQueueIntact(chaos, jobs, shots, ['done']);
    expect(final.find((j) => j.id === victimJob.id)).toMatchObject({ status: 'done', attempts: 1 });
    expect(logLines(chaos.events).some((l) => /retrying interpolation \(attempt 2\)/.test(l))).toBe(true);
    // The sidecar's trace tells the same story: the crashed attempt, then the retry that worked.
    const trace = chaos.studio.queue.getTrace(victimJob.id) as { attempts: { stage: string; attempt: number; outcome: string; error?: string }[] };
    expect(trace.attempts.filter((a) => a.stage === 'interpolation')).toMatchObject([
      { attempt: 1, outcome: 'failed', error: expect.stringContaining(`worker ${worker} exited`) },
      { attempt: 2, outcome: 'ok' },
    ]);

    // Circuits: one crash counted against interpolation, one retry that succeeded, nothing opened.
    const stats = chaos.studio.circuitStats();
    expect(stats.video_interpolation).toMatchObject({ state: 'closed', stats: { total_requests: 4, failed_requests: 1, successful_requests: 3 } });
    expect(stats.error_retry).toMatchObject({ state: 'closed', stats: { total_requests: 1, failed_requests: 0, successful_requests: 1 } });
    expect(stats.video_frame_processing!.stats.failed_requests).toBe(0);
    expect(stats.video_export).toMatchObject({ state: 'closed', stats: { failed_requests: 0, successful_requests: 3 } });
    // The pool replaced the dead worker.
    expect(chaos.spawner.workers.filter((w) => w.exit?.signal === 'SIGKILL').map((w) => w.pid)).toEqual([worker]);
    await chaos.close();
  });

  it('a worker killed on every attempt: the job fails cleanly as a crash, and the circuit opens on the crashes it counted', async () => {
    chaos = await openChaosStudio({ scenario: SCENARIO, workers: 1 });
    const shots = [shot('doomed', { duration: 3, fps: 24, width: 640, height: 360 })];
    const kills: number[] = [];
    let stop = false;
    const killEveryFrameStage = async () => {
      while (!stop) {
        const next = await chaos!.spawner.nextFfmpeg('frame segment', (s) => s.task.stage === 'frame_processing').catch(() => undefined);
        if (!next) return;
        if (stop) return;
        kills.push(monotonic());
        signal(next.worker.pid!, 'SIGKILL');
      }
    };
    void killEveryFrameStage();
    const [doomed] = (await chaos.send({ type: 'enqueue', project: project('doomed', shots) })) as Job[];
    await chaos.waitSettled([doomed!.id], 60_000);
    stop = true;
    withinBound(SCENARIO, 'third kill → job failed', monotonic() - kills[2]!, CRASH_GRACE_MS);

    expect(kills).toHaveLength(3);
    const [final] = expectQueueIntact(chaos, [doomed!], shots, ['failed']);
    expect(final!.error).toMatch(/worker \d+ exited \(code null, signal SIGKILL\) during frame_processing/);
    const stats = chaos.studio.circuitStats();
    // video_frame_processing opens at its 3rd failure, which is the 3rd crash; error_retry saw 2.
    expect(stats.video_frame_processing).toMatchObject({ state: 'open', stats: { total_requests: 3, failed_requests: 3, successful_requests: 0 } });
    expect(stats.error_retry).toMatchObject({ state: 'closed', stats: { total_requests: 2, failed_requests: 2 } });
    expect(stats.video_interpolation!.stats.total_requests).toBe(0);
    await chaos.close();
  });
});
