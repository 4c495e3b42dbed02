/**
 * Scenario 3: ffmpeg SIGKILLed mid-encode, while the export's partial file is being written.
 * Must hold: the attempt fails with the code ffmpeg_failed (not a hang, not a success); the partial
 * file is deleted and never reported as output; the retry produces a complete file; when every
 * encode dies the job fails cleanly with nothing at the output path; the circuit counts each death.
 */
import { existsSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { partialPath } from '../../src-main/engine/stages/common.ts';
import { isAlive, signal } from './support/processes.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, expectQueueIntact, logLines, openChaosStudio } from './support/studio.ts';
import { monotonic, waitFor, withinBound } from './support/timing.ts';
import type { SpawnedFfmpeg } from './support/watching-spawner.ts';

const SCENARIO = '3 ffmpeg dies mid-encode';
/** From the kill to the attempt's failure being reported with its partial file gone. */
const DEATH_GRACE_MS = 3000;

let chaos: ChaosStudio | undefined;
afterEach(async () => {
  await chaos?.dispose();
  chaos = undefined;
});

/** The export's encode: the first ffmpeg of an export task (the second one measures quality). */
const isEncode = (s: SpawnedFfmpeg) => s.task.stage === 'export' && s.task.ffmpeg.length === 1;

/** Waits until the encode has written part of its file, then SIGKILLs it; returns the kill time. */
async function killMidEncode(encode: SpawnedFfmpeg): Promise<{ killedAt: number; partial: string; bytes: number }> {
  const partial = partialPath(encode.task.output);
  await waitFor(() => existsSync(partial) && statSync(partial).size > 0, 30_000, 'the encode has written part of its file', 2);
  signal(encode.pid, 'SIGSTOP');
  const bytes = statSync(partial).size;
  signal(encode.pid, 'SIGKILL');
  return { killedAt: monotonic(), partial, bytes };
}

describe('chaos 3: ffmpeg dying mid-encode', () => {
  it('fails the attempt as ffmpeg_failed, deletes the partial file, and the retry exports a complete one', async () => {
    chaos = await openChaosStudio({ scenario: SCENARIO });
    // ProRes HQ at 640x360: an encode long enough to be caught writing.
    const shots = [shot('cut-short', { duration: 3, fps: 24, width: 640, height: 360, format: 'mov' })];
    const [job] = (await chaos.send({ type: 'enqueue', project: project('cut-short', shots), quality: 'final' })) as Job[];
    const encode = await chaos.spawner.nextFfmpeg('export encode', isEncode);
    const { killedAt, partial, bytes } = await killMidEncode(encode);
    expect(bytes).toBeGreaterThan(0);

    const failure = await waitFor(() => logLines(chaos!.events).find((l) => /export attempt 1 failed/.test(l)), DEATH_GRACE_MS + 2000, 'the failure was reported');
    expect(failure).toMatch(/\(ffmpeg_failed\): export: ffmpeg was killed with signal SIGKILL/);
    await waitFor(() => !existsSync(partial), DEATH_GRACE_MS, 'the partial file is deleted');
    withinBound(SCENARIO, 'kill → attempt failed, partial deleted', monotonic() - killedAt, DEATH_GRACE_MS);
    expect(isAlive(encode.pid)).toBe(false);

    await chaos.waitSettled([job!.id], 90_000);
    expectQueueIntact(chaos, [job!], shots, ['done']);
    const stats = chaos.studio.circuitStats();
    expect(stats.video_export).toMatchObject({ state: 'closed', stats: { total_requests: 2, failed_requests: 1, successful_requests: 1, timeouts: 0 } });
    expect(stats.error_retry).toMatchObject({ stats: { total_requests: 1, successful_requests: 1 } });
    await chaos.close();
  });

  it('every encode killed: the job fails cleanly, nothing at the output path, and video_export opens on its two failures', async () => {
    chaos = await openChaosStudio({ scenario: SCENARIO, workers: 1, retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 100 } });
    const shots = [shot('never', { duration: 3, fps: 24, width: 640, height: 360, format: 'mov' })];
    const [job] = (await chaos.send({ type: 'enqueue', project: project('never', shots), quality: 'final' })) as Job[];
    const first = await chaos.spawner.nextFfmpeg('export encode 1', isEncode);
    const output = first.task.output;
    await killMidEncode(first);
    const last = await killMidEncode(await chaos.spawner.nextFfmpeg('export encode 2', isEncode));
    await chaos.waitSettled([job!.id], 30_000);
    withinBound(SCENARIO, 'second kill → job failed', monotonic() - last.killedAt, DEATH_GRACE_MS);

    const [final] = expectQueueIntact(chaos, [job!], shots, ['failed']);
    expect(final!.error).toMatch(/export: ffmpeg was killed with signal SIGKILL/);
    expect(existsSync(output), 'nothing at the output path').toBe(false);
    expect(existsSync(last.partial), 'no partial file').toBe(false);
    const stats = chaos.studio.circuitStats();
    expect(stats.video_export).toMatchObject({ state: 'open', stats: { total_requests: 2, failed_requests: 2, successful_requests: 0 } });
    await chaos.close();
  });
});
