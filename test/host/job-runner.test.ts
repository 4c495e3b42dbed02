/**
 * RunningJob against a real queue (SQLite in a temp folder) and an engine stand-in the test drives
 * event by event, so the progress throttle's timing is the test's to decide.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src-main/engine/events.ts';
import { ShotSchema } from '../../src-main/engine/model.ts';
import type { RenderEngine, ShotResult } from '../../src-main/engine/pipeline.ts';
import { RunningJob } from '../../src-main/host/job-runner.ts';
import { openDatabase } from '../../src-main/queue/database.ts';
import { RenderQueue } from '../../src-main/queue/render-queue.ts';
import { cleanupAfterEach, tinyProject } from './helpers.ts';

const closeAfter = cleanupAfterEach();

/** A running job whose engine only does what the test tells it: send an event, finish. */
async function runJobByHand() {
  const dataDir = await mkdtemp(join(tmpdir(), 'storycore-runner-'));
  const queue = new RenderQueue(openDatabase(join(dataDir, 'studio.db')));
  closeAfter(async () => {
    queue.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const shot = ShotSchema.parse(tinyProject(['a']).shots[0]);
  const [queued] = queue.enqueue([{ projectName: 'p', shot, baseDir: null, quality: 'draft' }]);
  const job = queue.markRunning(queued!.id);
  let emit!: (event: EngineEvent) => void;
  let finish!: (result: ShotResult) => void;
  const engine: Pick<RenderEngine, 'renderShot'> = {
    renderShot: (_shot, options) => {
      emit = (event) => options.onEvent?.(event);
      return new Promise<ShotResult>((resolve) => (finish = resolve));
    },
  };
  const runner = new RunningJob(job, { shot, baseDir: null }, 'draft', { engine, queue, dataDir, jobChanged: () => {}, publish: () => {} });
  const progress = (shotPercent: number): EngineEvent => ({ type: 'progress', shotId: 'a', stage: 'frame_processing', percent: shotPercent, shotPercent, etaSeconds: null });
  const end = async () => {
    finish({ shotId: 'a', output: join(dataDir, 'renders', job.id, 'a.mp4'), sidecar: join(dataDir, 'renders', job.id, 'a.json'), verification: undefined, quality: undefined, elapsedMs: 1 });
    await runner.done;
  };
  return { queue, id: job.id, emit: (event: EngineEvent) => emit(event), progress, end };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RunningJob: progress written to the queue', () => {
  it('keeps writing progress after a stage change, at most every 250 ms', async () => {
    const { queue, id, emit, progress, end } = await runJobByHand();
    emit({ type: 'stage_started', shotId: 'a', stage: 'frame_processing', circuit: 'video_frame_processing', attempt: 1 });
    expect(queue.get(id)).toMatchObject({ stage: 'frame_processing', progress: 0 });

    // Within 250 ms of the stage's write: held back by the throttle.
    emit(progress(5));
    expect(queue.get(id)!.progress).toBe(0);

    // Past 250 ms: written. (The stage change once stamped its write with the wall clock while the
    // throttle compares monotonic times, so nothing more was written until the job ended.)
    await pause(300);
    emit(progress(20));
    expect(queue.get(id)!.progress).toBe(20);
    await pause(300);
    emit(progress(40));
    expect(queue.get(id)!.progress).toBe(40);
    await end();
  });
});
