import { describe, expect, it } from 'vitest';
import type { CircuitStats, EventBatch, ResourceSampleView, Snapshot } from '../../src-preload/contract.ts';
import { applyBatchTo, sampleAt, useStudio } from '../../src-renderer/src/store.ts';

const stats = (name: string, total: number, failed = 0) =>
  ({ name, state: 'closed', stats: { total_requests: total, failed_requests: failed, timeouts: 0, rejected_requests: 0 } }) as unknown as CircuitStats;
const sample = (at: number): ResourceSampleView => ({ at, machine: null, processes: [{ pid: 1, role: 'host', cpuPercent: 1, rssBytes: 1024 * 1024 }] });
const snapshot = (at: number, extra: Partial<Snapshot> = {}): Snapshot => ({
  at,
  jobs: [],
  circuits: { a: stats('a', 0) },
  queue: { paused: false, stopped: null },
  audit: [],
  history: [{ at: at - 1000, circuit: 'a', from: 'closed', to: 'open', reason: 'x' }],
  resources: sample(at - 500),
  chaos: [],
  ...extra,
});
const batch = (seq: number, at: number, extra: Partial<EventBatch> = {}): EventBatch => ({ seq, at, circuits: {}, jobs: [], events: [], dropped: 0, ...extra });

describe('the store', () => {
  it('fills the timeline from the snapshot, then appends live transitions', () => {
    const now = 1_700_000_000_000;
    let state = { ...useStudio.getInitialState(), ...applyBatchTo(useStudio.getInitialState(), batch(1, now, { snapshot: snapshot(now) }), now) };
    expect(state.history.entries).toHaveLength(1);
    const entry = { at: now + 10, circuit: 'a', from: 'open' as const, to: 'half_open' as const, reason: 'recovery' };
    state = { ...state, ...applyBatchTo(state, batch(2, now + 50, { events: [{ kind: 'circuit_transition', entry }] }), now + 50) };
    expect(state.history.entries.map((e) => e.to)).toEqual(['open', 'half_open']);
    expect(state.log[0]).toMatchObject({ kind: 'circuit_transition' });
  });

  it('fills the events panel from the stored history and audit on a reload, once each', () => {
    const now = 1_700_000_000_000;
    const stop = { id: 3, at: now - 800, actor: 'token', action: 'emergency_stop', reason: 'Emergency Stop button', detail: {} };
    const reload = snapshot(now, { audit: [stop], hostStartedAt: now - 60_000 });
    let state = { ...useStudio.getInitialState(), ...applyBatchTo(useStudio.getInitialState(), batch(1, now, { snapshot: reload }), now) };
    expect(state.log.map((e) => e.kind)).toEqual(['audit', 'circuit_transition']);
    expect(state.history.completeSince).toBe(now - 60_000);
    // A second snapshot (the page fell behind) repeats them: still once each.
    state = { ...state, ...applyBatchTo(state, batch(2, now + 50, { snapshot: reload }), now + 50) };
    expect(state.log).toHaveLength(2);
  });

  it('charts each resource sample once, however many batches repeat it', () => {
    const now = 1_700_000_000_000;
    let state = { ...useStudio.getInitialState(), ...applyBatchTo(useStudio.getInitialState(), batch(1, now, { snapshot: snapshot(now) }), now) };
    state = { ...state, ...applyBatchTo(state, batch(2, now + 50, { resources: sample(now - 500) }), now + 50) };
    state = { ...state, ...applyBatchTo(state, batch(3, now + 100, { resources: sample(now + 1500) }), now + 100) };
    expect(state.resourceSeries.map((p) => p.at)).toEqual([now - 500, now + 1500]);
  });

  it('samples call rates on its tick from the latest stats, whether or not a batch came', () => {
    const base = { ...useStudio.getInitialState(), circuits: { a: stats('a', 100, 1) } };
    const first = { ...base, ...sampleAt(base, 1000) };
    expect(first.callRates.a).toEqual([]);
    const second = { ...first, circuits: { a: stats('a', 350, 6) } };
    const after = { ...second, ...sampleAt(second, 2000) };
    expect(after.callRates.a).toEqual([{ at: 2000, calls: 250, failures: 5, timeouts: 0, rejections: 0 }]);
    // No new stats: the next second is a zero rate, not a repeat of the last one.
    const idle = { ...after, ...sampleAt(after, 3000) };
    expect(idle.callRates.a!.at(-1)).toMatchObject({ calls: 0, failures: 0 });
  });
});
