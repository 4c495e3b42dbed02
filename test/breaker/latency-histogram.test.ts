import { describe, expect, it } from 'vitest';
import { CircuitManager, ManualScheduler } from '../../src-main/breaker/index.ts';
import { LATENCY_BOUNDS_MS, LatencyHistogram } from '../../src-main/breaker/window.ts';
import { callTaking } from './helpers.ts';

describe('all-time latency histogram', () => {
  it('has a modest, rising list of bounds from 1 ms to 600 s', () => {
    expect(LATENCY_BOUNDS_MS.length).toBeGreaterThanOrEqual(15);
    expect(LATENCY_BOUNDS_MS.length).toBeLessThanOrEqual(20);
    expect(LATENCY_BOUNDS_MS[0]).toBe(1);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBe(600_000);
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) expect(LATENCY_BOUNDS_MS[i]).toBeGreaterThan(LATENCY_BOUNDS_MS[i - 1]!);
  });

  it('counts a duration in the first bucket whose bound it does not pass, cumulatively, with +Inf last', () => {
    const h = new LatencyHistogram();
    for (const ms of [0, 1, 1.5, 250, 250.01, 600_000, 600_001, 86_400_000]) h.record(ms);
    const c = h.cumulative();
    expect(c).toHaveLength(LATENCY_BOUNDS_MS.length + 1);
    const at = (bound: number) => c[LATENCY_BOUNDS_MS.indexOf(bound)];
    expect(at(1)).toBe(2); // 0 and exactly 1 ms: le is "at most"
    expect(at(2.5)).toBe(3);
    expect(at(250)).toBe(4);
    expect(at(500)).toBe(5);
    expect(at(600_000)).toBe(6);
    expect(c.at(-1)).toBe(8);
    for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThanOrEqual(c[i - 1]!);
  });

  it('is reported in stats by outcome, never rolls with the window, and ends at the call counts', async () => {
    const scheduler = new ManualScheduler();
    const manager = new CircuitManager({ scheduler, circuits: { export: { failureThreshold: 5, recoveryTimeoutMs: 1000, successThreshold: 1, timeoutMs: 60_000, maxConcurrent: 4 } } });
    const breaker = manager.getBreaker('export');
    const taking = (ms: number, fails = false) => callTaking(breaker, scheduler, ms, fails);
    await taking(3);
    await taking(40);
    await taking(2_000, true);
    scheduler.advance(10 * 60_000); // long past the rolling window
    const { latency_histogram: h, successful_requests, failed_requests } = breaker.stats().stats;
    expect(h.bounds_ms).toEqual(LATENCY_BOUNDS_MS);
    expect(h.successful[LATENCY_BOUNDS_MS.indexOf(2.5)]).toBe(0);
    expect(h.successful[LATENCY_BOUNDS_MS.indexOf(5)]).toBe(1);
    expect(h.successful[LATENCY_BOUNDS_MS.indexOf(50)]).toBe(2);
    expect(h.failed[LATENCY_BOUNDS_MS.indexOf(1_000)]).toBe(0);
    expect(h.failed[LATENCY_BOUNDS_MS.indexOf(2_500)]).toBe(1);
    expect(h.successful.at(-1)).toBe(successful_requests);
    expect(h.failed.at(-1)).toBe(failed_requests);
  });
});
