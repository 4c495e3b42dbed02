/**
 * Scenario 4: the disk "fills" during the export: workers run under RLIMIT_FSIZE, so the export's
 * encode hits the limit part-way through its file, as on a full disk (the intermediates are smaller
 * and pass).
 * Must hold: the export fails with a clear error, fast (no hang, no timeout needed); nothing is
 * marked done; the partial file is removed; the circuit counts each failed export.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { runFfmpeg } from '../../src-main/engine/ffmpeg.ts';
import { partialPath } from '../../src-main/engine/stages/common.ts';
import { StageError } from '../../src-main/engine/tasks.ts';
import { FileSizeLimitedSpawner, prlimitMissing } from './support/limited-spawner.ts';
import { isAlive } from './support/processes.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, expectQueueIntact, logLines, openChaosStudio } from './support/studio.ts';
import { monotonic, waitFor, withinBound } from './support/timing.ts';

const SCENARIO = '4 file-size limit';
/** Bytes any one file may grow to: above the intermediates (~1.5 MB), below the ProRes export (~5 MB). */
const LIMIT_BYTES = 3_000_000;
/** Two failed exports of a 3-second shot and their backoff, on a busy machine: not a hang. */
const FAIL_BOUND_MS = 20_000;

let chaos: ChaosStudio | undefined;
afterEach(async () => {
  await chaos?.dispose();
  chaos = undefined;
});

const missing = prlimitMissing();
if (missing) console.log(`[chaos] ${SCENARIO}: skipped: ${missing}`);

describe('chaos 4: a file-size limit (full disk) while exporting', () => {
  it.skipIf(missing !== null)('fails the export with a clear error, removes the partial file and marks nothing done', async () => {
    chaos = await openChaosStudio({
      scenario: SCENARIO,
      workers: 1,
      retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
      spawner: (env) => new FileSizeLimitedSpawner(LIMIT_BYTES, env),
    });
    const shots = [shot('too-big', { duration: 3, fps: 24, width: 640, height: 360, format: 'mov' })];
    const [job] = (await chaos.send({ type: 'enqueue', project: project('too-big', shots), quality: 'final' })) as Job[];
    const encode = await chaos.spawner.nextFfmpeg('export encode', (s) => s.task.stage === 'export');
    const startedAt = monotonic();
    await chaos.waitSettled([job!.id], FAIL_BOUND_MS + 10_000);
    withinBound(SCENARIO, 'first export started → job failed (2 attempts)', monotonic() - startedAt, FAIL_BOUND_MS);

    const [final] = expectQueueIntact(chaos, [job!], shots, ['failed']);
    console.log(`[chaos] ${SCENARIO}: the job's error: ${final!.error!.split('\n')[0]}`);
    expect(final!.error).toMatch(/export: ffmpeg was killed with signal SIGXFSZ/);
    expect(final!.error!.split('\n')[0]).toMatch(/reached the file-size limit: raise the limit \(ulimit -f\) or free disk space/);
    // The stream is flushed every 50 ms: the last attempt's line may trail the job's final state.
    await waitFor(() => logLines(chaos!.events).filter((l) => /export attempt \d failed \(ffmpeg_failed\)/.test(l)).length === 2, 2000, 'both failed attempts were reported');
    expect(existsSync(encode.task.output)).toBe(false);
    expect(existsSync(partialPath(encode.task.output))).toBe(false);
    expect(isAlive(encode.pid)).toBe(false);

    const stats = chaos.studio.circuitStats();
    // The intermediates were written; only the export hit the limit, twice, and opened its circuit.
    expect(stats.video_frame_processing).toMatchObject({ stats: { failed_requests: 0, successful_requests: 1 } });
    expect(stats.video_interpolation).toMatchObject({ stats: { failed_requests: 0, successful_requests: 1 } });
    expect(stats.video_export).toMatchObject({ state: 'open', stats: { total_requests: 2, failed_requests: 2, timeouts: 0, successful_requests: 0 } });
    await chaos.close();
  });

  it('a full disk (ENOSPC: writing to /dev/full, where ffmpeg itself exits 0) fails promptly with the code ffmpeg_failed, saying the disk is full', async () => {
    const startedAt = monotonic();
    const error = await runFfmpeg({
      stage: 'export',
      inputs: [{ lavfi: 'testsrc2=s=320x180:r=24:d=2' }],
      output: '/dev/full',
      outputOptions: ['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'matroska'],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    withinBound(SCENARIO, 'ENOSPC encode → failed', monotonic() - startedAt, 10_000);
    expect(error).toBeInstanceOf(StageError);
    expect((error as StageError).code).toBe('ffmpeg_failed');
    expect((error as StageError).message.split('\n')[0]).toMatch(/^export: ffmpeg exited with code 0 but could not finish writing its output \(the disk is full: free space on the output disk, then retry\)$/);
  });
});
