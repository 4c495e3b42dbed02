/**
 * The circuit-breaker library: pure TypeScript, no Electron, no ffmpeg, no I/O.
 * Everything other rooms may use is exported here; the rest is internal.
 */
export { CircuitBreaker, type BreakerOptions } from './breaker.ts';
export { CircuitManager, type ManagerOptions } from './manager.ts';
export { type CircuitBreakerConfig, type ConfigPatch, ConfigSnapshotSchema, ConfigPatchSchema, InvalidConfigError } from './config.ts';
export { CircuitBreakerError, CircuitTimeoutError, EmergencyStopError } from './errors.ts';
export { TypedEmitter, rethrowLater } from './emitter.ts';
export { SEED_CIRCUITS, SEED_CIRCUIT_NAMES, type SeedCircuitName } from './seed.ts';
export { ManualScheduler, TimerScheduler, defaultScheduler, type Scheduler, type ScheduledTask } from './scheduler.ts';
export type {
  BreakerEvents,
  BreakerEventType,
  CallContext,
  CircuitEvent,
  CircuitState,
  CircuitStats,
  ConfigSnapshot,
  ExecuteOptions,
  Operation,
  RejectionReason,
  StateChangeEvent,
} from './types.ts';
