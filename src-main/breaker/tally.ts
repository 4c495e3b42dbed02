/**
 * What a breaker counts for its reports, and the report itself (`stats()`). The state machine never
 * reads these numbers: its streaks live in the breaker, so a counter here can change without
 * moving a circuit.
 */
import type { CircuitState, CircuitStats, ConfigSnapshot } from './types.ts';
import type { Call } from './call.ts';
import { RecentCalls, slowThresholdMs } from './recent.ts';
import { LATENCY_BOUNDS_MS, LatencyHistogram, RollingWindow } from './window.ts';

/** The part of a breaker's state machine that its report shows. */
export interface MachineView {
  name: string;
  state: CircuitState;
  config: ConfigSnapshot;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  stateChanges: number;
  /** Slots held. */
  running: number;
  /** Wall-clock epoch ms of the last opening, or null. */
  openedAtWall: number | null;
  /** Monotonic ms of the last opening. */
  openedAtMono: number;
}

/** What the report needs of an ended call. */
type EndedCall = Pick<Call, 'startedAt' | 'timeoutMs' | 'expectedMs'>;

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
/** A share in percent, to two decimals. */
const percent = (part: number, whole: number) => Math.round((part / whole) * 10_000) / 100;
const micros = (ms: number | null | undefined) => (ms == null ? null : Math.round(ms * 1000) / 1000);

export class CallTally {
  total = 0;
  successes = 0;
  failures = 0;
  rejected = 0;
  timeouts = 0;
  abandoned = 0;
  canceled = 0;
  ignored = 0;
  stale = 0;
  slowSuccesses = 0;
  slowFailures = 0;
  /** Summed durations of successful and failed calls, ms: Prometheus-style _sum alongside the counts. */
  private successMs = 0;
  private failureMs = 0;
  /** All-time durations by outcome, in fixed buckets: what Prometheus scrapes as calls_seconds_bucket. */
  private readonly successHistogram = new LatencyHistogram();
  private readonly failureHistogram = new LatencyHistogram();
  private readonly window: RollingWindow;
  private readonly recent = new RecentCalls();
  /** Monotonic times, turned into wall-clock times only when reported: one clock read per call saved. */
  private lastFailureMono: number | null = null;
  private lastSuccessMono: number | null = null;

  constructor(windowMs: number) {
    this.window = new RollingWindow(windowMs);
  }

  /** A call's duration, whatever its outcome, for the latency percentiles. */
  latency(now: number, durationMs: number): void {
    this.window.recordLatency(now, durationMs);
  }

  success(now: number, durationMs: number): void {
    this.successes++;
    this.successMs += durationMs;
    this.successHistogram.record(durationMs);
    this.window.count(now, 'successes');
    this.lastSuccessMono = now;
  }

  failure(now: number, durationMs: number): void {
    this.failures++;
    this.failureMs += durationMs;
    this.failureHistogram.record(durationMs);
    this.window.count(now, 'failures');
    this.lastFailureMono = now;
  }

  rejection(now: number): void {
    this.rejected++;
    this.window.count(now, 'rejected');
  }

  /** A deadline reached; the failure it also is is counted by `failure`. */
  timeout(now: number, durationMs: number): void {
    this.timeouts++;
    this.window.count(now, 'timeouts');
    this.window.recordLatency(now, durationMs);
  }

  /**
   * A call whose outcome counts has ended (success, failure or timeout): kept in the headroom ring,
   * and counted slow when it ran past its threshold without timing out (a timeout is a failure
   * already). A slow failure stays 'failed' in the ring; 'slow' there is a slow success.
   * Returns the threshold the call passed when it was slow, else null.
   */
  ended(now: number, call: EndedCall, config: ConfigSnapshot, outcome: 'ok' | 'failed' | 'timeout'): number | null {
    const elapsedMs = now - call.startedAt;
    const threshold = outcome === 'timeout' ? null : slowThresholdMs(config, call.expectedMs);
    const slow = threshold !== null && elapsedMs > threshold;
    if (slow && outcome === 'ok') {
      this.slowSuccesses++;
      this.window.count(now, 'slowSuccesses');
    } else if (slow) {
      this.slowFailures++;
      this.window.count(now, 'slowFailures');
    }
    this.recent.record(now, elapsedMs, call.timeoutMs, call.expectedMs, slow && outcome === 'ok' ? 'slow' : outcome);
    return slow ? threshold : null;
  }

  /** The brief's shape (name, state, config, stats, timing); times in seconds, wall-clock ones as epoch seconds. */
  report(machine: MachineView, now: number, wall: number): CircuitStats {
    const toWall = (mono: number | null) => (mono === null ? null : wall - (now - mono));
    const completed = this.successes + this.failures;
    const [p50, p95, p99] = this.window.percentiles(now, [0.5, 0.95, 0.99]);
    const cfg = machine.config;
    const { slowSuccesses, slowFailures, ...window } = this.window.totals(now);
    const windowCalls = window.successes + window.failures;
    const windowSlow = slowSuccesses + slowFailures;
    return {
      name: machine.name,
      state: machine.state,
      config: {
        failure_threshold: cfg.failureThreshold,
        recovery_timeout: cfg.recoveryTimeoutMs / 1000,
        success_threshold: cfg.successThreshold,
        timeout: cfg.timeoutMs / 1000,
        max_concurrent: cfg.maxConcurrent,
        half_open_max_probes: cfg.halfOpenMaxProbes,
        abandon_after: cfg.abandonAfterMs / 1000,
      },
      stats: {
        total_requests: this.total,
        successful_requests: this.successes,
        failed_requests: this.failures,
        rejected_requests: this.rejected,
        success_rate_percent: completed === 0 ? null : percent(this.successes, completed),
        consecutive_failures: machine.consecutiveFailures,
        consecutive_successes: machine.consecutiveSuccesses,
        state_changes: machine.stateChanges,
        concurrent_requests: machine.running,
        timeouts: this.timeouts,
        abandoned: this.abandoned,
        canceled: this.canceled,
        ignored_errors: this.ignored,
        stale_results: this.stale,
        call_seconds_total: { successful: this.successMs / 1000, failed: this.failureMs / 1000 },
        latency_histogram: { bounds_ms: LATENCY_BOUNDS_MS, successful: this.successHistogram.cumulative(), failed: this.failureHistogram.cumulative() },
        latency_ms: { p50: micros(p50), p95: micros(p95), p99: micros(p99), window_seconds: this.window.windowMs / 1000 },
        window: { seconds: this.window.windowMs / 1000, ...window, slow: windowSlow, slow_successes: slowSuccesses, slow_failures: slowFailures },
        slow_calls: this.slowSuccesses + this.slowFailures,
        slow_successful_calls: this.slowSuccesses,
        slow_failed_calls: this.slowFailures,
        slow_call_rate_percent: windowCalls === 0 ? null : percent(windowSlow, windowCalls),
        recent_calls: this.recent.list((mono) => wall - (now - mono)),
        headroom: this.recent.headroom(),
      },
      timing: {
        last_failure_time: seconds(toWall(this.lastFailureMono)),
        last_success_time: seconds(toWall(this.lastSuccessMono)),
        time_since_last_failure: this.lastFailureMono === null ? null : (now - this.lastFailureMono) / 1000,
        opened_at: seconds(machine.openedAtWall),
        next_attempt_at:
          machine.state === 'open' ? (wall + Math.max(0, machine.openedAtMono + cfg.recoveryTimeoutMs - now)) / 1000 : null,
      },
    };
  }
}
