/**
 * Batches from the host arrive up to 20 times a second. People cannot read numbers that change
 * that often, and each application re-renders every card and the log, so they are applied at most
 * every `windowMs`, all together in one store update. A lone batch after a quiet spell is applied at
 * once, so a state change in a calm studio shows without delay.
 */
import type { EventBatch } from '../../src-preload/contract.ts';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
}

/** Above this many waiting batches (a background tab's timers are throttled) they are applied at once. */
const MAX_PENDING = 40;

export function coalesceBatches(apply: (batches: EventBatch[]) => void, windowMs: number, clock: Clock = { now: () => performance.now(), setTimeout: (fn, ms) => setTimeout(fn, ms) }): (batch: EventBatch) => void {
  let pending: EventBatch[] = [];
  let scheduled = false;
  let lastApplied = -Infinity;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const batches = pending;
    pending = [];
    lastApplied = clock.now();
    apply(batches);
  };
  return (batch) => {
    pending.push(batch);
    if (pending.length >= MAX_PENDING) return flush();
    if (scheduled) return;
    scheduled = true;
    clock.setTimeout(flush, Math.max(0, lastApplied + windowMs - clock.now()));
  };
}
