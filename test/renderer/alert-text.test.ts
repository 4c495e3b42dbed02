import { describe, expect, it } from 'vitest';
import type { EventBatch, StudioEvent } from '../../src-preload/contract.ts';
import { alertText, openings } from '../../src-renderer/src/controls/alert-text.ts';

const LABELS = { closed: 'CLOSED', open: 'OPEN', half_open: 'HALF-OPEN', forced_open: 'STOPPED', disabled: 'DISABLED' } as const;

const move = (circuit: string, to: 'open' | 'forced_open' | 'half_open' | 'closed'): StudioEvent => ({ kind: 'circuit_transition', entry: { at: 1, circuit, from: 'closed', to, reason: 'Emergency Stop button' } });
const batch = (events: StudioEvent[]): EventBatch => ({ seq: 1, at: 1, circuits: {}, jobs: [], events, dropped: 0 });

describe('browser alerts', () => {
  it('hear only of circuits opening or forced open', () => {
    expect(openings(batch([move('a', 'half_open'), move('b', 'closed'), move('c', 'open'), move('d', 'forced_open')])).map((e) => e.circuit)).toEqual(['c', 'd']);
    expect(alertText([], LABELS)).toBeNull();
  });

  it('say one circuit by name and state, and several (an emergency stop) in one alert that shows the first', () => {
    expect(alertText(openings(batch([move('video_export', 'open')])), LABELS)).toEqual({ title: 'Circuit video_export is OPEN', body: 'Emergency Stop button', circuit: 'video_export' });
    const stop = alertText(openings(batch([move('a', 'forced_open'), move('b', 'forced_open')])), LABELS);
    expect(stop).toMatchObject({ title: '2 circuits opened', circuit: 'a' });
    expect(stop!.body).toContain('a, b');
  });
});
