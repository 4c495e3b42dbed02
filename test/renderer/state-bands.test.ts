import { describe, expect, it } from 'vitest';
import type { CircuitHistoryEntry, CircuitState } from '../../src-preload/contract.ts';
import { TIMELINE_MS, appendHistory, historyFromSnapshot, pruneHistory, slotBands, stateBands, timePerState } from '../../src-renderer/src/dashboard/state-bands.ts';

const NOW = 1_700_000_000_000;
const FROM = NOW - TIMELINE_MS;
const t = (circuit: string, at: number, from: CircuitState, to: CircuitState): CircuitHistoryEntry => ({ circuit, at, from, to, reason: 'test' });

describe('stateBands', () => {
  it('draws the current state over the whole window when nothing moved', () => {
    expect(stateBands([], 'a', 'closed', FROM, NOW, -Infinity)).toEqual([{ start: FROM, end: NOW, state: 'closed' }]);
  });

  it('opens the window in the state the first transition left, and follows each transition', () => {
    const entries = [t('a', NOW - 60_000, 'closed', 'open'), t('b', NOW - 50_000, 'closed', 'open'), t('a', NOW - 30_000, 'open', 'half_open'), t('a', NOW - 10_000, 'half_open', 'closed')];
    expect(stateBands(entries, 'a', 'closed', FROM, NOW, -Infinity)).toEqual([
      { start: FROM, end: NOW - 60_000, state: 'closed' },
      { start: NOW - 60_000, end: NOW - 30_000, state: 'open' },
      { start: NOW - 30_000, end: NOW - 10_000, state: 'half_open' },
      { start: NOW - 10_000, end: NOW, state: 'closed' },
    ]);
  });

  it('takes the opening state from a transition before the window', () => {
    const entries = [t('a', FROM - 5_000, 'closed', 'forced_open')];
    expect(stateBands(entries, 'a', 'forced_open', FROM, NOW, -Infinity)).toEqual([{ start: FROM, end: NOW, state: 'forced_open' }]);
  });

  it('marks the time before the history is complete as unknown instead of guessing', () => {
    const since = NOW - 120_000;
    const entries = [t('a', NOW - 60_000, 'open', 'closed')];
    expect(stateBands(entries, 'a', 'closed', FROM, NOW, since)).toEqual([
      { start: FROM, end: since, state: 'unknown' },
      { start: since, end: NOW - 60_000, state: 'open' },
      { start: NOW - 60_000, end: NOW, state: 'closed' },
    ]);
  });
});

describe('slotBands', () => {
  it('keeps a blip shorter than a slot, as the most severe state in it', () => {
    const bands = stateBands([t('a', NOW - 100_000, 'closed', 'open'), t('a', NOW - 99_900, 'open', 'closed')], 'a', 'closed', FROM, NOW, -Infinity);
    const slots = slotBands(bands, FROM, NOW, 300);
    expect(slots.map((b) => b.state)).toEqual(['closed', 'open', 'closed']);
    expect(slots[1]!.end - slots[1]!.start).toBe(TIMELINE_MS / 300);
  });

  it('draws no more runs than slots however often a circuit flaps', () => {
    const entries: CircuitHistoryEntry[] = [];
    for (let i = 0; i < 5000; i++) entries.push(t('a', FROM + i * 100, i % 2 ? 'open' : 'closed', i % 2 ? 'closed' : 'open'));
    const slots = slotBands(stateBands(entries, 'a', 'closed', FROM, NOW, -Infinity), FROM, NOW, 300);
    expect(slots.length).toBeLessThanOrEqual(300);
    // The flapping stretch (the first 500 s) reads as open: the severe state wins each slot.
    expect(slots[0]).toMatchObject({ start: FROM, state: 'open' });
  });
});

describe('the history window', () => {
  it('is complete from the oldest entry only when the snapshot was cut at its limit', () => {
    const history = [t('a', NOW - 2_000, 'open', 'closed'), t('a', NOW - 3_000, 'closed', 'open')];
    expect(historyFromSnapshot(history, 500, NOW).completeSince).toBe(-Infinity);
    const full = historyFromSnapshot(history, 2, NOW);
    expect(full.completeSince).toBe(NOW - 3_000);
    expect(full.entries.map((e) => e.at)).toEqual([NOW - 3_000, NOW - 2_000]);
  });

  it('does not know the time before the host started, unless the stored history reaches back further', () => {
    const started = NOW - 60_000;
    const fresh = historyFromSnapshot([], 500, NOW, started);
    expect(fresh.completeSince).toBe(started);
    expect(stateBands(fresh.entries, 'a', 'closed', FROM, NOW, fresh.completeSince)).toEqual([
      { start: FROM, end: started, state: 'unknown' },
      { start: started, end: NOW, state: 'closed' },
    ]);
    // A previous run's transition 5 minutes ago: known from then on.
    const earlier = historyFromSnapshot([t('a', NOW - 300_000, 'closed', 'open')], 500, NOW, started);
    expect(earlier.completeSince).toBe(NOW - 300_000);
  });

  it('drops what left the window but keeps, per circuit, the transition that says how it opens', () => {
    const old = [t('a', FROM - 30_000, 'closed', 'open'), t('a', FROM - 20_000, 'open', 'half_open'), t('b', FROM - 10_000, 'closed', 'disabled')];
    const pruned = pruneHistory({ entries: [...old, t('a', NOW - 5_000, 'half_open', 'closed')], completeSince: -Infinity }, NOW);
    expect(pruned.entries.map((e) => `${e.circuit}:${e.to}`)).toEqual(['a:half_open', 'b:disabled', 'a:closed']);
    expect(stateBands(pruned.entries, 'b', 'disabled', FROM, NOW, pruned.completeSince)).toEqual([{ start: FROM, end: NOW, state: 'disabled' }]);
  });

  it('cuts to the cap and remembers that older transitions are no longer known', () => {
    let window = { entries: [] as CircuitHistoryEntry[], completeSince: -Infinity };
    for (let i = 0; i < 50; i++) window = appendHistory(window, [t('a', NOW - 50_000 + i * 1000, 'closed', 'open')], NOW, 10);
    expect(window.entries).toHaveLength(10);
    expect(window.completeSince).toBe(window.entries[0]!.at);
  });

  it('returns the same window when nothing changed, so selectors see no change', () => {
    const window = { entries: [t('a', NOW - 1_000, 'closed', 'open')], completeSince: -Infinity };
    expect(appendHistory(window, [], NOW)).toBe(window);
    expect(pruneHistory(window, NOW)).toBe(window);
  });
});

it('timePerState sums each state, most time first', () => {
  const summary = timePerState([
    { start: 0, end: 10, state: 'closed' },
    { start: 10, end: 15, state: 'open' },
    { start: 15, end: 40, state: 'closed' },
  ]);
  expect(summary).toEqual([
    { state: 'closed', ms: 35 },
    { state: 'open', ms: 5 },
  ]);
});
