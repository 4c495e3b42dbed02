/**
 * One event stream for every subscriber. Publishing is O(1) per subscriber: the latest state of each
 * circuit and job overwrites the last, discrete events go to a bounded list. A single timer flushes
 * every subscriber at most ~20 times a second. A subscriber that is backed up (its socket buffer is
 * full) is skipped and keeps coalescing; when its list overflows, the events are dropped and it gets
 * a snapshot instead of a backlog. No subscriber can stall the engine or another subscriber.
 */
import type { CircuitStats, EventBatch, Job, QueueState, ResourceSampleView, Snapshot, StudioEvent } from '../../src-preload/contract.ts';

export interface BusOptions {
  snapshot: () => Snapshot;
  circuitStats: (name: string) => CircuitStats | undefined;
  /** Flush period; 50 ms = at most 20 batches a second per subscriber. */
  intervalMs?: number;
  /** Discrete events held per subscriber before it is switched to a snapshot. */
  maxEvents?: number;
  /** A subscriber backed up this long is switched to a snapshot: old news is not worth catching up on. */
  snapshotAfterMs?: number;
}

export interface SubscribeOptions {
  isBackedUp?: () => boolean;
}

class Subscriber {
  readonly listener: (batch: EventBatch) => void;
  readonly isBackedUp: () => boolean;
  seq = 0;
  needsSnapshot = true;
  readonly circuits = new Set<string>();
  readonly jobs = new Map<string, Job>();
  queue: QueueState | undefined;
  resources: ResourceSampleView | undefined;
  events: StudioEvent[] = [];
  dropped = 0;
  /** When (performance.now()) it was first found backed up, while it still is. */
  backedUpSince: number | undefined;

  constructor(listener: (batch: EventBatch) => void, isBackedUp: () => boolean) {
    this.listener = listener;
    this.isBackedUp = isBackedUp;
  }

  get pending(): boolean {
    return this.needsSnapshot || this.circuits.size > 0 || this.jobs.size > 0 || this.events.length > 0 || this.queue !== undefined || this.resources !== undefined;
  }

  clear(): void {
    this.needsSnapshot = false;
    this.circuits.clear();
    this.jobs.clear();
    this.queue = undefined;
    this.resources = undefined;
    this.events = [];
    this.dropped = 0;
  }
}

export class EventBus {
  private readonly options: Required<BusOptions>;
  private readonly subscribers = new Set<Subscriber>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: BusOptions) {
    this.options = { intervalMs: 50, maxEvents: 500, snapshotAfterMs: 1000, ...options };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  subscribe(listener: (batch: EventBatch) => void, options: SubscribeOptions = {}): () => void {
    const subscriber = new Subscriber(listener, options.isBackedUp ?? (() => false));
    this.subscribers.add(subscriber);
    this.timer ??= setInterval(() => this.flush(), this.options.intervalMs);
    this.timer.unref?.();
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  circuitChanged(name: string): void {
    for (const s of this.subscribers) s.circuits.add(name);
  }

  jobChanged(job: Job): void {
    for (const s of this.subscribers) s.jobs.set(job.id, job);
  }

  queueChanged(state: QueueState): void {
    for (const s of this.subscribers) s.queue = state;
  }

  resourcesSampled(sample: ResourceSampleView): void {
    for (const s of this.subscribers) s.resources = sample;
  }

  publish(event: StudioEvent): void {
    for (const s of this.subscribers) {
      if (s.needsSnapshot && s.dropped > 0) {
        s.dropped++;
        continue;
      }
      if (s.events.length >= this.options.maxEvents) {
        // Fallen behind: what it missed is summed up by a snapshot, not replayed.
        s.dropped += s.events.length + 1;
        s.events = [];
        s.needsSnapshot = true;
        continue;
      }
      s.events.push(event);
    }
  }

  /** Sends every due batch now; the timer calls this, tests may too. */
  flush(): void {
    let snapshot: Snapshot | undefined;
    const stats = new Map<string, CircuitStats | undefined>();
    const statsOf = (name: string) => {
      if (!stats.has(name)) stats.set(name, this.options.circuitStats(name));
      return stats.get(name);
    };
    for (const s of this.subscribers) {
      if (!s.pending) continue;
      let backedUp = false;
      try {
        backedUp = s.isBackedUp();
      } catch {
        backedUp = true;
      }
      if (backedUp) {
        // Monotonic: a wall-clock step forward must not cut a subscriber off early, nor one back keep it waiting.
        const now = performance.now();
        s.backedUpSince ??= now;
        if (!s.needsSnapshot && now - s.backedUpSince >= this.options.snapshotAfterMs) {
          s.dropped += s.events.length;
          s.events = [];
          s.needsSnapshot = true;
        }
        continue;
      }
      s.backedUpSince = undefined;
      const batch: EventBatch = { seq: ++s.seq, at: Date.now(), circuits: {}, jobs: [], events: s.events, dropped: s.dropped };
      if (s.needsSnapshot) {
        snapshot ??= this.options.snapshot();
        batch.snapshot = snapshot;
      } else {
        for (const name of s.circuits) {
          const value = statsOf(name);
          if (value) batch.circuits[name] = value;
        }
        batch.jobs = [...s.jobs.values()];
        if (s.queue) batch.queue = s.queue;
        if (s.resources) batch.resources = s.resources;
      }
      s.clear();
      try {
        s.listener(batch);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.subscribers.clear();
  }
}
