import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitBreakerError,
  CircuitTimeoutError,
  EmergencyStopError,
  InvalidConfigError,
  ManualScheduler,
} from '../../src-main/breaker/index.ts';
import { BASE, controlled, fail, flush, makeBreaker, ok, outcome } from './helpers.ts';

describe('closed → open (1)', () => {
  it('opens after failureThreshold consecutive failures and then rejects without calling the operation', async () => {
    const { breaker, transitions } = makeBreaker({ failureThreshold: 3 });
    for (let i = 0; i < 2; i++) await expect(breaker.execute(fail())).rejects.toThrow('boom');
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(fail())).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    expect(transitions()).toEqual(['closed->open']);

    let called = false;
    const error = await breaker.execute(() => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(CircuitBreakerError);
    expect(error).toMatchObject({ circuit: 'test_circuit', reason: 'open' });
    expect(breaker.stats().stats).toMatchObject({ failed_requests: 3, rejected_requests: 1, total_requests: 4 });
  });

  it('needs the failures to be consecutive: a success resets the streak', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 2 });
    await breaker.execute(fail()).catch(() => {});
    await breaker.execute(ok());
    await breaker.execute(fail()).catch(() => {});
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().stats.consecutive_failures).toBe(1);
  });

  it('counts timeouts as failures toward opening', async () => {
    const { breaker, scheduler } = makeBreaker({ failureThreshold: 2, timeoutMs: 50 });
    const a = outcome(breaker.execute(controlled({ obeysAbort: true }).op));
    await breaker.execute(fail()).catch(() => {});
    scheduler.advance(50);
    await flush();
    expect(a.error).toBeInstanceOf(CircuitTimeoutError);
    expect(breaker.state).toBe('open');
    expect(breaker.stats().stats.timeouts).toBe(1);
  });
});

describe('open → half_open (2)', () => {
  it('moves to half_open at the recovery time with no call arriving, and says so in an event', async () => {
    const { breaker, scheduler, events } = makeBreaker({ failureThreshold: 1, recoveryTimeoutMs: 1000 });
    await breaker.execute(fail()).catch(() => {});
    expect(breaker.stats().timing.next_attempt_at).toBeCloseTo(scheduler.wallNow() / 1000 + 1, 3);
    scheduler.advance(999);
    expect(breaker.state).toBe('open');
    scheduler.advance(1);
    expect(breaker.state).toBe('half_open');
    const change = events.findLast((e) => e.type === 'state_change');
    expect(change).toMatchObject({ from: 'open', to: 'half_open', reason: 'recovery timeout elapsed' });
    expect(breaker.stats().timing.next_attempt_at).toBeNull();
  });
});

describe('half_open probes (3)', () => {
  it('admits at most halfOpenMaxProbes concurrent probes and rejects the rest as half_open_full', async () => {
    const { breaker, scheduler } = makeBreaker({ failureThreshold: 1, halfOpenMaxProbes: 2, successThreshold: 2 });
    await breaker.execute(fail()).catch(() => {});
    scheduler.advance(BASE.recoveryTimeoutMs);
    const p1 = controlled();
    const p2 = controlled();
    const r1 = outcome(breaker.execute(p1.op));
    const r2 = outcome(breaker.execute(p2.op));
    const third = await breaker.execute(ok()).catch((e: unknown) => e);
    expect(third).toMatchObject({ reason: 'half_open_full' });
    p1.resolve('a');
    await flush();
    expect(breaker.state).toBe('half_open');
    p2.resolve('b');
    await flush();
    expect([r1.value, r2.value]).toEqual(['a', 'b']);
    expect(breaker.state).toBe('closed');
  });

  it('re-opens on one probe failure and schedules the next recovery', async () => {
    const { breaker, scheduler, transitions } = makeBreaker({ failureThreshold: 1, successThreshold: 3 });
    await breaker.execute(fail()).catch(() => {});
    scheduler.advance(BASE.recoveryTimeoutMs);
    await breaker.execute(ok());
    await breaker.execute(fail()).catch(() => {});
    expect(breaker.state).toBe('open');
    scheduler.advance(BASE.recoveryTimeoutMs);
    expect(transitions()).toEqual(['closed->open', 'open->half_open', 'half_open->open', 'open->half_open']);
  });
});

