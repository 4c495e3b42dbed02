/**
 * One emergency stop for the fleet: a Studio coordinating three node processes over a real Redis.
 * The stop reaches every node (the latched key with its epoch, BullMQ's pause, the broadcast): every
 * running ffmpeg is gone within a second, every circuit of every node forced open, the job back in
 * the queue, the nodes' acknowledgements audited; reset re-arms and starts nothing; resume finishes
 * the work. A stale resume (an older epoch, from another coordinator or an operator who looked too
 * early) does not undo a newer stop.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src-main/engine/process-liveness.ts';
import { farmKeys } from '../../src-main/farm/farm-keys.ts';
import { probe } from '../../src-main/engine/ffprobe.ts';
import { until } from '../host/helpers.ts';
import type { Farm } from './farm-fixture.ts';
import { type FleetStudio, enqueueSlowShot, fleetStudioForSuite, runningFfmpeg } from './fleet-studio.ts';
import { skipWithoutRedis } from './redis-harness.ts';

const SLOW = 240_000;
const skip = skipWithoutRedis('fleet-stop');
const NODES = ['alpha', 'beta', 'gamma'];

describe.skipIf(skip)("the fleet's emergency stop", () => {
  const suiteOf = fleetStudioForSuite(NODES, 'studio-stop');
  let farm: Farm;
  let coordinator: FleetStudio;
  let redis: Redis;
  let queue: Queue;
  beforeAll(() => {
    ({ farm, coordinator, redis, queue } = suiteOf());
  });

  const audits = (action: string) => coordinator.studio.snapshot().audit.filter((e) => e.action === action);
  const fleet = async () => {
    const reply = await coordinator.studio.execute({ type: 'fleet' }, 'tester');
    if (!reply.ok || !reply.result) throw new Error('no fleet view');
    return reply.result;
  };

  it(
    'kills every node\'s ffmpeg within a second, forces every circuit open, requeues the job, audits the acks; reset starts nothing; resume finishes',
    async () => {
      const { studio } = coordinator;
      const job = await enqueueSlowShot(studio, 'stopped', 8);
      await until(() => farm.nodes.every((n) => runningFfmpeg(n).length > 0), 120_000, 'every node runs an ffmpeg');
      const pids = farm.nodes.flatMap(runningFfmpeg);

      const started = performance.now();
      const reply = await studio.execute({ type: 'emergencyStop', reason: 'fleet drill' }, 'operator');
      expect(reply.ok).toBe(true);
      await until(() => pids.every((pid) => !isAlive(pid)), 5000, `every ffmpeg is gone (alive: ${pids.filter(isAlive).join(', ')})`);
      const elapsedMs = performance.now() - started;
      console.log(`[fleet-stop] ${pids.length} ffmpeg on ${farm.nodes.length} nodes gone ${Math.round(elapsedMs)} ms after the stop`);
      expect(elapsedMs).toBeLessThan(1000);

      // Every circuit of every node forced open (their heartbeats say so), the latch in Redis, BullMQ paused.
      await until(() => coordinator.coordinator.registry.live().every((n) => Object.keys(n.circuits).length === 7 && Object.values(n.circuits).every((s) => s === 'forced_open')), 5000, 'every node reports every circuit forced open');
      const latch = JSON.parse((await redis.get(farmKeys.stop))!) as { epoch: number; phase: string };
      expect(latch).toMatchObject({ phase: 'stopped', reason: 'fleet drill' });
      expect(await queue.isPaused()).toBe(true);
      await until(() => studio.queue.get(job.id)!.status === 'queued', 10_000, 'the job is back in the queue');
      const acked = await until(() => audits('fleet_acknowledged').find((e) => e.detail.phase === 'stopped' && e.detail.epoch === latch.epoch), 10_000, 'the acks are audited');
      expect(acked.detail).toMatchObject({ nodes: NODES, missing: [] });
      expect((await fleet()).stop).toMatchObject({ epoch: latch.epoch, phase: 'stopped', acked: NODES, missing: [] });

      // Reset re-arms every node's circuits and starts nothing.
      const takenBefore = farm.nodes.map((n) => n.of('taken').length);
      expect((await studio.execute({ type: 'reset', reason: 'drill over', epoch: latch.epoch }, 'operator')).ok).toBe(true);
      await until(() => audits('fleet_acknowledged').some((e) => e.detail.phase === 'reset' && e.detail.epoch === latch.epoch), 10_000, 'the reset is acknowledged');
      await until(() => coordinator.coordinator.registry.live().every((n) => Object.keys(n.circuits).length === 0), 5000, 'every node re-armed');
      await new Promise((r) => setTimeout(r, 1500));
      expect(farm.nodes.map((n) => n.of('taken').length)).toEqual(takenBefore);
      expect(studio.queue.get(job.id)!.status).toBe('queued');
      expect(await queue.isPaused()).toBe(true);

      // Resume finishes the work.
      expect((await studio.execute({ type: 'resume', epoch: latch.epoch }, 'operator')).ok).toBe(true);
      await until(() => ['done', 'failed'].includes(studio.queue.get(job.id)!.status), SLOW - 60_000, 'the job ends');
      const done = studio.queue.get(job.id)!;
      expect(done.status, done.error ?? '').toBe('done');
      expect((await probe(done.output!)).frames).toBe(192);
      expect(await queue.isPaused()).toBe(false);
    },
    SLOW,
  );

  it(
    'keeps a newer stop when a stale resume (an older epoch) comes after it',
    async () => {
      const { studio } = coordinator;
      expect((await studio.execute({ type: 'emergencyStop', reason: 'first' }, 'operator')).ok).toBe(true);
      const first = (await fleet()).stop!.epoch;
      expect((await studio.execute({ type: 'reset', epoch: first }, 'operator')).ok).toBe(true);
      expect((await studio.execute({ type: 'emergencyStop', reason: 'second' }, 'operator')).ok).toBe(true);
      const second = (await fleet()).stop!.epoch;
      expect(second).toBeGreaterThan(first);

      // The host refuses a reset or resume that answers the first stop…
      const stale = await studio.execute({ type: 'reset', epoch: first }, 'operator');
      expect(stale.ok ? null : stale.error.code).toBe('conflict');
      // …and Redis refuses it from another coordinator (the fixture's, which has no host of its own).
      await farm.coordinator.fleet.apply({ epoch: first, phase: 'running', scope: 'immediate', reason: 'stale', at: Date.now() });
      expect(JSON.parse((await redis.get(farmKeys.stop))!)).toMatchObject({ epoch: second, phase: 'stopped', reason: 'second' });
      expect(await queue.isPaused()).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
      expect(coordinator.coordinator.registry.live().every((n) => n.circuits.video_interpolation === 'forced_open')).toBe(true);

      // The newer stop's own reset and resume still work.
      expect((await studio.execute({ type: 'reset', epoch: second }, 'operator')).ok).toBe(true);
      expect((await studio.execute({ type: 'resume', epoch: second }, 'operator')).ok).toBe(true);
      await until(() => coordinator.coordinator.fleet.view().stop?.phase === 'running', 5000, 'the fleet runs again');
    },
    SLOW,
  );
});
