/**
 * Scenario 2: a hung ffmpeg. Two real hangs: an ffmpeg frozen mid-interpolation (SIGSTOP: alive,
 * holding its files, doing nothing), and an ffmpeg blocked opening its input (a keyframe that has
 * become a FIFO nobody writes to, as a dead network mount would).
 * Must hold: the circuit's timeout ends each hung attempt within timeout + grace and its ffmpeg is
 * gone; a timeout is counted as a timeout and a failure; the job completes on retry, or fails
 * cleanly when every attempt hangs; the queue is intact.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { isAlive, signal } from './support/processes.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, expectQueueIntact, logLines, openChaosStudio } from './support/studio.ts';
import { monotonic, waitFor, withinBound } from './support/timing.ts';
import type { SpawnedFfmpeg } from './support/watching-spawner.ts';

const SCENARIO = '2 hung ffmpeg';
/** After the circuit's deadline: the worker's cancel, ffmpeg's SIGKILL and the pool's answer. */
const HANG_GRACE_MS = 3000;

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
  it('frozen mid-interpolation (SIGSTOP): the timeout kills it, counts a timeout, and the retry completes the shot', async () => {
    const TIMEOUT_MS = 4000;
    chaos = await openChaosStudio({ scenario: SCENARIO });
    await chaos.send({ type: 'configureCircuit', circuit: 'video_interpolation', patch: { timeoutMs: TIMEOUT_MS } });
    const shots = [shot('frozen', { duration: 2, fps: 24, width: 320, height: 180 })];
    const [job] = (await chaos.send({ type: 'enqueue', project: project('frozen', shots) })) as Job[];
    const hung = await chaos.spawner.nextFfmpeg('interpolation', (s) => s.task.stage === 'interpolation');
    const startedAt = monotonic();
    signal(hung.pid, 'SIGSTOP');

    const ms = await goneAfter(hung, startedAt, TIMEOUT_MS + HANG_GRACE_MS + 5000);
    withinBound(SCENARIO, `SIGSTOPped ffmpeg gone (timeout ${TIMEOUT_MS} ms)`, ms, TIMEOUT_MS + HANG_GRACE_MS);
    // Timed from the ffmpeg's start, which comes a little after the circuit's call began.
    expect(ms, 'not ended long before its timeout').toBeGreaterThanOrEqual(TIMEOUT_MS / 2);
    await waitFor(() => logLines(chaos!.events).find((l) => /interpolation attempt 1 failed \(timeout\)/.test(l)), 2000, 'the timeout was reported');

    await chaos.waitSettled([job!.id], 60_000);
    expectQueueIntact(chaos, [job!], shots, ['done']);
    const stats = chaos.studio.circuitStats();
    expect(stats.video_interpolation).toMatchObject({ state: 'closed', stats: { total_requests: 2, failed_requests: 1, successful_requests: 1, timeouts: 1 } });
    expect(stats.error_retry).toMatchObject({ stats: { successful_requests: 1, failed_requests: 0 } });
    // The worker itself was fine: it killed its ffmpeg when told, and was kept.
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
    expect(spawnSync('mkfifo', [image]).status).toBe(0);

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
