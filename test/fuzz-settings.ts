/**
 * The fuzz tests' run settings, from the environment: FUZZ_RUNS multiplies every property's run
 * count (1 by default, so `npm test` stays quick), FUZZ_SEED replays a run fast-check reported.
 */
import type fc from 'fast-check';

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) || 1;

/** fast-check parameters for a property that runs `numRuns` times at FUZZ_RUNS=1. */
export function fuzzParams(numRuns: number): fc.Parameters<unknown> {
  return { numRuns: numRuns * FUZZ_RUNS, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) };
}