describe('generations (4)', () => {
  it('ignores, for the state machine, results of calls begun before the last state change', async () => {
    const { breaker, scheduler } = makeBreaker({ failureThreshold: 1, successThreshold: 1, timeoutMs: 10_000 });
    const old = controlled();
    const oldResult = outcome(breaker.execute(old.op));
    await breaker.execute(fail()).catch(() => {});
    scheduler.advance(BASE.recoveryTimeoutMs);
    expect(breaker.state).toBe('half_open');

    old.reject(new Error('late failure'));
    await flush();
    expect(oldResult.status).toBe('rejected');
    expect(breaker.state).toBe('half_open');
    expect(breaker.stats().stats.stale_results).toBe(1);
    // The late result is still real traffic: it is counted, just not acted on.
    expect(breaker.stats().stats.failed_requests).toBe(2);
  });

  it('does not let a stale success close a half-open circuit', async () => {
    const { breaker, scheduler } = makeBreaker({ failureThreshold: 1, successThreshold: 1, timeoutMs: 10_000 });
    const old = controlled();
    outcome(breaker.execute(old.op));
    await breaker.execute(fail()).catch(() => {});
    scheduler.advance(BASE.recoveryTimeoutMs);
    old.resolve('late');
    await flush();
    expect(breaker.state).toBe('half_open');
  });
});

describe('timeouts and slots (5)', () => {
  it('aborts the signal at timeoutMs and rejects with CircuitTimeoutError', async () => {
    const { breaker, scheduler, events } = makeBreaker({ timeoutMs: 100 });
    const op = controlled({ obeysAbort: true });
    const result = outcome(breaker.execute(op.op));
    scheduler.advance(99);
    await flush();
    expect(result.status).toBe('pending');
    scheduler.advance(1);
    await flush();
    expect(result.error).toBeInstanceOf(CircuitTimeoutError);
    expect(result.error).toMatchObject({ circuit: 'test_circuit', timeoutMs: 100 });
    expect(op.signal?.aborted).toBe(true);
    expect(op.signal?.reason).toBe(result.error);
    expect(events.some((e) => e.type === 'timeout')).toBe(true);
  });

  it('keeps the slot of timed-out work until it really ends', async () => {
    const { breaker, scheduler } = makeBreaker({ maxConcurrent: 1, timeoutMs: 100, abandonAfterMs: 5000 });
    const stubborn = controlled(); // ignores its signal
    outcome(breaker.execute(stubborn.op));
    scheduler.advance(100);
    await flush();
    expect(breaker.stats().stats.concurrent_requests).toBe(1);
    await expect(breaker.execute(ok())).rejects.toMatchObject({ reason: 'concurrency_limit' });

    stubborn.resolve('finally');
    await flush();
    expect(breaker.stats().stats.concurrent_requests).toBe(0);
    await expect(breaker.execute(ok('next'))).resolves.toBe('next');
    // The late end of a timed-out call is not a second outcome.
    expect(breaker.stats().stats).toMatchObject({ failed_requests: 1, successful_requests: 1 });
  });

  it('abandons work that ignores its abort for abandonAfterMs, freeing its slot', async () => {
    const { breaker, scheduler, events } = makeBreaker({ maxConcurrent: 1, timeoutMs: 100, abandonAfterMs: 500 });
    const first = controlled();
    outcome(breaker.execute(first.op));
    scheduler.advance(100);
    scheduler.advance(499);
    await expect(breaker.execute(ok())).rejects.toMatchObject({ reason: 'concurrency_limit' });
    scheduler.advance(1);
    expect(breaker.stats().stats).toMatchObject({ abandoned: 1, concurrent_requests: 0 });
    expect(events.some((e) => e.type === 'abandoned')).toBe(true);

    const second = controlled();
    outcome(breaker.execute(second.op));
    expect(breaker.stats().stats.concurrent_requests).toBe(1);
    // The abandoned call ending late must not free the second call's slot.
    first.resolve('late');
    await flush();
    expect(breaker.stats().stats.concurrent_requests).toBe(1);
  });
});

