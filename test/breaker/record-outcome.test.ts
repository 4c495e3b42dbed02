import { describe, expect, it } from 'vitest';
import type { CallContext } from '../../src-main/breaker/index.ts';
import { fail, flush, makeBreaker } from './helpers.ts';

/** Admits work whose outcome is reported later: the call itself only backs off (ends at once here). */
async function admit(breaker: ReturnType<typeof makeBreaker>['breaker']): Promise<CallContext> {
  let admitted: CallContext | undefined;
  await breaker.execute((ctx) => ((admitted = ctx), Promise.resolve()), { outcome: 'recorded_later' });
  return admitted!;
}

describe('recordOutcome: the outcome of admitted work the circuit did not time', () => {
  it('does not count the timed part’s success; failures reported later open the circuit', async () => {
    const { breaker, transitions } = makeBreaker({ failureThreshold: 2 });
    const first = await admit(breaker);
    expect(breaker.stats().stats).toMatchObject({ successful_requests: 0, failed_requests: 0 });
    breaker.recordOutcome(first, false, new Error('retry failed'));
    const second = await admit(breaker);
    expect(breaker.state).toBe('closed');
    breaker.recordOutcome(second, false, new Error('retry failed again'));
    expect(breaker.state).toBe('open');
    expect(transitions()).toEqual(['closed->open']);
    expect(breaker.stats().stats).toMatchObject({ failed_requests: 2, consecutive_failures: 2 });
  });

  it('counts a success toward closing a half-open circuit', async () => {
    const { breaker, scheduler } = makeBreaker({ failureThreshold: 1, successThreshold: 1, recoveryTimeoutMs: 100 });
    await breaker.execute(fail()).catch(() => undefined);
    expect(breaker.state).toBe('open');
    scheduler.advance(100);
    const probe = await admit(breaker);
    expect(breaker.state).toBe('half_open');
    breaker.recordOutcome(probe, true);
    expect(breaker.state).toBe('closed');
  });

  it('leaves an outcome from an earlier state stale, and asks the failure classifier', async () => {
    const classified: unknown[] = [];
    const { breaker } = makeBreaker({ failureThreshold: 1, isFailure: (error) => (classified.push(error), error !== 'not ours') });
    const early = await admit(breaker);
    breaker.forceOpen('drill');
    breaker.forceClose('drill over');
    breaker.recordOutcome(early, false, new Error('from before the reset'));
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().stats.consecutive_failures).toBe(0);
    const ignored = await admit(breaker);
    breaker.recordOutcome(ignored, false, 'not ours');
    expect(breaker.state).toBe('closed');
    expect(classified).toContain('not ours');
  });

  it('counts once: a second report, a plain call’s report or a failed timed part change nothing', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const once = await admit(breaker);
    breaker.recordOutcome(once, true);
    breaker.recordOutcome(once, false, new Error('late'));
    let plain: CallContext | undefined;
    await breaker.execute((ctx) => ((plain = ctx), Promise.resolve()));
    breaker.recordOutcome(plain!, false, new Error('not owed'));
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().stats).toMatchObject({ successful_requests: 2, failed_requests: 0 });
    let failedPart: CallContext | undefined;
    await breaker.execute((ctx) => ((failedPart = ctx), Promise.reject(new Error('backoff broke'))), { outcome: 'recorded_later' }).catch(() => undefined);
    await flush();
    expect(breaker.state).toBe('open');
    breaker.forceClose();
    breaker.recordOutcome(failedPart!, false, new Error('counted already'));
    expect(breaker.state).toBe('closed');
  });
});
