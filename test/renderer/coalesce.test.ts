import { expect, it } from 'vitest';
import type { EventBatch } from '../../src-preload/contract.ts';
import { coalesceBatches } from '../../src-renderer/src/coalesce.ts';

/** A clock whose timers run only when the test moves time on. */
function manualClock() {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => timers.push({ at: now + ms, fn }),
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((t) => t.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
    },
  };
}
const batch = (seq: number): EventBatch => ({ seq, at: seq, circuits: {}, jobs: [], events: [], dropped: 0 });

it('applies a lone batch at once, then gathers a burst into one application per window, in order', () => {
  const clock = manualClock();
  const applied: number[][] = [];
  const push = coalesceBatches((batches) => applied.push(batches.map((b) => b.seq)), 200, clock);
  push(batch(1));
  clock.advance(0);
  expect(applied).toEqual([[1]]);
  for (let seq = 2; seq <= 5; seq++) {
    clock.advance(50);
    push(batch(seq));
  }
  // 2 arrived 50 ms after the last application: it waits for the window to end, with 3 and 4.
  expect(applied).toEqual([[1], [2, 3, 4]]);
  clock.advance(200);
  expect(applied).toEqual([[1], [2, 3, 4], [5]]);
});

it('applies at once when many batches wait (a background tab whose timers are throttled)', () => {
  const clock = manualClock();
  const applied: number[] = [];
  const push = coalesceBatches((batches) => applied.push(batches.length), 200, clock);
  for (let seq = 1; seq <= 40; seq++) push(batch(seq));
  expect(applied).toEqual([40]);
});
