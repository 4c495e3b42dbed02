import { describe, expect, it } from 'vitest';
import { CircuitManager, type CircuitEvent, ManualScheduler } from '../../src-main/breaker/index.ts';
import { BASE, controlled, flush, makeBreaker, outcome } from './helpers.ts';

type Harness = ReturnType<typeof makeBreaker>;

/** Runs one call that takes `ms` on the manual clock, then succeeds (or fails with `error`). */
async function callTaking({ breaker, scheduler }: Harness, ms: number, options: { expectedMs?: number; timeoutMs?: number; error?: unknown } = {}) {
  const work = controlled();
  const result = outcome(breaker.execute(work.op, options));
  scheduler.advance(ms);
  if ('error' in options) work.reject(options.error);
  else work.resolve('done');
  await flush();
  return result;
}

const slowEvents = (events: CircuitEvent[]) => events.filter((e) => e.type === 'slow_call');

describe('slow calls, by expected time', () => {
  it('counts a call slower than expectedMs × slowCallFactor as slow, and a faster one not', async () => {
    const h = makeBreaker({ slowCallFactor: 2 });
    await callTaking(h, 15, { expectedMs: 10 }); // under 20: not slow
    await callTaking(h, 20, { expectedMs: 10 }); // exactly the threshold: not slow
    await callTaking(h, 25, { expectedMs: 10 });
    const s = h.breaker.stats().stats;
    expect(s).toMatchObject({ successful_requests: 3, failed_requests: 0, slow_calls: 1, slow_successful_calls: 1, slow_failed_calls: 0 });
    expect(s.window).toMatchObject({ successes: 3, slow: 1, slow_successes: 1, slow_failures: 0 });
    expect(s.slow_call_rate_percent).toBe(33.33);
    expect(slowEvents(h.events)).toEqual([
      { type: 'slow_call', circuit: 'test_circuit', durationMs: 25, expectedMs: 10, thresholdMs: 20, at: h.scheduler.wallNow() },
    ]);
  });

  it('reports a slow success as a success: a slow probe closes a half-open circuit, slow work never opens one', async () => {
    const h = makeBreaker({ failureThreshold: 1, successThreshold: 1, slowCallFactor: 1 });
    for (let i = 0; i < 5; i++) await callTaking(h, 50, { expectedMs: 1 });
    expect(h.breaker.state).toBe('closed');
    expect(h.breaker.stats().stats).toMatchObject({ consecutive_failures: 0, consecutive_successes: 5, slow_calls: 5, success_rate_percent: 100 });

    await callTaking(h, 1, { error: new Error('boom') });
    expect(h.breaker.state).toBe('open');
    h.scheduler.advance(BASE.recoveryTimeoutMs);
    await callTaking(h, 50, { expectedMs: 1 });
    expect(h.breaker.state).toBe('closed');
    expect(h.transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('counts a slow failure as both a failure and slow, and shows it failed in the ring', async () => {
    const h = makeBreaker();
    await callTaking(h, 40, { expectedMs: 10, error: new Error('encode failed') });
    const s = h.breaker.stats().stats;
    expect(s).toMatchObject({ failed_requests: 1, slow_calls: 1, slow_successful_calls: 0, slow_failed_calls: 1 });
    expect(s.recent_calls.at(-1)).toMatchObject({ outcome: 'failed', elapsed_ms: 40, expected_ms: 10 });
    expect(s.window).toMatchObject({ failures: 1, slow: 1, slow_successes: 0, slow_failures: 1 });
    expect(slowEvents(h.events)).toHaveLength(1);
  });

  it('never counts a timeout as slow: it is a failure already', async () => {
    const h = makeBreaker({ timeoutMs: 100 });
    const result = await callTaking(h, 150, { expectedMs: 1 });
    expect(result.status).toBe('rejected');
    expect(h.breaker.stats().stats).toMatchObject({ timeouts: 1, slow_calls: 0 });
    expect(slowEvents(h.events)).toEqual([]);
  });

  it('does not count errors isFailure waves through, nor canceled calls', async () => {
    const h = makeBreaker({ isFailure: () => false });
    await callTaking(h, 50, { expectedMs: 1, error: new Error('invalid input') });
    const controller = new AbortController();
    const work = controlled({ obeysAbort: true });
    const canceled = outcome(h.breaker.execute(work.op, { expectedMs: 1, signal: controller.signal }));
    h.scheduler.advance(50);
    controller.abort(new Error('user canceled'));
    await flush();
    expect(canceled.status).toBe('rejected');
    expect(h.breaker.stats().stats).toMatchObject({ ignored_errors: 1, canceled: 1, slow_calls: 0, recent_calls: [] });
  });
});

describe('slow calls, by duration threshold', () => {
  it('with no expectedMs, counts a call slower than slowCallDurationMs', async () => {
    const h = makeBreaker({ slowCallDurationMs: 50 });
    await callTaking(h, 50);
    await callTaking(h, 51);
    expect(h.breaker.stats().stats.slow_calls).toBe(1);
    expect(slowEvents(h.events)).toMatchObject([{ durationMs: 51, expectedMs: null, thresholdMs: 50 }]);
  });

  it('prefers the call’s expectedMs over the duration threshold', async () => {
    const h = makeBreaker({ slowCallDurationMs: 10, slowCallFactor: 2 });
    await callTaking(h, 30, { expectedMs: 20 });
    expect(h.breaker.stats().stats.slow_calls).toBe(0);
  });

  it('by default counts nothing slow without an expected time, and follows a live change', async () => {
    const h = makeBreaker();
    expect(h.breaker.config).toMatchObject({ slowCallFactor: 2, slowCallDurationMs: null });
    await callTaking(h, 99);
    expect(h.breaker.stats().stats).toMatchObject({ slow_calls: 0, slow_call_rate_percent: 0 });
    h.breaker.configure({ slowCallDurationMs: 30 });
    await callTaking(h, 31);
    h.breaker.configure({ slowCallDurationMs: null, slowCallFactor: 4 });
    await callTaking(h, 31);
    await callTaking(h, 31, { expectedMs: 10 });
    await callTaking(h, 41, { expectedMs: 10 });
    expect(h.breaker.stats().stats.slow_calls).toBe(2);
  });

  it('has no slow-call rate while the window holds no calls', () => {
    const { breaker } = makeBreaker();
    expect(breaker.stats().stats.slow_call_rate_percent).toBeNull();
  });
});

describe('deadline headroom', () => {
  it('keeps each ended call with its deadline, and sums up how close they came', async () => {
    const h = makeBreaker({ timeoutMs: 100, failureThreshold: 100 });
    for (let i = 1; i <= 19; i++) await callTaking(h, i * 5, { timeoutMs: 100 }); // 5 % … 95 % of the deadline
    await callTaking(h, 100, { timeoutMs: 40, expectedMs: 10 }); // times out at 40
    const s = h.breaker.stats().stats;
    expect(s.recent_calls).toHaveLength(20);
    expect(s.recent_calls[0]).toEqual({ at: (h.scheduler.wallNow() - h.scheduler.now() + 5) / 1000, elapsed_ms: 5, deadline_ms: 100, expected_ms: null, outcome: 'ok' });
    expect(s.recent_calls.at(-1)).toMatchObject({ elapsed_ms: 40, deadline_ms: 40, expected_ms: 10, outcome: 'timeout' });
    expect(s.headroom).toEqual({ worst_ratio: 1, p95_ratio: 0.95, samples: 20 });
  });

  it('has no ratios before the first call', () => {
    const { breaker } = makeBreaker();
    expect(breaker.stats().stats.headroom).toEqual({ worst_ratio: null, p95_ratio: null, samples: 0 });
  });

  it('stays the same fixed size over 10,000 calls, newest last', async () => {
    const { breaker } = makeBreaker({ maxConcurrent: 1 });
    for (let i = 1; i <= 10_000; i++) breaker.execute(() => i, { expectedMs: i });
    const s = breaker.stats().stats;
    expect(s.total_requests).toBe(10_000);
    expect(s.recent_calls).toHaveLength(64);
    expect(s.recent_calls.map((c) => c.expected_ms)).toEqual(Array.from({ length: 64 }, (_, k) => 10_000 - 63 + k));
    expect(s.headroom.samples).toBe(64);
  });
});

describe('the manager’s stream', () => {
  it('carries slow_call like the other events', async () => {
    const scheduler = new ManualScheduler();
    const manager = new CircuitManager({ scheduler });
    const events: CircuitEvent[] = [];
    manager.subscribe((e) => events.push(e));
    const breaker = manager.getBreaker('video_export', BASE);
    const work = controlled();
    const done = breaker.execute(work.op, { expectedMs: 5 });
    scheduler.advance(20);
    work.resolve('encoded');
    await done;
    expect(events.map((e) => e.type)).toEqual(['success', 'slow_call']);
    expect(events[1]).toMatchObject({ circuit: 'video_export', durationMs: 20, expectedMs: 5, thresholdMs: 10 });
  });
});
