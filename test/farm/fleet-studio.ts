/**
 * A Studio as the coordinator of a test farm: its own coordinator (leaser and fleet) over the farm's
 * Redis, a data folder in the shared folder, three lanes, and a slow chunked shot (640x360 optical
 * flow cut into chunks of a couple of seconds each) to keep every node busy for a while.
 */
import { join } from 'node:path';
import type { Job } from '../../src-preload/contract.ts';
import { type FarmCoordinator, openFarmCoordinator } from '../../src-main/farm/coordinator.ts';
import { Studio } from '../../src-main/host/studio.ts';
import { demoProjectPath, until } from '../host/helpers.ts';
import type { Farm } from './farm-fixture.ts';
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

/** Enqueues one slow chunked shot as a job. */
export async function enqueueSlowShot(studio: Studio, id: string, seconds = 6): Promise<Job> {
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
            keyframes: [{ generator: 'mandelbrot' }, { generator: 'testsrc2' }],
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
