/**
 * Calls starting and callers cancelling emit no breaker event (that would be one per call), so the
 * circuits' in-flight and canceled counts are swept twice a second and reported when they moved.
 */
import type { CircuitManager } from '../breaker/index.ts';

const SWEEP_MS = 500;

/** Calls `moved(circuit)` for each circuit whose load changed since the last sweep; returns the stop. */
export function sweepCircuitLoad(circuits: CircuitManager, moved: (circuit: string) => void): () => void {
  const lastLoad = new Map<string, string>();
  const timer = setInterval(() => {
    for (const name of circuits.names()) {
      const { stats } = circuits.getBreaker(name).stats();
      const load = `${stats.concurrent_requests}/${stats.canceled}`;
      if (lastLoad.get(name) !== load) {
        lastLoad.set(name, load);
        moved(name);
      }
    }
  }, SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
