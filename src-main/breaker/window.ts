/**
 * Rolling-window statistics in fixed memory: a ring of time slots, each holding outcome counters and
 * a log-scale latency histogram. Recording is O(1); percentiles walk a fixed number of buckets.
 * Memory never grows with traffic, and nothing is sorted.
 */

/** Sub-buckets per power of two: each bucket spans about 9% (2^(1/8)). */
const STEPS_PER_OCTAVE = 8;
/** Smallest latency told apart: 1 µs; largest: 2^36 µs (about 19 hours), beyond which all share the last bucket. */
const MIN_MS = 0.001;
const BUCKETS = 36 * STEPS_PER_OCTAVE + 1;

export function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const index = Math.ceil(Math.log2(ms / MIN_MS) * STEPS_PER_OCTAVE);
  return index < BUCKETS ? index : BUCKETS - 1;
}

/** The upper bound of a bucket in ms: a percentile is reported as the bucket it falls in. */
export function bucketUpperMs(index: number): number {
  return MIN_MS * 2 ** (index / STEPS_PER_OCTAVE);
}

export interface WindowCounts {
  successes: number;
  failures: number;
  rejected: number;
  timeouts: number;
  /** Calls counted slow, by outcome; each is also counted among the successes or failures. */
  slowSuccesses: number;
  slowFailures: number;
}

class Slot implements WindowCounts {
  /** Which slot period (floor(time / slotMs)) this slot currently holds; -1 when never used. */
  period = -1;
  successes = 0;
  failures = 0;
  rejected = 0;
  timeouts = 0;
  slowSuccesses = 0;
  slowFailures = 0;
  readonly histogram = new Uint32Array(BUCKETS);
  reset(period: number): void {
    this.period = period;
    this.successes = this.failures = this.rejected = this.timeouts = this.slowSuccesses = this.slowFailures = 0;
    this.histogram.fill(0);
  }
}

export class RollingWindow {
  readonly slotMs: number;
  private readonly slots: Slot[];

  constructor(windowMs = 60_000, slotCount = 6) {
    this.slotMs = windowMs / slotCount;
    this.slots = Array.from({ length: slotCount }, () => new Slot());
  }

  get windowMs(): number {
    return this.slotMs * this.slots.length;
  }

  private slotAt(now: number): Slot {
    const period = Math.floor(now / this.slotMs);
    const slot = this.slots[period % this.slots.length]!;
    if (slot.period !== period) slot.reset(period);
    return slot;
  }

  recordLatency(now: number, ms: number): void {
    this.slotAt(now).histogram[bucketOf(ms)]!++;
  }
  count(now: number, what: keyof WindowCounts): void {
    this.slotAt(now)[what]++;
  }

  private live(now: number): Slot[] {
    const period = Math.floor(now / this.slotMs);
    return this.slots.filter((s) => s.period >= 0 && period - s.period < this.slots.length);
  }

  totals(now: number): WindowCounts {
    const total: WindowCounts = { successes: 0, failures: 0, rejected: 0, timeouts: 0, slowSuccesses: 0, slowFailures: 0 };
    for (const s of this.live(now)) {
      total.successes += s.successes;
      total.failures += s.failures;
      total.rejected += s.rejected;
      total.timeouts += s.timeouts;
      total.slowSuccesses += s.slowSuccesses;
      total.slowFailures += s.slowFailures;
    }
    return total;
  }

  /** Latency percentiles (0..1) over the window, as bucket upper bounds in ms; null when no samples. */
  percentiles(now: number, qs: number[]): (number | null)[] {
    const merged = new Float64Array(BUCKETS);
    let n = 0;
    for (const s of this.live(now)) {
      for (let i = 0; i < BUCKETS; i++) {
        merged[i]! += s.histogram[i]!;
        n += s.histogram[i]!;
      }
    }
    if (n === 0) return qs.map(() => null);
    return qs.map((q) => {
      const rank = Math.max(1, Math.ceil(q * n));
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += merged[i]!;
        if (seen >= rank) return bucketUpperMs(i);
      }
      return bucketUpperMs(BUCKETS - 1);
    });
  }
}

/**
 * Upper bounds (ms) of the all-time latency histogram that Prometheus scrapes as
 * calls_seconds_bucket. 1-2.5-5 per decade, as Prometheus's own client defaults step: 18 bounds from
 * 1 ms (a probe that fails at once) to 600 s (past the longest render stage a deadline allows), so
 * histogram_quantile has a bound within 2.5x of any duration a stage takes, and a scrape carries
 * 19 series per circuit and outcome rather than the rolling window's 289 buckets.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 600_000,
];

/**
 * Durations counted since the breaker began, never reset or rolled (Prometheus histograms are
 * cumulative counters): one count per bound, plus one for calls longer than the last bound.
 * Each count is of its own bucket; `cumulative` gives Prometheus's "less than or equal" counts.
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(LATENCY_BOUNDS_MS.length + 1);

  record(ms: number): void {
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]!) i++;
    this.counts[i]!++;
  }

  /** Calls at or under each bound, then all of them (the +Inf bucket). */
  cumulative(): number[] {
    let seen = 0;
    return Array.from(this.counts, (n) => (seen += n));
  }
}
