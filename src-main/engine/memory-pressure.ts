/**
 * What the engine gives up under memory pressure, for every render that has a resource monitor
 * (the studio host and the CLI's headless render alike).
 */
import type { RenderEngine } from './pipeline.ts';
import type { PressureEvent } from './resource-monitor.ts';
import type { WorkerPool } from './worker-pool.ts';

/**
 * Under memory pressure: one segment at a time and half the workers; both restored when it passes.
 * The engine says so in a `degradation` event.
 */
export function relieveMemoryPressure(engine: Pick<RenderEngine, 'setParallelism'>, pool: Pick<WorkerPool, 'resize'>, size: number) {
  return (pressure: PressureEvent) => {
    engine.setParallelism(pressure.under ? 1 : size, pressure.reason);
    pool.resize(pressure.under ? Math.max(1, Math.ceil(size / 2)) : size);
  };
}
