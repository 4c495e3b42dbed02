/**
 * Per-call deadlines and slowness, and the deadline-headroom ring: the last calls' elapsed time
 * against their deadline, in fixed memory (typed arrays, overwritten in place), so an operator sees
 * work creeping toward its deadline before anything times out.
 */
import type { ConfigSnapshot, RecentCall } from './types.ts';

const usable = (ms: unknown): ms is number => typeof ms === 'number' && ms > 0 && ms < Infinity;

/** A call's deadline: its own when a usable number below the circuit's, which stays the hard cap. */
export function callTimeoutMs(circuitTimeoutMs: number, requested: number | undefined): number {
  return usable(requested) && requested < circuitTimeoutMs ? requested : circuitTimeoutMs;
}

/** The expected duration a caller gave, or null when it gave none usable. */
export function expectedMsOf(requested: number | undefined): number | null {
  return usable(requested) ? requested : null;
}

/** Past how many ms a call is slow: expected × slowCallFactor, else slowCallDurationMs; null: never. */
export function slowThresholdMs(config: ConfigSnapshot, expectedMs: number | null): number | null {
  return expectedMs === null ? config.slowCallDurationMs : expectedMs * config.slowCallFactor;
}

export type RecentOutcome = RecentCall['outcome'];
const OUTCOMES: readonly RecentOutcome[] = ['ok', 'failed', 'timeout', 'slow'];
const CODE: Record<RecentOutcome, number> = { ok: 0, failed: 1, timeout: 2, slow: 3 };

export interface Headroom {
  worst_ratio: number | null;
  p95_ratio: number | null;
  samples: number;
}

const ratio3 = (x: number) => Math.round(x * 1000) / 1000;

export class RecentCalls {
  readonly capacity: number;
  /** Monotonic end times; turned into wall-clock times only when reported. */
  private readonly endedAt: Float64Array;
  private readonly elapsed: Float64Array;
  private readonly deadline: Float64Array;
  /** NaN where no expected time was given. */
  private readonly expected: Float64Array;
  private readonly outcome: Uint8Array;
  /** Where the next call goes; and how many slots hold one (up to capacity). */
  private nextIndex = 0;
  private filled = 0;

  constructor(capacity = 64) {
    this.capacity = capacity;
    this.endedAt = new Float64Array(capacity);
    this.elapsed = new Float64Array(capacity);
    this.deadline = new Float64Array(capacity);
    this.expected = new Float64Array(capacity);
    this.outcome = new Uint8Array(capacity);
  }

  get size(): number {
    return this.filled;
  }

  record(now: number, elapsedMs: number, deadlineMs: number, expectedMs: number | null, outcome: RecentOutcome): void {
    const i = this.nextIndex;
    this.endedAt[i] = now;
    this.elapsed[i] = elapsedMs;
    this.deadline[i] = deadlineMs;
    this.expected[i] = expectedMs ?? Number.NaN;
    this.outcome[i] = CODE[outcome];
    this.nextIndex = i + 1 === this.capacity ? 0 : i + 1;
    if (this.filled < this.capacity) this.filled++;
  }

  /** Oldest first, elapsed to the µs; `toWall` turns a monotonic time into wall-clock epoch ms. */
  list(toWall: (mono: number) => number): RecentCall[] {
    const out: RecentCall[] = [];
    this.each((i) => {
      const expected = this.expected[i]!;
      out.push({
        at: toWall(this.endedAt[i]!) / 1000,
        elapsed_ms: Math.round(this.elapsed[i]! * 1000) / 1000,
        deadline_ms: this.deadline[i]!,
        expected_ms: Number.isNaN(expected) ? null : expected,
        outcome: OUTCOMES[this.outcome[i]!]!,
      });
    });
    return out;
  }

  /** The worst and the 95th-percentile (nearest rank) elapsed / deadline of the calls kept. */
  headroom(): Headroom {
    if (this.filled === 0) return { worst_ratio: null, p95_ratio: null, samples: 0 };
    const ratios = new Float64Array(this.filled);
    let n = 0;
    this.each((i) => (ratios[n++] = this.elapsed[i]! / this.deadline[i]!));
    ratios.sort();
    const p95 = ratios[Math.max(0, Math.ceil(0.95 * n) - 1)]!;
    return { worst_ratio: ratio3(ratios[n - 1]!), p95_ratio: ratio3(p95), samples: n };
  }

  private each(visit: (index: number) => void): void {
    const start = this.filled < this.capacity ? 0 : this.nextIndex;
    for (let k = 0; k < this.filled; k++) visit((start + k) % this.capacity);
  }
}
