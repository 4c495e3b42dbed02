/**
 * Scenario 2: a hung ffmpeg. Two real hangs: an ffmpeg frozen mid-interpolation (SIGSTOP: alive,
 * holding its files, doing nothing), and an ffmpeg blocked opening its input (a keyframe that has
 * become a FIFO nobody writes to, as a dead network mount would).
 * Must hold: the frozen ffmpeg makes no new frame, so the worker's stall watchdog ends it after its
 * stall window, long before the circuit's deadline, and it counts as a failure (not a timeout); the
 * blocked one runs with the default window, longer than its circuit's timeout, so the timeout ends
 * each attempt within timeout + grace and counts as a timeout and a failure. Either way its ffmpeg
 * is gone; the job completes on retry, or fails cleanly when every attempt hangs; the queue is intact.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { NodeWorkerSpawner } from '../../src-main/engine/worker-spawner.ts';
import { makeFifo } from '../fixtures/stage-tasks.ts';
import { StallWindowSpawner } from '../fixtures/stall-window-spawner.ts';
import { isAlive, signal } from './support/processes.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, expectQueueIntact, logLines, openChaosStudio } from './support/studio.ts';
import { monotonic, waitFor, withinBound } from './support/timing.ts';
import type { SpawnedFfmpeg } from './support/watching-spawner.ts';

const SCENARIO = '2 hung ffmpeg';
/** After the circuit's deadline: the worker's cancel, ffmpeg's SIGKILL and the pool's answer. */
const HANG_GRACE_MS = 3000;
/** After the stall window: the watchdog's timer, ffmpeg's SIGKILL and fluent's report of its exit. */
const STALL_GRACE_MS = 2000;

let chaos: ChaosStudio | undefined;
afterEach(async () => {
  await chaos?.dispose();
  chaos = undefined;
});

/** Polls a hung ffmpeg until it is gone; returns how long after its start that was. */
async function goneAfter(spawned: SpawnedFfmpeg, startedAt: number, limitMs: number): Promise<number> {
  await waitFor(() => !isAlive(spawned.pid), limitMs, `hung ffmpeg ${spawned.pid} is gone`, 10);
  return monotonic() - startedAt;
}

