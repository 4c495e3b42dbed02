/**
 * A Studio as the coordinator of a test farm: its own coordinator (leaser and fleet) over the farm's
 * Redis, a data folder in the shared folder, three lanes, and a slow chunked shot (640x360 optical
 * flow cut into chunks of a couple of seconds each) to keep every node busy for a while.
 */
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { type FarmCoordinator, openFarmCoordinator } from '../../src-main/farm/coordinator.ts';
import { CHUNK_QUEUE } from '../../src-main/farm/farm-keys.ts';
import { Studio } from '../../src-main/host/studio.ts';
import { demoProjectPath, until } from '../host/helpers.ts';
import { type Farm, farmForSuite } from './farm-fixture.ts';
import { FAST_FARM, type NodeProcess } from './farm-nodes.ts';

export interface FleetStudio {
  studio: Studio;
  coordinator: FarmCoordinator;
  /** The coordinator's farm events. */
  events: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function openFleetStudio(farm: Farm, name: string, options: { quorum?: number } = {}): Promise<FleetStudio> {
  const events: Array<Record<string, unknown>> = [];
  const coordinator = await openFarmCoordinator({ url: farm.redis.url, shared: farm.shared, timings: { heartbeatMs: FAST_FARM.heartbeatMs }, log: (line) => events.push(JSON.parse(line) as Record<string, unknown>), ...options });
  const studio = await Studio.open({
    dataDir: join(farm.shared, name),
    demoProjectPath,
    workers: 3,
    leaser: (pool) => coordinator.leaser(pool),
    fleet: coordinator.fleet,
    retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
  });
  await until(() => coordinator.registry.capacity() === farm.nodes.length, 10_000, 'the Studio sees the nodes');
  // Chunks of about two seconds of real minterpolate each on this machine.
  for (const command of [
    { type: 'configureCircuit', circuit: 'video_interpolation', patch: { timeoutMs: 30_000, maxConcurrent: 3 } },
    { type: 'pinThroughput', key: { stage: 'interpolation', method: 'optical_flow', quality: 'draft' }, secondsPerMpf: 0.7 },
  ] as const) {
    const reply = await studio.execute(command, 'tester');
    if (!reply.ok) throw new Error(reply.error.message);
  }
  return { studio, coordinator, events, close: () => studio.close() };
}

export interface FleetSuite {
  farm: Farm;
  coordinator: FleetStudio;
  /** A client of the farm's Redis, and BullMQ's queue as a client sees it. */
  redis: Redis;
  queue: Queue;
}

/** A farm of these nodes and a Studio coordinating it, for the enclosing describe; the getter answers them. */
export function fleetStudioForSuite(nodes: string[], name: string): () => FleetSuite {
  const farmOf = farmForSuite({ nodes });
  let suite: FleetSuite | undefined;
  beforeAll(async () => {
    const farm = farmOf();
    const coordinator = await openFleetStudio(farm, name);
    suite = { farm, coordinator, redis: new Redis(farm.redis.url), queue: new Queue(CHUNK_QUEUE, { connection: new Redis(farm.redis.url, { maxRetriesPerRequest: null }) }) };
  }, 60_000);
  afterAll(async () => {
    await suite?.coordinator.close();
    await suite?.queue.close();
    suite?.redis.disconnect();
  }, 60_000);
  return () => suite!;
}

/** Enqueues one slow chunked shot as a job. */
/** Shots made so far: each gets its own keyframe seed, or the chunk store would hand it the last one's chunks and no node would run. */
let slowShots = 0;

export async function enqueueSlowShot(studio: Studio, id: string, seconds = 6): Promise<Job> {
  const seed = ++slowShots;
  const reply = await studio.execute(
    {
      type: 'enqueue',
      quality: 'draft',
      project: {
        version: 1,
        name: id,
        shots: [
          {
            id,
            duration: seconds,
            fps: 24,
            resolution: { width: 640, height: 360 },
            keyframes: [{ generator: 'mandelbrot', seed }, { generator: 'testsrc2' }],
            camera: { movement: 'zoom' },
            interpolation: { method: 'optical_flow', sourceFps: 12, transition: 'crossfade', transitionDuration: 0.5 },
          },
        ],
      },
    },
    'tester',
  );
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.result[0]!;
}

/** The ffmpeg pids a node reported for chunks it has not finished nor stopped. */
export function runningFfmpeg(node: NodeProcess): number[] {
  const ended = new Set(node.lines.filter((l) => l.type === 'done' || l.type === 'failed' || l.type === 'stopped').map((l) => l.chunk));
  return node.of('ffmpeg').filter((l) => !ended.has(l.chunk)).map((l) => l.pid!);
}
