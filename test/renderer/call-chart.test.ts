import { describe, expect, it } from 'vitest';
import { CALL_WINDOW_S, type ChartCall, MAX_CALLS, callSummary, mergeCalls, pruneCalls, withRejections } from '../../src-renderer/src/dashboard/call-chart.ts';

const call = (at: number, elapsed_ms = 100, outcome: ChartCall['outcome'] = 'ok', deadline_ms = 1500): ChartCall => ({ at, elapsed_ms, deadline_ms, expected_ms: null, outcome });
const NOW = 1_800_000_000;

describe('mergeCalls', () => {
  it('adds the calls of a new ring once, however often the same ring arrives', () => {
    const ring = [call(NOW - 3), call(NOW - 2, 50), call(NOW - 1, 1500, 'timeout')];
    const once = mergeCalls([], ring, NOW);
    expect(once).toHaveLength(3);
    const twice = mergeCalls(once, ring, NOW);
    expect(twice).toBe(once);
    // The ring moved on by one call: only that one is new.
    const moved = mergeCalls(once, [...ring.slice(1), call(NOW, 70)], NOW);
    expect(moved.map((c) => c.elapsed_ms)).toEqual([100, 50, 1500, 70]);
  });

  it('keeps two calls that ended in the same second when their durations differ', () => {
    expect(mergeCalls([call(NOW, 10)], [call(NOW, 10), call(NOW, 20)], NOW)).toHaveLength(2);
  });

  it('puts an older ring (after a reconnect) in time order', () => {
    const merged = mergeCalls([call(NOW - 5), call(NOW - 1)], [call(NOW - 3, 7), call(NOW - 1), call(NOW, 8)], NOW);
    expect(merged.map((c) => c.at)).toEqual([NOW - 5, NOW - 3, NOW - 1, NOW]);
  });

  it('drops calls older than the window and keeps at most MAX_CALLS, the newest', () => {
    expect(mergeCalls([], [call(NOW - CALL_WINDOW_S - 1), call(NOW - 10)], NOW)).toHaveLength(1);
    let list: ChartCall[] = [];
    for (let i = 0; i < 20; i++) list = mergeCalls(list, Array.from({ length: 64 }, (_, j) => call(NOW - 600 + i * 64 * 0.1 + j * 0.1, j)), NOW);
    expect(list).toHaveLength(MAX_CALLS);
    expect(list[list.length - 1]!.at).toBeCloseTo(NOW - 600 + 19 * 6.4 + 6.3);
  });
});

describe('pruneCalls and rejections', () => {
  it('prunes as time passes without new calls', () => {
    const list = [call(NOW - 100), call(NOW)];
    expect(pruneCalls(list, NOW)).toBe(list);
    expect(pruneCalls(list, NOW + CALL_WINDOW_S - 50)).toHaveLength(1);
  });

  it('marks rejections at the sample time and forgets them after the window', () => {
    let calls = withRejections(undefined, 3, NOW);
    calls = withRejections(calls, 0, NOW + 1);
    expect(calls.rejections).toEqual([{ at: NOW, count: 3 }]);
    expect(withRejections(calls, 0, NOW + CALL_WINDOW_S + 1).rejections).toEqual([]);
  });
});

it('callSummary counts outcomes and gives the deadline of the newest call', () => {
  expect(callSummary([call(1, 1, 'ok'), call(2, 1, 'timeout', 4000), call(3, 1, 'slow', 3000)])).toEqual({ ok: 1, slow: 1, failed: 0, timeout: 1, lastDeadlineMs: 3000 });
  expect(callSummary([]).lastDeadlineMs).toBeNull();
});
