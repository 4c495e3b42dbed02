/**
 * The engine's circuits: the seven seed circuits, each told which errors are the circuit's business.
 * Rejections by another circuit, cancellation and invalid tasks say nothing about the guarded stage.
 */
import { type CircuitBreakerConfig, CircuitBreakerError, CircuitManager, type ManagerOptions, SEED_CIRCUITS, type SeedCircuitName } from '../breaker/index.ts';
import { StoppedError } from './admission.ts';
import { NodeFaultError } from './node-fault.ts';
import { StageError, type StageErrorCode } from './tasks.ts';

/**
 * The stage codes that say nothing about the stage's health: a stop asked for, or a task that was
 * wrong before it ran. Every other code counts, 'stalled' included: a hung ffmpeg is the engine's
 * fault, as a timeout is, whichever of the two noticed it first.
 */
const NOT_THE_STAGES_FAULT: readonly StageErrorCode[] = ['canceled', 'invalid_task'];

export function countsAgainstCircuit(error: unknown): boolean {
  if (error instanceof CircuitBreakerError || error instanceof StoppedError) return false;
  // One farm node's fault: its own circuit counted it (engine/node-fault.ts).
  if (error instanceof NodeFaultError) return false;
  if (error instanceof StageError) return !NOT_THE_STAGES_FAULT.includes(error.code);
  return true;
}

export function engineCircuitConfigs(): Record<SeedCircuitName, CircuitBreakerConfig> {
  const out = {} as Record<SeedCircuitName, CircuitBreakerConfig>;
  for (const [name, config] of Object.entries(SEED_CIRCUITS) as [SeedCircuitName, CircuitBreakerConfig][]) {
    out[name] = { ...config, isFailure: countsAgainstCircuit };
  }
  return out;
}

export function createEngineCircuits(options: Omit<ManagerOptions, 'circuits'> = {}): CircuitManager {
  return new CircuitManager({ ...options, circuits: engineCircuitConfigs() });
}
