import { describe, expect, it } from 'vitest';
import type { CircuitStats } from '../../src-preload/contract.ts';
import { headroomReading, slowCallsReading } from '../../src-renderer/src/dashboard/headroom.ts';

const headroom = (worst: number | null, p95: number | null, samples: number) => ({ worst_ratio: worst, p95_ratio: p95, samples });

describe('headroomReading', () => {
  it('says how close the last calls came to their deadline, in percent', () => {
    expect(headroomReading(headroom(0.62, 0.4, 20))).toEqual({ tone: 'ok', label: 'OK', icon: '●', text: 'worst 62% of deadline, p95 40%, last 20 calls' });
    expect(headroomReading(headroom(0.1, 0.1, 1)).text).toBe('worst 10% of deadline, p95 10%, last 1 call');
  });

  it('warns from 80 % of the deadline and is bad at the deadline, with a word for each tone', () => {
    expect(headroomReading(headroom(0.79, 0.5, 64))).toMatchObject({ tone: 'ok', label: 'OK' });
    expect(headroomReading(headroom(0.8, 0.5, 64))).toMatchObject({ tone: 'warn', label: 'CLOSE' });
    expect(headroomReading(headroom(1, 0.9, 64))).toMatchObject({ tone: 'bad', label: 'HIT DEADLINE', text: 'worst 100% of deadline, p95 90%, last 64 calls' });
    expect(headroomReading(headroom(1.02, 0.9, 64)).text).toMatch(/^worst 102% /);
  });

  it('says so when no call has ended yet', () => {
    expect(headroomReading(headroom(null, null, 0))).toMatchObject({ tone: 'idle', label: 'NO CALLS', text: 'none has ended yet' });
  });
});

describe('slowCallsReading', () => {
  const stats = (slow: number, calls: number, total = slow) =>
    ({
      slow_calls: total,
      slow_call_rate_percent: calls === 0 ? null : Math.round((slow / calls) * 10_000) / 100,
      window: { seconds: 60, slow },
    }) as unknown as CircuitStats['stats'];

  it('shows the window’s slow calls and their share, and the total since start', () => {
    expect(slowCallsReading(stats(2, 40, 7))).toEqual({ tone: 'warn', label: 'SOME', icon: '▲', text: '2 in the last minute (5% of calls) · 7 in all' });
    expect(slowCallsReading(stats(1, 3))).toMatchObject({ text: '1 in the last minute (33% of calls) · 1 in all' });
    expect(slowCallsReading(stats(20, 40))).toMatchObject({ tone: 'bad', label: 'MANY' });
  });

  it('says none or no calls plainly, with the total since start', () => {
    expect(slowCallsReading(stats(0, 40, 7))).toEqual({ tone: 'ok', label: 'NONE', icon: '●', text: 'in the last minute · 7 in all' });
    expect(slowCallsReading(stats(0, 0, 3))).toEqual({ tone: 'idle', label: 'NO CALLS', icon: '○', text: 'in the last minute · 3 slow in all' });
  });
});
