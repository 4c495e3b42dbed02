/**
 * One farm for a test file: a private Redis, a shared folder, render node processes and an
 * in-process coordinator with its own small pool, all torn down together.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { CircuitManager } from '../../src-main/breaker/index.ts';
import { ThroughputLearner } from '../../src-main/engine/chunks/throughput-learner.ts';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import { parseProject, type Shot } from '../../src-main/engine/model.ts';
import { RenderEngine } from '../../src-main/engine/pipeline.ts';
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
  addNode(name: string, options?: { workers?: number; url?: string; env?: NodeJS.ProcessEnv; args?: string[] }): Promise<NodeProcess>;
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
      const node = await startNode(over.url ?? redis.url, { name, workers: over.workers ?? options.workersPerNode ?? 1, shared, ...timings, ...(over.env ? { env: over.env } : {}), ...(over.args ? { args: over.args } : {}) });
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

/** One farm for the enclosing describe: opened before its tests, closed after; the getter answers it. */
export function farmForSuite(options: Parameters<typeof openFarm>[0]): () => Farm {
  let farm: Farm | undefined;
  beforeAll(async () => {
    farm = await openFarm(options);
  }, 60_000);
  afterAll(async () => farm?.close(), 60_000);
  return () => farm!;
}

/**
 * A small shot (320x180 by default, a few seconds, optical flow from 12 to 24 fps) that a short
 * interpolation timeout cuts into chunks; at 640x360 each chunk takes a couple of seconds of real
 * minterpolate, time enough to do something to its node in the middle.
 */
export function chunkedShot(id: string, options: { seconds?: number; width?: number; height?: number } = {}): Shot {
  return parseProject({
    version: 1,
    name: id,
    shots: [
      {
        id,
        duration: options.seconds ?? 3,
        fps: 24,
        resolution: { width: options.width ?? 320, height: options.height ?? 180 },
        keyframes: [{ generator: 'mandelbrot' }, { generator: 'testsrc2' }],
        camera: { movement: 'zoom' },
        interpolation: { method: 'optical_flow', sourceFps: 12, transition: 'crossfade', transitionDuration: 0.5 },
      },
    ],
  }).shots[0]!;
}

export interface FarmEngineOptions {
  /** The interpolation circuit's timeout, which (with the pinned figure) decides the chunks. */
  timeoutMs?: number;
  /** The pinned optical-flow figure, seconds per megapixel-frame: slower means smaller chunks. */
  secondsPerMpf?: number;
  lanes?: number;
  maxAttempts?: number;
  /** Circuit settings on the coordinator besides the stages' concurrency. */
  configure?: (circuits: CircuitManager) => void;
}

/** A coordinator's engine over the farm's leaser, its stages as wide as the lanes. */
export function farmEngine(farm: Farm, options: FarmEngineOptions = {}): RenderEngine {
  const lanes = options.lanes ?? 3;
  const circuits = createEngineCircuits();
  circuits.configure('video_interpolation', { timeoutMs: options.timeoutMs ?? 8000, maxConcurrent: lanes });
  circuits.configure('video_frame_processing', { maxConcurrent: lanes });
  options.configure?.(circuits);
  const throughput = new ThroughputLearner();
  throughput.pin({ stage: 'interpolation', method: 'optical_flow', quality: 'draft' }, options.secondsPerMpf ?? 2);
  return new RenderEngine({ circuits, workers: farm.leaser, throughput, parallelism: lanes, retry: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 20, maxDelayMs: 100 } });
}

/** Renders a shot at draft quality into the shared folder. */
export function renderOnFarm(farm: Farm, engine: RenderEngine, shot: Shot) {
  return engine.renderShot(shot, { quality: 'draft', outDir: join(farm.shared, shot.id), workDir: join(farm.shared, 'work', shot.id), resolveAsset: (p) => join(farm.shared, p) });
}
