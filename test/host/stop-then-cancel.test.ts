// A cancel that lands while an emergency-stopped run is still being put away (its partial files
// deleted, then back in the queue) once killed the host: requeue threw "job … is canceled" out of
// the runner as an unhandled rejection. Found by bench/farm; here on the embedded studio.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { studioPerTest, until } from './helpers.ts';

const { setup } = studioPerTest();

const project = {
  version: 1 as const,
  name: 'stop-then-cancel',
  shots: [{ id: 'long', duration: 6, fps: 24, resolution: { width: 640, height: 360 }, keyframes: [{ generator: 'testsrc2' as const }], camera: { movement: 'zoom' as const }, interpolation: { method: 'optical_flow' as const, sourceFps: 12 } }],
};

describe('a cancel right after an emergency stop', () => {
  it('leaves the job canceled and the host answering', async () => {
    const { send, job, studio } = await setup();
    const [queued] = (await send({ type: 'enqueue', project, quality: 'draft' })) as Job[];
    await until(() => job(queued!.id).status === 'running', 60_000, 'the job runs');
    // Both sent at once: the cancel reaches the job while its stopped run is still unwinding.
    const [stopped, canceled] = await Promise.all([studio.execute({ type: 'emergencyStop', reason: 'stop' }, 'tester'), studio.execute({ type: 'cancel', jobId: queued!.id }, 'tester')]);
    expect(stopped.ok).toBe(true);
    expect(canceled.ok, canceled.ok ? '' : canceled.error.message).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(job(queued!.id).status).toBe('canceled');
    expect((await studio.execute({ type: 'snapshot' }, 'tester')).ok).toBe(true);
  }, 120_000);
});
