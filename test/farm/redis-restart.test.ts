/**
 * Redis restarted mid-render (redis-server stopped and started again on the same port, with no
 * persistence: it comes back empty). Nothing is lost: the studio's record is SQLite, the chunks in
 * flight are put back by the engine and finish; and a latched stop stays latched: the coordinator
 * asserts its record into the empty Redis again (latch, BullMQ's pause), the nodes keep their
 * circuits forced open and acknowledge again; reset and resume then finish the job.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/ffprobe.ts';
import { farmKeys } from '../../src-main/farm/farm-keys.ts';
import { until } from '../host/helpers.ts';
import type { Farm } from './farm-fixture.ts';
import { type FleetStudio, enqueueSlowShot, fleetStudioForSuite, runningFfmpeg } from './fleet-studio.ts';
import { skipWithoutRedis } from './redis-harness.ts';

const SLOW = 300_000;
const skip = skipWithoutRedis('redis-restart');

describe.skipIf(skip)('Redis restarted mid-render', () => {
  const suiteOf = fleetStudioForSuite(['alpha', 'beta', 'gamma'], 'studio-restart');
  let farm: Farm;
  let coordinator: FleetStudio;
  let redis: Redis;
  let queue: Queue;
  beforeAll(() => {
    ({ farm, coordinator, redis, queue } = suiteOf());
  });

  const endOf = async (jobId: string) => {
    const { studio } = coordinator;
    await until(() => ['done', 'failed'].includes(studio.queue.get(jobId)!.status), SLOW - 90_000, 'the job ends');
    return studio.queue.get(jobId)!;
  };

  it(
    'loses no job: the chunks in flight are put back and the job completes',
    async () => {
      const job = await enqueueSlowShot(coordinator.studio, 'restarted', 6);
      await until(() => farm.nodes.some((n) => runningFfmpeg(n).length > 0), 120_000, 'a node runs an ffmpeg');
      await farm.redis.restart();
      const done = await endOf(job.id);
      expect(done.status, done.error ?? '').toBe('done');
      expect((await probe(done.output!)).frames).toBe(144);
    },
    SLOW,
  );

  it(
    'keeps a latched stop latched: asserted again into the empty Redis, nodes still stopped; reset and resume finish the job',
    async () => {
      const { studio } = coordinator;
      const job = await enqueueSlowShot(studio, 'latched', 6);
      await until(() => farm.nodes.some((n) => runningFfmpeg(n).length > 0), 120_000, 'a node runs an ffmpeg');
      expect((await studio.execute({ type: 'emergencyStop', reason: 'before the restart' }, 'operator')).ok).toBe(true);
      const epoch = coordinator.coordinator.fleet.view().stop!.epoch;
      await until(() => studio.queue.get(job.id)!.status === 'queued', 10_000, 'the job is back in the queue');

      const seen = coordinator.events.length;
      await farm.redis.restart();
      // The coordinator asserts its record again: the latch, BullMQ's pause; every node acknowledges again.
      await until(() => coordinator.events.slice(seen).some((e) => e.type === 'stop_asserted' && e.why === 'Redis is back' && e.phase === 'stopped'), 20_000, 'the stop is asserted again');
      expect(JSON.parse((await redis.get(farmKeys.stop))!)).toMatchObject({ epoch, phase: 'stopped', reason: 'before the restart' });
      expect(await queue.isPaused()).toBe(true);
      const acked = async () => Object.keys(await redis.hgetall(farmKeys.stopAcks)).sort().join(',');
      const deadline = Date.now() + 20_000;
      while ((await acked()) !== 'alpha,beta,gamma' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await acked()).toBe('alpha,beta,gamma');
      await until(() => coordinator.coordinator.registry.live().length === 3 && coordinator.coordinator.registry.live().every((n) => n.circuits.video_interpolation === 'forced_open'), 20_000, 'every node is still stopped');
      const taken = farm.nodes.map((n) => n.of('taken').length);
      await new Promise((r) => setTimeout(r, 1500));
      expect(farm.nodes.map((n) => n.of('taken').length)).toEqual(taken);
      expect(studio.queue.get(job.id)!.status).toBe('queued');

      expect((await studio.execute({ type: 'reset', epoch }, 'operator')).ok).toBe(true);
      expect((await studio.execute({ type: 'resume', epoch }, 'operator')).ok).toBe(true);
      const done = await endOf(job.id);
      expect(done.status, done.error ?? '').toBe('done');
      expect((await probe(done.output!)).frames).toBe(144);
    },
    SLOW,
  );
});