describe('chaos 2: a hung ffmpeg', () => {
  it('frozen mid-interpolation (SIGSTOP): the stall watchdog kills it long before its deadline, counts a failure, and the retry completes the shot', async () => {
    const STALL_MS = 2000;
    const TIMEOUT_MS = 15_000;
    chaos = await openChaosStudio({ scenario: SCENARIO, spawner: (env) => new StallWindowSpawner(new NodeWorkerSpawner({ env }), STALL_MS) });
    await chaos.send({ type: 'configureCircuit', circuit: 'video_interpolation', patch: { timeoutMs: TIMEOUT_MS } });
    const shots = [shot('frozen', { duration: 2, fps: 24, width: 320, height: 180 })];
    const [job] = (await chaos.send({ type: 'enqueue', project: project('frozen', shots) })) as Job[];
    const hung = await chaos.spawner.nextFfmpeg('interpolation', (s) => s.task.stage === 'interpolation');
    const startedAt = monotonic();
    signal(hung.pid, 'SIGSTOP');

    const ms = await goneAfter(hung, startedAt, TIMEOUT_MS + HANG_GRACE_MS);
    withinBound(SCENARIO, `SIGSTOPped ffmpeg gone by stall (window ${STALL_MS} ms, deadline ${TIMEOUT_MS} ms)`, ms, STALL_MS + STALL_GRACE_MS);
    // Frozen at its start, so a whole window passes first (the window counts from ffmpeg's start).
    expect(ms, 'not ended before its stall window').toBeGreaterThanOrEqual(STALL_MS - 250);
    const failed = await waitFor(() => logLines(chaos!.events).find((l) => /interpolation attempt 1 failed \(stalled\)/.test(l)), 2000, 'the stall was reported');
    expect(failed).toMatch(/ffmpeg made no progress for [\d.]+ s \(frame \d+ of 48\): killed as hung/);

    await chaos.waitSettled([job!.id], 60_000);
    expectQueueIntact(chaos, [job!], shots, ['done']);
    // The trace keeps the stalled attempt, with the killed ffmpeg's log tail, then the retry that worked.
    const trace = chaos.studio.queue.getTrace(job!.id) as { attempts: { stage: string; outcome: string; error?: string; ffmpegLog?: unknown[] }[] };
    const interpolation = trace.attempts.filter((a) => a.stage === 'interpolation');
    expect(interpolation).toMatchObject([{ outcome: 'failed', error: expect.stringMatching(/killed as hung/) }, { outcome: 'ok' }]);
    expect(interpolation[0]!.ffmpegLog).toHaveLength(1);
    const stats = chaos.studio.circuitStats();
    // A failure of the stage, not a timeout: the deadline never came.
    expect(stats.video_interpolation).toMatchObject({ state: 'closed', stats: { total_requests: 2, failed_requests: 1, successful_requests: 1, timeouts: 0 } });
    expect(stats.error_retry).toMatchObject({ stats: { successful_requests: 1, failed_requests: 0 } });
    // The worker itself was fine: its watchdog killed its ffmpeg, and it was kept.
    expect(chaos.spawner.workers.filter((w) => w.exit !== undefined)).toEqual([]);
    await chaos.close();
  });

  it('blocked on its input (a keyframe turned FIFO): every attempt times out and is killed; the job fails cleanly and the circuit opens', async () => {
    const TIMEOUT_MS = 2500;
    chaos = await openChaosStudio({ scenario: SCENARIO, workers: 1 });
    await chaos.send({ type: 'configureCircuit', circuit: 'video_frame_processing', patch: { timeoutMs: TIMEOUT_MS } });
    // A real project with an image keyframe; the image is swapped for a FIFO after it was checked.
    const folder = join(chaos.dataDir, 'project');
    mkdirSync(folder);
    const image = join(folder, 'key.png');
    expect(spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1', image]).status).toBe(0);
    const shots = [{ ...shot('blocked', { duration: 1, fps: 12, width: 320, height: 180 }), keyframes: [{ image: 'key.png' }] }];
    writeFileSync(join(folder, 'project.json'), JSON.stringify(project('blocked', shots as never)));
    await chaos.send({ type: 'pauseQueue' });
    const [job] = (await chaos.send({ type: 'enqueue', projectPath: join(folder, 'project.json') })) as Job[];
    rmSync(image);
    makeFifo(image);

    const attempts: number[] = [];
    const watchAll = (async () => {
      for (let i = 0; i < 3; i++) {
        const hung = await chaos!.spawner.nextFfmpeg(`frame attempt ${i + 1}`, (s) => s.task.stage === 'frame_processing', 60_000);
        const startedAt = monotonic();
        attempts.push(await goneAfter(hung, startedAt, TIMEOUT_MS + HANG_GRACE_MS + 5000));
      }
    })();
    await chaos.send({ type: 'resumeQueue' });
    await watchAll;
    attempts.forEach((ms, i) => withinBound(SCENARIO, `FIFO-blocked ffmpeg, attempt ${i + 1}, gone (timeout ${TIMEOUT_MS} ms)`, ms, TIMEOUT_MS + HANG_GRACE_MS));
    await chaos.waitSettled([job!.id], 20_000);

    const [final] = expectQueueIntact(chaos, [job!], shots as never, ['failed']);
    expect(final!.error).toMatch(/video_frame_processing" timed out the call after 2500 ms/);
    const stats = chaos.studio.circuitStats();
    expect(stats.video_frame_processing).toMatchObject({ state: 'open', stats: { total_requests: 3, failed_requests: 3, timeouts: 3, successful_requests: 0 } });
    expect(stats.error_retry).toMatchObject({ stats: { total_requests: 2, failed_requests: 2 } });
    rmSync(image);
    await chaos.close();
  });
});