describe('zombie probes', () => {
  it('a timed-out probe that keeps running does not block the next half-open period', async () => {
    const { breaker, scheduler } = makeBreaker({ failureThreshold: 1, timeoutMs: 100, abandonAfterMs: 60_000, maxConcurrent: 3 });
    await breaker.execute(fail()).catch(() => {});
    scheduler.advance(BASE.recoveryTimeoutMs);
    const zombie = controlled(); // a probe that ignores its abort
    outcome(breaker.execute(zombie.op));
    scheduler.advance(100); // probe times out: open again
    expect(breaker.state).toBe('open');
    scheduler.advance(BASE.recoveryTimeoutMs);
    expect(breaker.state).toBe('half_open');
    await expect(breaker.execute(ok('fresh probe'))).resolves.toBe('fresh probe');
  });

  it("a stale probe ending late does not free a current probe's place", async () => {
    const { breaker, scheduler } = makeBreaker({ failureThreshold: 1, timeoutMs: 100, abandonAfterMs: 60_000, maxConcurrent: 4, successThreshold: 3 });
    await breaker.execute(fail()).catch(() => {});
    scheduler.advance(BASE.recoveryTimeoutMs);
    const zombie = controlled();
    outcome(breaker.execute(zombie.op));
    scheduler.advance(100);
    scheduler.advance(BASE.recoveryTimeoutMs);
    const current = controlled();
    outcome(breaker.execute(current.op));
    zombie.resolve('late');
    await flush();
    await expect(breaker.execute(ok())).rejects.toMatchObject({ reason: 'half_open_full' });
  });

  it('abandons work aborted by an emergency stop after abandonAfterMs, even before its own deadline', async () => {
    const { breaker, scheduler } = makeBreaker({ timeoutMs: 10_000, abandonAfterMs: 200, maxConcurrent: 1 });
    const stubborn = controlled();
    outcome(breaker.execute(stubborn.op));
    breaker.forceOpen('stop', { abort: true });
    scheduler.advance(200);
    expect(breaker.stats().stats).toMatchObject({ abandoned: 1, concurrent_requests: 0 });
  });

  it('abandons work canceled by its caller after abandonAfterMs, even before its own deadline', async () => {
    const { breaker, scheduler } = makeBreaker({ timeoutMs: 10_000, abandonAfterMs: 200, maxConcurrent: 1 });
    const caller = new AbortController();
    outcome(breaker.execute(controlled().op, { signal: caller.signal }));
    caller.abort();
    scheduler.advance(200);
    expect(breaker.stats().stats).toMatchObject({ abandoned: 1, concurrent_requests: 0 });
  });
});

describe('peekAdmission', () => {
  it('tells what a call would meet without counting it or moving the state', async () => {
    const { breaker, scheduler } = makeBreaker({ maxConcurrent: 1, failureThreshold: 1 });
    const hold = controlled();
    outcome(breaker.execute(hold.op));
    expect(breaker.peekAdmission()).toBe('concurrency_limit');
    hold.reject(new Error('x'));
    await flush();
    expect(breaker.peekAdmission()).toBe('open');
    scheduler.advance(BASE.recoveryTimeoutMs);
    expect(breaker.peekAdmission()).toBeNull();
    breaker.forceOpen();
    expect(breaker.peekAdmission()).toBe('forced_open');
    expect(breaker.stats().stats).toMatchObject({ total_requests: 1, rejected_requests: 0 });
  });
});

describe('concurrency limit (6)', () => {
  it('rejects beyond maxConcurrent at once, as rejected rather than failed', async () => {
    const { breaker } = makeBreaker({ maxConcurrent: 2, failureThreshold: 1 });
    const a = controlled();
    const b = controlled();
    outcome(breaker.execute(a.op));
    outcome(breaker.execute(b.op));
    for (let i = 0; i < 5; i++) await expect(breaker.execute(ok())).rejects.toMatchObject({ reason: 'concurrency_limit' });
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().stats).toMatchObject({ rejected_requests: 5, failed_requests: 0, concurrent_requests: 2 });
  });
});

