/**
 * Renders a whole project headless (the CLI's `render`): one CircuitManager seeded with the seven
 * circuits, one worker pool, one resource monitor, every shot started at once and paced by the
 * circuits. Everything is written inside the output folder (scratch files are removed at the end),
 * except the chunk store, when one is named: finished chunks kept there for the next render.
 */
import { availableParallelism } from 'node:os';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CircuitEvent, CircuitStats, ConfigSnapshot, ManagerOptions } from '../breaker/index.ts';
import { ChaosPlan, type ChaosRule } from './chaos.ts';
import { ChunkStore } from './chunk-store/chunk-store.ts';
import { defaultStoreLimit } from './chunk-store/free-space.ts';
import { createEngineCircuits } from './circuits.ts';
import type { EngineEvent } from './events.ts';
import type { Quality } from './model.ts';
import { type ShotResult, RenderEngine } from './pipeline.ts';
import { relieveMemoryPressure } from './memory-pressure.ts';
import type { LoadedProject } from './project-io.ts';
import { ResourceMonitor } from './resource-monitor.ts';
import type { RetryPolicy } from './retry.ts';
import type { WorkerLeaser } from './worker-lease.ts';
import { WorkerPool } from './worker-pool.ts';

export interface CircuitOverride {
  circuit: string;
  patch: Partial<ConfigSnapshot>;
}

export interface RenderProjectOptions {
  outDir: string;
  quality?: Quality;
  overrides?: CircuitOverride[];
  chaos?: ChaosRule[];
  workers?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Engine events and circuit events, in the order they happen. */
  onEvent?: (event: RenderEvent) => void;
  /** For tests: the breaker clock, or a different worker source. */
  circuitOptions?: Omit<ManagerOptions, 'circuits'>;
  leaser?: WorkerLeaser;
  /** Where finished chunks are kept for the next render, and whether this one may reuse them (false: a full render, which still stores). */
  chunkStore?: { dir: string; reuse: boolean; transfer?: 'link' | 'copy' };
}

export type RenderEvent = EngineEvent | ({ source: 'circuit' } & CircuitEvent);

export interface ShotOutcome {
  shotId: string;
  status: 'done' | 'failed';
  output?: string;
  sidecar?: string;
  error?: string;
  result?: ShotResult;
}

export interface RenderSummary {
  ok: boolean;
  outDir: string;
  shots: ShotOutcome[];
  circuits: Record<string, CircuitStats>;
  elapsedMs: number;
}

export async function renderProject(loaded: LoadedProject, options: RenderProjectOptions): Promise<RenderSummary> {
  const started = Date.now();
  const startedMono = performance.now();
  const outDir = resolve(options.outDir);
  const workRoot = join(outDir, '.storycore-work', `${started}-${process.pid}`);
  const circuits = createEngineCircuits(options.circuitOptions);
  const emit = options.onEvent ?? (() => {});
  const unsubscribe = circuits.subscribe((event) => {
    if (event.type === 'state_change' || event.type === 'timeout' || event.type === 'config_change' || event.type === 'abandoned') emit({ source: 'circuit', ...event });
  });
  // Overrides are validated here, before any work starts: a bad one throws and nothing is written.
  try {
    for (const { circuit, patch } of options.overrides ?? []) circuits.configure(circuit, patch);
  } catch (error) {
    unsubscribe();
    throw error;
  }

  const size = options.workers ?? Math.max(1, Math.min(4, availableParallelism()));
  let chunkStore: ChunkStore | undefined;
  if (options.chunkStore) {
    await mkdir(options.chunkStore.dir, { recursive: true });
    const { dir, transfer } = options.chunkStore;
    chunkStore = await ChunkStore.open({ dir, limitBytes: defaultStoreLimit(dir), ...(transfer ? { transfer } : {}) });
  }
  // This run's chunks are held against eviction (by a render running beside it) until it ends.
  const owner = `cli-${process.pid}-${started}`;
  const pool = options.leaser ? undefined : new WorkerPool({ size });
  const engine = new RenderEngine({
    circuits,
    workers: options.leaser ?? pool!,
    chaos: new ChaosPlan(options.chaos),
    parallelism: size,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(chunkStore ? { chunkStore } : {}),
  });
  const offEngine = engine.onEvent(emit);
  const monitor = pool
    ? new ResourceMonitor({ breaker: circuits.getBreaker('resource_monitoring'), pids: () => ({ host: process.pid, ...pool.pids() }) })
    : undefined;
  if (pool) monitor?.on('pressure', relieveMemoryPressure(engine, pool, size));
  monitor?.start();
  // The breakers' timers never keep a process alive (a library must not); a render in progress
  // must, or a job waiting for a circuit's recovery would see the process exit under it.
  const keepAlive = setInterval(() => {}, 60_000);

  try {
    await mkdir(workRoot, { recursive: true });
    const { project } = loaded;
    const outcomes = await Promise.all(
      project.shots.map(async (shot): Promise<ShotOutcome> => {
        try {
          const result = await engine.renderShot(shot, {
            quality: options.quality ?? shot.quality ?? project.quality,
            outDir,
            workDir: join(workRoot, shot.id),
            resolveAsset: loaded.resolveAsset,
            ...(options.signal ? { signal: options.signal } : {}),
            onEvent: emit,
            ...(chunkStore ? { reuse: options.chunkStore!.reuse, storeOwner: owner } : {}),
          });
          return { shotId: shot.id, status: 'done', output: result.output, sidecar: result.sidecar, result };
        } catch (error) {
          return { shotId: shot.id, status: 'failed', error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    return { ok: outcomes.every((o) => o.status === 'done'), outDir, shots: outcomes, circuits: circuits.stats(), elapsedMs: Math.round(performance.now() - startedMono) };
  } finally {
    clearInterval(keepAlive);
    monitor?.stop();
    offEngine();
    unsubscribe();
    await pool?.close();
    chunkStore?.pins.unpin(owner);
    await chunkStore?.flush();
    await rm(workRoot, { recursive: true, force: true });
    // Leave no empty scratch folder behind either (rmdir refuses a folder another run still uses).
    await rmdir(join(outDir, '.storycore-work')).catch(() => {});
  }
}
