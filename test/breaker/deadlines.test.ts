import { describe, expect, it } from 'vitest';
import { CircuitTimeoutError } from '../../src-main/breaker/index.ts';
import { controlled, flush, makeBreaker, outcome } from './helpers.ts';

/** An operation that ends only by its abort, noting the (manual) time at which its signal aborted. */
function watched(scheduler: { now(): number }) {
  const seen = { abortedAt: null as number | null };
  const op = (ctx: { signal: AbortSignal }) =>
    new Promise<never>((_, reject) => {
      ctx.signal.addEventListener('abort', () => ((seen.abortedAt = scheduler.now()), reject(ctx.signal.reason)), { once: true });
    });
  return { op, seen };
}

describe('a per-call deadline (timeoutMs in execute options)', () => {
  it('times the call out at its own deadline, below the circuit’s, exactly as a circuit timeout', async () => {
    const { breaker, scheduler, events } = makeBreaker({ timeoutMs: 100, maxConcurrent: 1 });
    const work = controlled(); // ignores its abort
    let signal: AbortSignal | undefined;
    const op = (ctx: { signal: AbortSignal }) => ((signal = ctx.signal), work.op(ctx));
    const result = outcome(breaker.execute(op, { timeoutMs: 30 }));
    scheduler.advance(29);
    await flush();
    expect(result.status).toBe('pending');
    scheduler.advance(1);
    await flush();
    expect(result.error).toBeInstanceOf(CircuitTimeoutError);
    expect(result.error).toMatchObject({ circuit: 'test_circuit', timeoutMs: 30 });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(result.error);
    expect(events.find((e) => e.type === 'timeout')).toMatchObject({ timeoutMs: 30 });
    expect(breaker.stats().stats).toMatchObject({ timeouts: 1, failed_requests: 1, consecutive_failures: 1 });
    // The work ignores its abort: its slot stays taken until it really ends.
    expect(breaker.stats().stats.concurrent_requests).toBe(1);
    work.resolve('late');
    await flush();
    expect(breaker.stats().stats).toMatchObject({ concurrent_requests: 0, successful_requests: 0 });
  });

  it('is capped by the circuit’s timeoutMs, the hard cap', async () => {
    const { breaker, scheduler } = makeBreaker({ timeoutMs: 100 });
    const { op, seen } = watched(scheduler);
    const result = outcome(breaker.execute(op, { timeoutMs: 5_000 }));
    scheduler.advance(100);
    await flush();
    expect(seen.abortedAt).toBe(100);
    expect(result.error).toMatchObject({ timeoutMs: 100 });
    expect(breaker.stats().stats.recent_calls.at(-1)).toMatchObject({ deadline_ms: 100, outcome: 'timeout' });
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('ignores an unusable timeoutMs (%s): the circuit’s applies', async (timeoutMs) => {
    const { breaker, scheduler } = makeBreaker({ timeoutMs: 100 });
    const { op, seen } = watched(scheduler);
    const result = outcome(breaker.execute(op, { timeoutMs }));
    scheduler.advance(99);
    expect(seen.abortedAt).toBeNull();
    scheduler.advance(1);
    await flush();
    expect(seen.abortedAt).toBe(100);
    expect(result.error).toMatchObject({ timeoutMs: 100 });
  });
});

describe('one sweep for calls whose deadlines are not in start order', () => {
  it('times out a later call with an earlier deadline first, and the earlier call at its own time', async () => {
    const { breaker, scheduler } = makeBreaker({ timeoutMs: 100 });
    const first = watched(scheduler);
    const firstResult = outcome(breaker.execute(first.op)); // deadline 100
    scheduler.advance(10);
    const second = watched(scheduler);
    const secondResult = outcome(breaker.execute(second.op, { timeoutMs: 20 })); // deadline 30
    scheduler.advance(20);
    await flush();
    expect(second.seen.abortedAt).toBe(30);
    expect(secondResult.error).toMatchObject({ timeoutMs: 20 });
    expect(first.seen.abortedAt).toBeNull();
    expect(firstResult.status).toBe('pending');
    scheduler.advance(70);
    await flush();
    expect(first.seen.abortedAt).toBe(100);
    expect(firstResult.error).toMatchObject({ timeoutMs: 100 });
  });

  it('re-arms at the smallest deadline left when the call it was armed for ends in time', async () => {
    const { breaker, scheduler } = makeBreaker({ timeoutMs: 1000 });
    const long = watched(scheduler);
    outcome(breaker.execute(long.op, { timeoutMs: 500 }));
    const short = controlled();
    outcome(breaker.execute(short.op, { timeoutMs: 50 }));
    const middle = watched(scheduler);
    outcome(breaker.execute(middle.op, { timeoutMs: 200 }));
    short.resolve('in time');
    await flush();
    scheduler.advance(199);
    expect(middle.seen.abortedAt).toBeNull();
    scheduler.advance(1);
    expect(middle.seen.abortedAt).toBe(200);
    scheduler.advance(300);
    expect(long.seen.abortedAt).toBe(500);
    expect(breaker.stats().stats).toMatchObject({ timeouts: 2, successful_requests: 1 });
  });

  it('keeps a single live sweep for many calls with shuffled deadlines, each ending at its own', async () => {
    const { breaker, scheduler } = makeBreaker({ timeoutMs: 400, maxConcurrent: 1000, failureThreshold: 1000 });
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const calls: { startedAt: number; timeoutMs: number; seen: { abortedAt: number | null } }[] = [];
    for (let i = 0; i < 300; i++) {
      const timeoutMs = 1 + Math.floor(random() * 399);
      const { op, seen } = watched(scheduler);
      calls.push({ startedAt: scheduler.now(), timeoutMs, seen });
      outcome(breaker.execute(op, { timeoutMs }));
      expect(scheduler.pending()).toBe(1);
      if (i % 3 === 0) scheduler.advance(1);
    }
    scheduler.advance(1000);
    await flush();
    for (const call of calls) expect(call.seen.abortedAt).toBe(call.startedAt + call.timeoutMs);
    expect(breaker.stats().stats).toMatchObject({ timeouts: 300, concurrent_requests: 0 });
    // What is left is the one check for work that ignores its abort; none did, so then nothing.
    scheduler.advance(breaker.config.abandonAfterMs);
    expect(scheduler.pending()).toBe(0);
    expect(breaker.stats().stats.abandoned).toBe(0);
  });

  it('holds no more scheduler entries when every new call has a shorter deadline than the last', async () => {
    const { breaker, scheduler } = makeBreaker({ timeoutMs: 20_000, maxConcurrent: 20_000, failureThreshold: 20_000 });
    const calls: { timeoutMs: number; seen: { abortedAt: number | null } }[] = [];
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      const { op, seen } = watched(scheduler);
      const timeoutMs = 15_000 - i;
      calls.push({ timeoutMs, seen });
      outcome(breaker.execute(op, { timeoutMs }));
      most = Math.max(most, scheduler.held());
    }
    expect(scheduler.pending()).toBe(1);
    expect(most).toBeLessThan(200);
    scheduler.advance(15_000);
    await flush();
    for (const call of calls) expect(call.seen.abortedAt).toBe(call.timeoutMs);
    expect(breaker.stats().stats).toMatchObject({ timeouts: 10_000, concurrent_requests: 0 });
  });
});