describe('forced open (7)', () => {
  it('stays open through time and calls until forceClose', async () => {
    const { breaker, scheduler, transitions } = makeBreaker({ failureThreshold: 1 });
    await breaker.execute(fail()).catch(() => {});
    breaker.forceOpen('operator stop');
    scheduler.advance(10 * 24 * 3600 * 1000);
    for (let i = 0; i < 3; i++) await expect(breaker.execute(ok())).rejects.toMatchObject({ reason: 'forced_open' });
    expect(breaker.state).toBe('forced_open');
    breaker.forceClose();
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().stats.consecutive_failures).toBe(0);
    await expect(breaker.execute(ok('back'))).resolves.toBe('back');
    expect(transitions()).toEqual(['closed->open', 'open->forced_open', 'forced_open->closed']);
  });

  it('with abort, aborts running calls with an emergency_stop reason that counts as neither outcome', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const running = controlled({ obeysAbort: true });
    const result = outcome(breaker.execute(running.op));
    breaker.forceOpen('emergency', { abort: true });
    await flush();
    expect(running.signal?.reason).toBeInstanceOf(EmergencyStopError);
    expect(running.signal?.reason).toMatchObject({ reason: 'emergency_stop' });
    expect(result.error).toBe(running.signal?.reason);
    expect(breaker.stats().stats).toMatchObject({ canceled: 1, failed_requests: 0, concurrent_requests: 0 });
  });
});

describe('classification (8)', () => {
  it('passes through errors isFailure rejects, counting them neither as failure nor success', async () => {
    class InvalidInput extends Error {}
    const { breaker } = makeBreaker({ failureThreshold: 1, isFailure: (e) => !(e instanceof InvalidInput) });
    const error = new InvalidInput('bad shot');
    for (let i = 0; i < 3; i++) await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().stats).toMatchObject({ failed_requests: 0, successful_requests: 0, ignored_errors: 3 });
  });

  it("treats the caller's own cancellation as neither outcome and rejects with its reason", async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const caller = new AbortController();
    const op = controlled({ obeysAbort: true });
    const result = outcome(breaker.execute(op.op, { signal: caller.signal }));
    caller.abort('user canceled');
    await flush();
    expect(result.error).toBe('user canceled');
    expect(op.signal?.reason).toBe('user canceled');
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().stats).toMatchObject({ canceled: 1, failed_requests: 0 });
  });
});

