/**
 * One farm for a test file: a private Redis, a shared folder, render node processes and an
 * in-process coordinator with its own small pool, all torn down together.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProject, type Shot } from '../../src-main/engine/model.ts';
import { WorkerPool } from '../../src-main/engine/worker-pool.ts';
import { type FarmCoordinator, openFarmCoordinator } from '../../src-main/farm/coordinator.ts';
import type { FarmLeaser } from '../../src-main/farm/farm-leaser.ts';
import { FAST_FARM, type NodeProcess, type NodeTimingArgs, startNode } from './farm-nodes.ts';
import { type TestRedis, startRedis } from './redis-harness.ts';

export interface Farm {
  redis: TestRedis;
  shared: string;
  nodes: NodeProcess[];
  coordinator: FarmCoordinator;
  pool: WorkerPool;
  leaser: FarmLeaser;
  /** The coordinator's farm events. */
  events: Array<Record<string, unknown>>;
  addNode(name: string, options?: { workers?: number; url?: string; env?: NodeJS.ProcessEnv }): Promise<NodeProcess>;
  /** Waits until the coordinator counts this many live nodes' workers. */
  untilCapacity(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openFarm(options: { nodes: string[]; workersPerNode?: number; localWorkers?: number; timings?: NodeTimingArgs }): Promise<Farm> {
  const timings = options.timings ?? FAST_FARM;
  const redis = await startRedis();
  const shared = await mkdtemp(join(tmpdir(), 'storycore-farm-'));
  const events: Array<Record<string, unknown>> = [];
  const coordinator = await openFarmCoordinator({ url: redis.url, shared, timings: { heartbeatMs: timings.heartbeatMs }, log: (line) => events.push(JSON.parse(line) as Record<string, unknown>) });
  const pool = new WorkerPool({ size: options.localWorkers ?? 1 });
  const leaser = coordinator.leaser(pool);
  const nodes: NodeProcess[] = [];
  const farm: Farm = {
    redis,
    shared,
    nodes,
    coordinator,
    pool,
    leaser,
    events,
    async addNode(name, over = {}) {
      const node = await startNode(over.url ?? redis.url, { name, workers: over.workers ?? options.workersPerNode ?? 1, shared, ...timings, ...(over.env ? { env: over.env } : {}) });
      nodes.push(node);
      return node;
    },
    async untilCapacity(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (coordinator.registry.capacity() !== n) {
        if (Date.now() > deadline) throw new Error(`the coordinator counts ${coordinator.registry.capacity()} workers on the farm, not ${n}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await Promise.all(nodes.map((n) => n.stop()));
      await leaser.close();
      await pool.close();
      await redis.stop();
      await rm(shared, { recursive: true, force: true });
    },
  };
  await Promise.all(options.nodes.map((name) => farm.addNode(name)));
  await farm.untilCapacity(options.nodes.length * (options.workersPerNode ?? 1));
  return farm;
}

/** A small shot (320x180, a few seconds, optical flow from 12 to 24 fps) that a short interpolation timeout cuts into chunks. */
export function chunkedShot(id: string, seconds = 3): Shot {
  return parseProject({
    version: 1,
    name: id,
    shots: [
      {
        id,
        duration: seconds,
        fps: 24,
        resolution: { width: 320, height: 180 },
        keyframes: [{ generator: 'mandelbrot' }, { generator: 'testsrc2' }],
        camera: { movement: 'zoom' },
        interpolation: { method: 'optical_flow', sourceFps: 12, transition: 'crossfade', transitionDuration: 0.5 },
      },
    ],
  }).shots[0]!;
}
