/**
 * A stage's fan-out: its parts (segments, chunks) run at most `limit` at once, in lanes that take
 * the next part as they free. The parallel_processing circuit guards each fan-out with one call: it
 * decides whether the parts may run in parallel, and the fan-out's outcome is recorded on it
 * (recordOutcome) once the parts have ended. Its timeout does not cap the parts, each of which has
 * its own deadline under its stage's circuit. When it refuses, the parts run one at a time.
 */
import type { CallContext, CircuitManager } from '../breaker/index.ts';
import { isRejection, StoppedError } from './admission.ts';
import { anySignal } from './retry.ts';
import type { ShotRun } from './shot-run.ts';
import type { StageName } from './tasks.ts';

export interface FanOut<T, R> {
  run: ShotRun;
  circuits: CircuitManager;
  stage: StageName;
  items: readonly T[];
  /** Most parts at once when parallel. */
  limit: number;
  signal: AbortSignal;
  work: (item: T, index: number, signal: AbortSignal) => Promise<R>;
}

export async function fanOut<T, R>(fan: FanOut<T, R>): Promise<R[]> {
  const parallel = fan.circuits.getBreaker('parallel_processing');
  let admitted: CallContext | undefined;
  try {
    await parallel.execute((ctx) => void (admitted = ctx), { signal: fan.signal, outcome: 'recorded_later' });
  } catch (error) {
    if (!isRejection(error) || error.reason === 'forced_open') throw error;
    fan.run.degrade('fan_out', fan.stage, 'parallel', 'sequential', `parallel_processing circuit rejected the fan-out (${error.reason})`);
    fan.run.trace.fanOut = 'sequential';
    return inLanes(fan, 1);
  }
  try {
    const outputs = await inLanes(fan, fan.limit);
    parallel.recordOutcome(admitted!, true);
    return outputs;
  } catch (error) {
    if (!fan.signal.aborted) parallel.recordOutcome(admitted!, false, error);
    throw error;
  }
}

/**
 * Runs every part, at most `limit` at once; on the first failure aborts the rest and waits for them.
 * A stop is not such a failure: after an emergency stop "after current" (circuits forced open, no
 * abort) each lane finishes the part it runs, which the chunk store keeps, and starts no other.
 */
async function inLanes<T, R>(fan: FanOut<T, R>, limit: number): Promise<R[]> {
  const stop = new AbortController();
  const linked = anySignal(fan.signal, stop.signal);
  const outputs: R[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < fan.items.length && !failure) {
      const index = next++;
      try {
        outputs[index] = await fan.work(fan.items[index]!, index, linked);
      } catch (error) {
        failure ??= { error };
        if (!(error instanceof StoppedError)) stop.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, fan.items.length)) }, lane));
  if (failure) throw failure.error;
  return outputs;
}
