/**
 * Found while flooding (scenario 7): the host closed while a circuit was open, and the circuit's
 * recovery, due after the close, still reached the host. Closing mid-fault must leave nothing
 * behind that can fire later: no write to the closed database, no uncaught exception.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, openChaosStudio } from './support/studio.ts';
import { sleep } from './support/timing.ts';

let chaos: ChaosStudio | undefined;
afterEach(async () => {
  await chaos?.dispose();
  chaos = undefined;
});

describe('closing the host mid-fault', () => {
  it('an open circuit that recovers after the host closed writes nothing and throws nothing', async () => {
    const uncaught: unknown[] = [];
    const onError = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onError);
    try {
      chaos = await openChaosStudio({ scenario: 'close mid-fault', workers: 1, retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
      await chaos.send({ type: 'configureCircuit', circuit: 'video_frame_processing', patch: { failureThreshold: 1, recoveryTimeoutMs: 500 } });
      await chaos.send({ type: 'setChaos', rules: [{ stage: 'frame_processing', mode: 'fail' }] });
      const [job] = (await chaos.send({ type: 'enqueue', project: project('mid-fault', [shot('fails', { duration: 1, fps: 12, width: 160, height: 90 })]) })) as Job[];
      await chaos.waitSettled([job!.id], 60_000);
      expect(chaos.studio.circuitStats().video_frame_processing!.state).toBe('open');
      await chaos.close();
      // The recovery (open → half-open) falls due 500 ms after the failure, after the close.
      await sleep(1000);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
