import { describe, expect, it } from 'vitest';
import type { AuditEntry, CircuitHistoryEntry, StudioEvent } from '../../src-preload/contract.ts';
import { eventsFromHistory, mergeEvents } from '../../src-renderer/src/dashboard/event-history.ts';

const transition = (at: number, to: CircuitHistoryEntry['to'] = 'forced_open'): CircuitHistoryEntry => ({ at, circuit: 'video_export', from: 'closed', to, reason: 'emergency stop' });
const audit = (id: number, at: number): AuditEntry => ({ id, at, actor: 'token', action: 'emergency_stop', reason: 'Emergency Stop button', detail: {} });

describe('the events panel after a (re)connect', () => {
  it('shows the stored transitions and audit entries as events, newest first', () => {
    const events = eventsFromHistory([transition(100), transition(300, 'closed')], [audit(1, 200)]);
    expect(events.map((e) => e.kind)).toEqual(['circuit_transition', 'audit', 'circuit_transition']);
    expect(events.map((e) => (e.kind === 'log' || e.kind === 'degradation' || e.kind === 'circuit_config' ? e.at : e.entry.at))).toEqual([300, 200, 100]);
  });

  it('lists each event once when the stored history repeats what was seen live, keeping the live objects', () => {
    const live: StudioEvent[] = [{ kind: 'audit', entry: audit(7, 500) }, { kind: 'log', level: 'info', jobId: null, message: 'hello', at: 450 }, { kind: 'circuit_transition', entry: transition(400) }];
    const stored = eventsFromHistory([transition(400), transition(50)], [audit(7, 500), audit(6, 60)]);
    const merged = mergeEvents(live, stored, 100);
    expect(merged).toHaveLength(5);
    expect(merged[0]).toBe(live[0]);
    expect(merged.slice(0, 3)).toEqual(live);
    expect(merged.map((e) => e.kind)).toEqual(['audit', 'log', 'circuit_transition', 'audit', 'circuit_transition']);
  });

  it('keeps the newest `cap` events', () => {
    const stored = eventsFromHistory(Array.from({ length: 10 }, (_, i) => transition(i)), []);
    expect(mergeEvents([], stored, 3).map((e) => (e.kind === 'circuit_transition' ? e.entry.at : -1))).toEqual([9, 8, 7]);
  });
});
