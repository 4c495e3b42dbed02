import type { CircuitBreakerConfig } from './config.ts';

/** The seven circuits of the product brief, with their default configs (ARCHITECTURE.md). */
export const SEED_CIRCUITS = {
  video_frame_processing: { failureThreshold: 3, recoveryTimeoutMs: 30_000, successThreshold: 2, timeoutMs: 60_000, maxConcurrent: 4 },
  video_interpolation: { failureThreshold: 5, recoveryTimeoutMs: 45_000, successThreshold: 3, timeoutMs: 120_000, maxConcurrent: 2 },
  video_export: { failureThreshold: 2, recoveryTimeoutMs: 60_000, successThreshold: 1, timeoutMs: 300_000, maxConcurrent: 1 },
  resource_monitoring: { failureThreshold: 5, recoveryTimeoutMs: 30_000, successThreshold: 3, timeoutMs: 10_000, maxConcurrent: 1 },
  parallel_processing: { failureThreshold: 3, recoveryTimeoutMs: 60_000, successThreshold: 2, timeoutMs: 180_000, maxConcurrent: 8 },
  error_retry: { failureThreshold: 5, recoveryTimeoutMs: 120_000, successThreshold: 2, timeoutMs: 30_000, maxConcurrent: 3 },
  error_fallback: { failureThreshold: 3, recoveryTimeoutMs: 60_000, successThreshold: 1, timeoutMs: 60_000, maxConcurrent: 2 },
} as const satisfies Record<string, CircuitBreakerConfig>;

export type SeedCircuitName = keyof typeof SEED_CIRCUITS;
export const SEED_CIRCUIT_NAMES = Object.keys(SEED_CIRCUITS) as SeedCircuitName[];
