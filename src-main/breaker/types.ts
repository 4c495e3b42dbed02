import type { z } from 'zod';
import type { ConfigSnapshotSchema } from './config.ts';

/** The states a circuit can be in. `forced_open` is the latched emergency stop; `disabled` never opens. */
export type CircuitState = 'closed' | 'open' | 'half_open' | 'forced_open' | 'disabled';

/** Why a call was turned away without running. */
export type RejectionReason = 'open' | 'forced_open' | 'half_open_full' | 'concurrency_limit';

/** What the operation passed to `execute` receives. */
export interface CallContext {
  /** Aborted on timeout, emergency stop or caller cancellation. Created on first access. */
  readonly signal: AbortSignal;
}

export type Operation<T> = (ctx: CallContext) => T | PromiseLike<T>;

export interface ExecuteOptions {
  /** The caller's own cancellation: aborting it aborts the operation, and the outcome counts neither way. */
  signal?: AbortSignal;
  /**
   * This call's own deadline, from the expected cost of its work. The circuit's `timeoutMs` stays the
   * hard cap: the deadline is the smaller of the two. Not a positive finite number: the circuit's.
   */
  timeoutMs?: number;
  /**
   * How long the work is expected to take. A call that ends after more than this × `slowCallFactor`
   * is counted slow (never failed). Without it, `slowCallDurationMs` decides, when set.
   */
  expectedMs?: number;
}

export interface StateChangeEvent {
  circuit: string;
  from: CircuitState;
  to: CircuitState;
  reason: string;
  /** Wall-clock time, epoch milliseconds. */
  at: number;
}

export interface BreakerEvents {
  state_change: StateChangeEvent;
  success: { circuit: string; durationMs: number; at: number };
  failure: { circuit: string; error: unknown; durationMs: number; timedOut: boolean; at: number };
  timeout: { circuit: string; timeoutMs: number; at: number };
  rejected: { circuit: string; reason: RejectionReason; at: number };
  abandoned: { circuit: string; abandonAfterMs: number; at: number };
  /** A call that ended (not by timeout) after more than `thresholdMs`; its outcome counted as it was. */
  slow_call: { circuit: string; durationMs: number; expectedMs: number | null; thresholdMs: number; at: number };
  config_change: { circuit: string; from: ConfigSnapshot; to: ConfigSnapshot; at: number };
}

export type BreakerEventType = keyof BreakerEvents;

/** One event of any breaker, tagged with its type: the shape of a manager's single stream. */
export type CircuitEvent = { [K in BreakerEventType]: { type: K } & BreakerEvents[K] }[BreakerEventType];

/** The numeric part of a config, as echoed in events and settings: what ConfigSnapshotSchema yields. */
export type ConfigSnapshot = z.infer<typeof ConfigSnapshotSchema>;

/** One ended call, as the deadline-headroom ring keeps it. */
export interface RecentCall {
  /** When it ended, wall-clock epoch seconds. */
  at: number;
  elapsed_ms: number;
  /** The deadline it ran under: its own timeoutMs or the circuit's, whichever was smaller. */
  deadline_ms: number;
  expected_ms: number | null;
  /** 'slow' is a slow success; a slow failure is 'failed' (and counted in slow_failed_calls). */
  outcome: 'ok' | 'failed' | 'timeout' | 'slow';
}

export interface CircuitStats {
  name: string;
  state: CircuitState;
  config: {
    failure_threshold: number;
    recovery_timeout: number;
    success_threshold: number;
    timeout: number;
    max_concurrent: number;
    half_open_max_probes: number;
    abandon_after: number;
  };
  stats: {
    total_requests: number;
    successful_requests: number;
    failed_requests: number;
    rejected_requests: number;
    /** successful / (successful + failed); null before the first completed call. */
    success_rate_percent: number | null;
    consecutive_failures: number;
    consecutive_successes: number;
    state_changes: number;
    concurrent_requests: number;
    timeouts: number;
    abandoned: number;
    /** Calls ended by their caller's signal or by an emergency stop: neither success nor failure. */
    canceled: number;
    /** Errors that `isFailure` said were not the circuit's concern (cancellation, invalid input). */
    ignored_errors: number;
    /** Results that arrived after the state they began in had changed: counted above, not in the state machine. */
    stale_results: number;
    /** Summed durations of completed calls, seconds, by outcome. */
    call_seconds_total: { successful: number; failed: number };
    /**
     * Durations of successful and failed calls since the breaker began, cumulative as Prometheus's
     * buckets are: entry i counts the calls of at most bounds_ms[i]; the last entry (one past the
     * bounds) counts them all, so it equals successful_requests or failed_requests.
     */
    latency_histogram: { bounds_ms: readonly number[]; successful: number[]; failed: number[] };
    latency_ms: { p50: number | null; p95: number | null; p99: number | null; window_seconds: number };
    window: {
      seconds: number;
      successes: number;
      failures: number;
      rejected: number;
      timeouts: number;
      /** Slow calls, all and by outcome; each is also among the successes or failures. */
      slow: number;
      slow_successes: number;
      slow_failures: number;
    };
    /** Calls that ended (not by timeout) slower than expected × slowCallFactor, or than slowCallDurationMs. */
    slow_calls: number;
    slow_successful_calls: number;
    slow_failed_calls: number;
    /** window.slow / (window.successes + window.failures); null while the window holds no calls. */
    slow_call_rate_percent: number | null;
    /** The last calls that ended by success, failure or timeout, oldest first; a fixed number is kept. */
    recent_calls: RecentCall[];
    /** How close those calls came to their deadlines: ratio = elapsed / deadline, 1 = hit it. */
    headroom: { worst_ratio: number | null; p95_ratio: number | null; samples: number };
  };
  timing: {
    /** Epoch seconds, or null. */
    last_failure_time: number | null;
    last_success_time: number | null;
    /** Seconds, or null when nothing has failed yet. */
    time_since_last_failure: number | null;
    opened_at: number | null;
    /** When an open circuit will let a probe through (epoch seconds), or null. */
    next_attempt_at: number | null;
  };
}
