import { describe, expect, it } from 'vitest';
import { RETRY_KINDS, RetryTally, retryKindOf } from '../../src-main/engine/retry-tally.ts';
import { STAGES } from '../../src-main/engine/tasks.ts';

describe('retry tally', () => {
  it("names each ending by resilience4j's kinds", () => {
    expect(retryKindOf({ ok: true, attempts: 1 })).toBe('successful_without_retry');
    expect(retryKindOf({ ok: true, attempts: 3 })).toBe('successful_with_retry');
    expect(retryKindOf({ ok: false, attempts: 2 })).toBe('failed_with_retry');
    expect(retryKindOf({ ok: false, attempts: 1 })).toBe('failed_without_retry');
  });

  it('starts every stage at zero and counts each ending once', () => {
    const tally = new RetryTally();
    expect(Object.keys(tally.snapshot())).toEqual([...STAGES]);
    for (const kind of RETRY_KINDS) expect(tally.snapshot().export![kind]).toBe(0);
    tally.record({ name: 'export', ok: true, attempts: 1 });
    tally.record({ name: 'export', ok: true, attempts: 1 });
    tally.record({ name: 'export', ok: false, attempts: 3 });
    tally.record({ name: 'interpolation', ok: true, attempts: 2 });
    const snap = tally.snapshot();
    expect(snap.export).toEqual({ successful_without_retry: 2, successful_with_retry: 0, failed_with_retry: 1, failed_without_retry: 0 });
    expect(snap.interpolation!.successful_with_retry).toBe(1);
    expect(snap.frame_processing!.successful_without_retry).toBe(0);
  });

  it('takes a name it was not started with, and hands out copies', () => {
    const tally = new RetryTally([]);
    tally.record({ name: 'upload', ok: false, attempts: 1 });
    const snap = tally.snapshot();
    expect(snap).toEqual({ upload: { successful_without_retry: 0, successful_with_retry: 0, failed_with_retry: 0, failed_without_retry: 1 } });
    snap.upload!.failed_without_retry = 99;
    expect(tally.snapshot().upload!.failed_without_retry).toBe(1);
  });
});