describe('statistics (9)', () => {
  it('computes success rate over completed calls only, rejections excluded', async () => {
    const { breaker } = makeBreaker({ maxConcurrent: 1, failureThreshold: 10 });
    expect(breaker.stats().stats.success_rate_percent).toBeNull();
    await breaker.execute(ok());
    await breaker.execute(ok());
    await breaker.execute(ok());
    await breaker.execute(fail()).catch(() => {});
    const hold = controlled();
    outcome(breaker.execute(hold.op));
    for (let i = 0; i < 4; i++) await breaker.execute(ok()).catch(() => {});
    expect(breaker.stats().stats).toMatchObject({ success_rate_percent: 75, rejected_requests: 4 });
  });

  it('reports latency percentiles from the rolling window, and forgets samples older than it', async () => {
    const scheduler = new ManualScheduler();
    const breaker = new CircuitBreaker('latency', { ...BASE, timeoutMs: 10_000 }, { scheduler, windowMs: 60_000 });
    for (let i = 1; i <= 100; i++) {
      const op = controlled<number>();
      const p = breaker.execute(op.op);
      scheduler.advance(i); // call i takes i ms
      op.resolve(i);
      await p;
    }
    const { p50, p95, p99 } = breaker.stats().stats.latency_ms;
    // Buckets are 2^(1/8) wide (~9%): the reported value is the bucket's upper bound.
    expect(p50).toBeGreaterThanOrEqual(50);
    expect(p50).toBeLessThan(50 * 1.1);
    expect(p95).toBeGreaterThanOrEqual(95);
    expect(p95).toBeLessThan(95 * 1.1);
    expect(p99).toBeGreaterThanOrEqual(99);
    scheduler.advance(61_000);
    expect(breaker.stats().stats.latency_ms.p50).toBeNull();
    expect(breaker.stats().stats.window.successes).toBe(0);
    expect(breaker.stats().stats.successful_requests).toBe(100);
    // 1 + 2 + … + 100 ms, summed exactly (unlike the bucketed percentiles).
    expect(breaker.stats().stats.call_seconds_total).toEqual({ successful: 5.05, failed: 0 });
  });

  it('echoes the config in snake_case seconds and keeps the brief shape', async () => {
    const { breaker } = makeBreaker();
    const s = breaker.stats();
    expect(s.config).toEqual({
      failure_threshold: 3,
      recovery_timeout: 1,
      success_threshold: 2,
      timeout: 0.1,
      max_concurrent: 4,
      half_open_max_probes: 1,
      abandon_after: 5,
    });
    expect(Object.keys(s)).toEqual(['name', 'state', 'config', 'stats', 'timing']);
    expect(Object.keys(s.timing)).toEqual(
      expect.arrayContaining(['last_failure_time', 'last_success_time', 'time_since_last_failure', 'opened_at', 'next_attempt_at']),
    );
  });
});

describe('operation shapes (10)', () => {
  it('handles synchronous throws, non-Error throws and plain values', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 10 });
    await expect(
      breaker.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(
      breaker.execute(() => {
        throw 'a string';
      }),
    ).rejects.toBe('a string');
    await expect(breaker.execute(() => Promise.reject(42))).rejects.toBe(42);
    await expect(breaker.execute(() => 7)).resolves.toBe(7);
    await expect(breaker.execute(() => undefined)).resolves.toBeUndefined();
    expect(breaker.stats().stats).toMatchObject({ failed_requests: 3, successful_requests: 2, concurrent_requests: 0 });
  });

  it('accepts any thenable, not only native promises', async () => {
    const { breaker } = makeBreaker();
    const thenable = { then: (res: (v: string) => void) => res('thenable') } as unknown as PromiseLike<string>;
    await expect(breaker.execute(() => thenable)).resolves.toBe('thenable');
  });
});

describe('config', () => {
  it('rejects a bad config with an error naming the field and the fix', () => {
    expect(() => new CircuitBreaker('bad', { ...BASE, timeoutMs: -1 })).toThrow(/timeoutMs must be at least 1 ms/);
    expect(() => new CircuitBreaker('bad', { ...BASE, maxConcurrent: 1.5 })).toThrow(/maxConcurrent must be a whole number/);
    expect(() => new CircuitBreaker('bad', { ...BASE, failureThreshold: Number.NaN })).toThrow(InvalidConfigError);
    expect(() => new CircuitBreaker('Bad Name', BASE)).toThrow(/lowercase letters/);
  });

  it('applies a live change and emits config_change with old and new values', async () => {
    const { breaker, events } = makeBreaker({ failureThreshold: 3 });
    breaker.configure({ failureThreshold: 1 });
    await breaker.execute(fail()).catch(() => {});
    expect(breaker.state).toBe('open');
    const change = events.find((e) => e.type === 'config_change');
    expect(change).toMatchObject({ from: { failureThreshold: 3 }, to: { failureThreshold: 1 } });
    expect(() => breaker.configure({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(breaker.config.timeoutMs).toBe(BASE.timeoutMs);
  });

  it('moves the half-open time when recoveryTimeoutMs changes while open', async () => {
    const { breaker, scheduler } = makeBreaker({ failureThreshold: 1, recoveryTimeoutMs: 10_000 });
    await breaker.execute(fail()).catch(() => {});
    breaker.configure({ recoveryTimeoutMs: 500 });
    scheduler.advance(500);
    expect(breaker.state).toBe('half_open');
  });
});
