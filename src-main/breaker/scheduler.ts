/**
 * One clock and one timer for every breaker. Breakers ask to be called back at a time; the scheduler
 * keeps the requests in a min-heap and arms a single timer for the earliest. The timer is unref'd so
 * that the library never keeps a process alive.
 */
import { rethrowLater } from './emitter.ts';

export interface Scheduler {
  /** Monotonic milliseconds: deadlines and durations. */
  now(): number;
  /** Wall-clock epoch milliseconds: what reports show. */
  wallNow(): number;
  /** Calls `task` at monotonic time `at` (or soon after). */
  schedule(at: number, task: () => void): ScheduledTask;
}

export interface ScheduledTask {
  readonly at: number;
  cancel(): void;
}

class Entry implements ScheduledTask {
  cancelled = false;
  /** In the heap and not yet run: only then does cancelling it leave an entry behind. */
  queued = false;
  readonly at: number;
  readonly task: () => void;
  readonly seq: number;
  private readonly heap: EntryHeap;
  constructor(at: number, task: () => void, seq: number, heap: EntryHeap) {
    this.at = at;
    this.task = task;
    this.seq = seq;
    this.heap = heap;
  }
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.queued) this.heap.noteCancelled();
  }
}

/** Cancelled entries tolerated before a compaction is considered. */
const COMPACT_AFTER = 64;

/**
 * A binary min-heap ordered by time, then by insertion so that equal times run in order.
 * A cancelled entry stays in place until it reaches the top; when cancelled entries are most of the
 * heap they are dropped all at once. A breaker whose calls keep bringing its sweep forward (each with
 * a shorter deadline than the last) cancels a task per call, and must not grow the heap by one each.
 */
class EntryHeap {
  private items: Entry[] = [];
  private cancelled = 0;
  get size(): number {
    return this.items.length;
  }
  peek(): Entry | undefined {
    return this.items[0];
  }
  push(entry: Entry): void {
    const items = this.items;
    entry.queued = true;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length && last) {
      items[0] = last;
      this.siftDown(0);
    }
    if (top) {
      top.queued = false;
      if (top.cancelled) this.cancelled--;
    }
    return top;
  }
  noteCancelled(): void {
    this.cancelled++;
    if (this.cancelled > COMPACT_AFTER && this.cancelled * 2 > this.items.length) this.compact();
  }
  live(): number {
    return this.items.length - this.cancelled;
  }
  /** Drops every cancelled entry and restores the heap order; the earliest live entry stays on top. */
  private compact(): void {
    for (const e of this.items) if (e.cancelled) e.queued = false;
    this.items = this.items.filter((e) => !e.cancelled);
    this.cancelled = 0;
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }
  private siftDown(from: number): void {
    const items = this.items;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && before(items[l]!, items[m]!)) m = l;
      if (r < items.length && before(items[r]!, items[m]!)) m = r;
      if (m === i) return;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
  }
  /** Drops cancelled entries from the top, so peek() is a live one. */
  prune(): void {
    while (this.items[0]?.cancelled) this.pop();
  }
}

const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

abstract class HeapScheduler implements Scheduler {
  protected readonly heap = new EntryHeap();
  private seq = 0;
  abstract now(): number;
  abstract wallNow(): number;
  protected abstract rearm(): void;

  schedule(at: number, task: () => void): ScheduledTask {
    const entry = new Entry(at, task, this.seq++, this.heap);
    const previousTop = this.heap.peek();
    this.heap.push(entry);
    if (this.heap.peek() !== previousTop) this.rearm();
    return entry;
  }

  /** Runs every live entry due at or before `until`, in time order. */
  protected runDue(until: number, beforeEach?: (entry: Entry) => void): void {
    for (;;) {
      this.heap.prune();
      const top = this.heap.peek();
      if (!top || top.at > until) return;
      this.heap.pop();
      beforeEach?.(top);
      try {
        top.task();
      } catch (error) {
        rethrowLater(error);
      }
    }
  }

  /** Live entries waiting; for tests and diagnostics. */
  pending(): number {
    return this.heap.live();
  }

  /** Entries held, cancelled ones not yet dropped included: what the heap costs in memory. */
  held(): number {
    return this.heap.size;
  }
}

/** The real scheduler: performance.now() for deadlines, one unref'd setTimeout. */
export class TimerScheduler extends HeapScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Infinity;

  now(): number {
    return performance.now();
  }
  wallNow(): number {
    return Date.now();
  }

  protected rearm(): void {
    this.heap.prune();
    const top = this.heap.peek();
    if (!top) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.armedAt = Infinity;
      return;
    }
    if (this.timer && this.armedAt <= top.at) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = top.at;
    const delay = Math.min(Math.max(0, Math.ceil(top.at - this.now())), 2_147_483_647);
    this.timer = setTimeout(() => this.fire(), delay);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    this.runDue(this.now());
    this.rearm();
  }
}

/** A scheduler whose time moves only when told: deterministic tests and simulations. */
export class ManualScheduler extends HeapScheduler {
  private time = 0;
  private readonly epoch: number;
  constructor(epochMs = Date.UTC(2026, 0, 1)) {
    super();
    this.epoch = epochMs;
  }
  now(): number {
    return this.time;
  }
  wallNow(): number {
    return this.epoch + this.time;
  }
  protected rearm(): void {}

  /** Moves time forward by `ms`, running each due task at its own time. */
  advance(ms: number): void {
    const until = this.time + ms;
    this.runDue(until, (entry) => {
      this.time = Math.max(this.time, entry.at);
    });
    this.time = until;
  }
}

let shared: Scheduler | undefined;
/** The process-wide scheduler every breaker uses unless given another. */
export function defaultScheduler(): Scheduler {
  shared ??= new TimerScheduler();
  return shared;
}
