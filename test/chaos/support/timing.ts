/**
 * Time in the chaos suite: every wait and bound is on the monotonic clock (the clock-jump scenario
 * moves Date.now under our feet), every bound is asserted and printed with what was measured, so
 * that a run's output is the reliability table's "last measured" column.
 */
import { expect } from 'vitest';

export const monotonic = (): number => performance.now();

/** Polls until `probe` returns something truthy; fails naming what it waited for. */
export async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs: number, what: string, intervalMs = 25): Promise<T> {
  const deadline = monotonic() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (monotonic() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Measurement {
  scenario: string;
  what: string;
  ms: number;
  boundMs: number;
}

export const measurements: Measurement[] = [];

/**
 * Asserts that `ms` is within `boundMs` (the operation's own timeout plus the grace the scenario
 * states) and prints both, passing or not.
 */
export function withinBound(scenario: string, what: string, ms: number, boundMs: number): void {
  const rounded = Math.round(ms);
  measurements.push({ scenario, what, ms: rounded, boundMs });
  console.log(`[chaos] ${scenario}: ${what}: ${rounded} ms (bound ${boundMs} ms)`);
  expect(rounded, `${scenario}: ${what} took ${rounded} ms, over its bound of ${boundMs} ms`).toBeLessThanOrEqual(boundMs);
}

/** Prints a figure that has no bound of its own (counts, rates, memory). */
export function note(scenario: string, what: string, value: string | number): void {
  console.log(`[chaos] ${scenario}: ${what}: ${value}`);
}
