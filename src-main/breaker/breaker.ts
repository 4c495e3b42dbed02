import { Call, CallList } from './call.ts';
import { type CircuitBreakerConfig, normalizeConfig, parsePatch, snapshotEquals } from './config.ts';
import { TypedEmitter } from './emitter.ts';
import { CircuitBreakerError, CircuitTimeoutError, EmergencyStopError } from './errors.ts';
import { defaultScheduler, type ScheduledTask, type Scheduler } from './scheduler.ts';
import type {
  BreakerEvents,
  CircuitEvent,
  CircuitState,
  CircuitStats,
  ConfigSnapshot,
  ExecuteOptions,
  Operation,
  RejectionReason,
} from './types.ts';
import { RollingWindow } from './window.ts';

export interface BreakerOptions {
  /** Clock and timer; the process-wide one by default. Tests pass a ManualScheduler. */
  scheduler?: Scheduler;
  /** Span of the rolling window behind latency percentiles and window counts. Default 60 s. */
  windowMs?: number;
}

const everyErrorCounts = () => true;
const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
const micros = (ms: number | null | undefined) => (ms == null ? null : Math.round(ms * 1000) / 1000);

export class CircuitBreaker {
  readonly name: string;
  private cfg: ConfigSnapshot;
  private isFailure: (error: unknown) => boolean;
  private readonly scheduler: Scheduler;
  private readonly emitter = new TypedEmitter<BreakerEvents>();
  private sink: ((event: CircuitEvent) => void) | undefined;

  private current: CircuitState = 'closed';
  /** Bumped on every state change: results of calls begun earlier do not count in the new state. */
  private generation = 0;
  private consecutiveFailures = 0;
  private consecutiveSuccesses = 0;
  private stateChanges = 0;

  private readonly inflight = new CallList();
  /** Slots held: running calls, including aborted ones that have not ended and are not yet abandoned. */
  private running = 0;
  /** Probes of the current half-open generation still holding a slot. */
  private probes = 0;

  private total = 0;
  private successes = 0;
  private failures = 0;
  private rejected = 0;
  private timeouts = 0;
  private abandoned = 0;
  private canceled = 0;
  private ignored = 0;
  private stale = 0;
  /** Summed durations of successful and failed calls, ms: Prometheus-style _sum alongside the counts. */
  private successMs = 0;
  private failureMs = 0;
  private readonly window: RollingWindow;

  /** Monotonic times, turned into wall-clock times only when reported: one clock read per call saved. */
  private lastFailureMono: number | null = null;
  private lastSuccessMono: number | null = null;
  private openedAtWall: number | null = null;
  private openedAtMono = 0;
  private recoveryTask: ScheduledTask | undefined;
  private sweepTask: ScheduledTask | undefined;

  constructor(name: string, config: CircuitBreakerConfig, options: BreakerOptions = {}) {
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
      throw new TypeError(`Circuit name ${JSON.stringify(name)} is invalid: use lowercase letters, digits and _ (for example "video_export")`);
    }
    this.name = name;
    const { isFailure, ...snapshot } = normalizeConfig(name, config);
    this.cfg = snapshot;
    this.isFailure = isFailure ?? everyErrorCounts;
    this.scheduler = options.scheduler ?? defaultScheduler();
    this.window = new RollingWindow(options.windowMs ?? 60_000);
  }

  get state(): CircuitState {
    return this.current;
  }

  get config(): Readonly<ConfigSnapshot> {
    return this.cfg;
  }

  /** Whether a custom failure classifier was given; part of a config's identity. */
  get failureClassifier(): (error: unknown) => boolean {
    return this.isFailure;
  }

  on<K extends keyof BreakerEvents>(type: K, listener: (payload: BreakerEvents[K]) => void): () => void {
    return this.emitter.on(type, listener);
  }

  /** The manager's one stream; set only while it has subscribers, so an idle stream costs nothing. */
  setSink(sink: ((event: CircuitEvent) => void) | undefined): void {
    this.sink = sink;
  }

  execute<T>(op: Operation<T>, options?: ExecuteOptions): Promise<T> {
    this.total++;
    const now = this.scheduler.now();
    const rejection = this.admit(now);
    if (rejection) return Promise.reject(this.reject(rejection, now));
    if (options?.signal?.aborted) {
      this.canceled++;
      return Promise.reject(options.signal.reason);
    }

    const call = new Call(this.generation, now, this.cfg.timeoutMs, this.current === 'half_open');
    this.running++;
    if (call.probe) this.probes++;
    this.inflight.add(call);
    this.ensureSweepBy(call.deadline);
    if (options?.signal) this.linkCallerSignal(call, options.signal);

    let result: T | PromiseLike<T>;
    try {
      result = op(call);
    } catch (error) {
      this.settle(call, false, error);
      return Promise.reject(error);
    }
    if (!isThenable(result)) {
      this.settle(call, true, result);
      return Promise.resolve(result);
    }
    return new Promise<T>((resolve, reject) => {
      call.resolve = resolve as (value: unknown) => void;
      call.reject = reject;
      result.then(
        (value) => this.settle(call, true, value),
        (error: unknown) => this.settle(call, false, error),
      );
    });
  }

  /** Emergency stop for this circuit: latched until forceClose. `abort` also aborts running calls. */
  forceOpen(reason = 'forced open', options: { abort?: boolean } = {}): void {
    this.transition('forced_open', reason);
    if (options.abort) this.abortRunning(reason);
  }

  /** Re-arm: closed, with the current streak cleared. Running work is not touched. */
  forceClose(reason = 'reset'): void {
    this.transition('closed', reason);
    this.consecutiveFailures = this.consecutiveSuccesses = 0;
  }

  /** Stops counting toward opening; timeouts and the concurrency limit still hold. forceClose re-enables. */
  disable(reason = 'disabled'): void {
    this.transition('disabled', reason);
  }

  /** Changes the config live. Validated; emits config_change. Returns the config before and after. */
  configure(patch: Partial<ConfigSnapshot>): { from: ConfigSnapshot; to: ConfigSnapshot } {
    const valid = parsePatch(this.name, patch);
    const from = this.cfg;
    const { isFailure: _ignored, ...to } = normalizeConfig(this.name, { ...from, ...valid });
    if (snapshotEquals(from, to)) return { from, to };
    this.cfg = to;
    if (this.current === 'open' && to.recoveryTimeoutMs !== from.recoveryTimeoutMs) this.scheduleRecovery();
    this.emit('config_change', { circuit: this.name, from, to, at: this.scheduler.wallNow() });
    return { from, to };
  }

  stats(): CircuitStats {
    const now = this.scheduler.now();
    const wall = this.scheduler.wallNow();
    const toWall = (mono: number | null) => (mono === null ? null : wall - (now - mono));
    const completed = this.successes + this.failures;
    const [p50, p95, p99] = this.window.percentiles(now, [0.5, 0.95, 0.99]);
    const cfg = this.cfg;
    return {
      name: this.name,
      state: this.current,
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
        success_rate_percent: completed === 0 ? null : Math.round((this.successes / completed) * 10_000) / 100,
        consecutive_failures: this.consecutiveFailures,
        consecutive_successes: this.consecutiveSuccesses,
        state_changes: this.stateChanges,
        concurrent_requests: this.running,
        timeouts: this.timeouts,
        abandoned: this.abandoned,
        canceled: this.canceled,
        ignored_errors: this.ignored,
        stale_results: this.stale,
        call_seconds_total: { successful: this.successMs / 1000, failed: this.failureMs / 1000 },
        latency_ms: { p50: micros(p50), p95: micros(p95), p99: micros(p99), window_seconds: this.window.windowMs / 1000 },
        window: { seconds: this.window.windowMs / 1000, ...this.window.totals(now) },
      },
      timing: {
        last_failure_time: seconds(toWall(this.lastFailureMono)),
        last_success_time: seconds(toWall(this.lastSuccessMono)),
        time_since_last_failure: this.lastFailureMono === null ? null : (now - this.lastFailureMono) / 1000,
        opened_at: seconds(this.openedAtWall),
        next_attempt_at:
          this.current === 'open' ? (wall + Math.max(0, this.openedAtMono + cfg.recoveryTimeoutMs - now)) / 1000 : null,
      },
    };
  }

  /**
   * What a call made now would meet, without making one: nothing is counted and the state does
   * not move. For callers that queue for a slot, so that their waiting does not show as rejections.
   */
  peekAdmission(): RejectionReason | null {
    const now = this.scheduler.now();
    const full = this.running >= this.cfg.maxConcurrent ? 'concurrency_limit' : null;
    switch (this.current) {
      case 'forced_open':
        return 'forced_open';
      case 'open':
        return now < this.openedAtMono + this.cfg.recoveryTimeoutMs ? 'open' : full;
      case 'half_open':
        return this.probes >= this.cfg.halfOpenMaxProbes ? 'half_open_full' : full;
      default:
        return full;
    }
  }

  // ── admission ────────────────────────────────────────────────────────────

  private admit(now: number): RejectionReason | null {
    switch (this.current) {
      case 'forced_open':
        return 'forced_open';
      case 'open':
        // The scheduler moves us on at the recovery time; this covers a timer that runs late.
        if (now < this.openedAtMono + this.cfg.recoveryTimeoutMs) return 'open';
        this.transition('half_open', 'recovery timeout elapsed');
        return this.admit(now);
      case 'half_open':
        if (this.probes >= this.cfg.halfOpenMaxProbes) return 'half_open_full';
        return this.running >= this.cfg.maxConcurrent ? 'concurrency_limit' : null;
      default:
        return this.running >= this.cfg.maxConcurrent ? 'concurrency_limit' : null;
    }
  }

  private reject(reason: RejectionReason, now: number): CircuitBreakerError {
    this.rejected++;
    this.window.count(now, 'rejected');
    if (this.wants('rejected')) this.emit('rejected', { circuit: this.name, reason, at: this.scheduler.wallNow() });
    return new CircuitBreakerError(this.name, reason);
  }

  // ── outcomes ─────────────────────────────────────────────────────────────

  /** The operation has ended. Frees its slot; reports the outcome unless a timeout or abort already did. */
  private settle(call: Call, ok: boolean, value: unknown): void {
    if (call.settled) return;
    call.settled = true;
    call.detachCallerSignal?.();
    if (!call.abandoned) this.release(call);
    this.inflight.remove(call);
    if (call.decided) return;
    call.decided = true;

    const now = this.scheduler.now();
    const durationMs = now - call.startedAt;
    this.window.recordLatency(now, durationMs);
    if (ok) {
      this.recordSuccess(call, durationMs, now);
      call.resolve?.(value);
      return;
    }
    let counts = true;
    try {
      counts = this.isFailure(value) !== false;
    } catch {
      // A classifier that throws cannot vouch for the error: count it.
    }
    if (counts) this.recordFailure(call, durationMs, value, false, now);
    else this.ignored++;
    call.reject?.(value);
  }

  private recordSuccess(call: Call, durationMs: number, now: number): void {
    this.successes++;
    this.successMs += durationMs;
    this.window.count(now, 'successes');
    this.lastSuccessMono = now;
    if (this.wants('success')) this.emit('success', { circuit: this.name, durationMs, at: this.scheduler.wallNow() });
    if (call.generation !== this.generation) {
      this.stale++;
      return;
    }
    this.consecutiveFailures = 0;
    this.consecutiveSuccesses++;
    if (this.current === 'half_open' && this.consecutiveSuccesses >= this.cfg.successThreshold) {
      this.transition('closed', `${this.consecutiveSuccesses} successful probe(s)`);
    }
  }

  private recordFailure(call: Call, durationMs: number, error: unknown, timedOut: boolean, now: number): void {
    this.failures++;
    this.failureMs += durationMs;
    this.window.count(now, 'failures');
    this.lastFailureMono = now;
    if (this.wants('failure')) this.emit('failure', { circuit: this.name, error, durationMs, timedOut, at: this.scheduler.wallNow() });
    if (call.generation !== this.generation) {
      this.stale++;
      return;
    }
    this.consecutiveSuccesses = 0;
    this.consecutiveFailures++;
    const what = timedOut ? 'timeout' : 'failure';
    if (this.current === 'half_open') this.transition('open', `probe ${what}`);
    else if (this.current === 'closed' && this.consecutiveFailures >= this.cfg.failureThreshold) {
      this.transition('open', `${this.consecutiveFailures} consecutive failures (last: ${what})`);
    }
  }

  private release(call: Call): void {
    this.running--;
    if (call.probe && call.generation === this.generation) this.probes--;
  }

  // ── deadlines: one sweep per breaker on the shared scheduler, not a timer per call ──

  private ensureSweepBy(at: number): void {
    if (this.sweepTask && this.sweepTask.at <= at) return;
    this.sweepTask?.cancel();
    this.sweepTask = this.scheduler.schedule(at, () => this.sweep());
  }

  private sweep(): void {
    this.sweepTask = undefined;
    const now = this.scheduler.now();
    let next = Infinity;
    for (const call of this.inflight.toArray()) {
      if (!call.decided) {
        if (call.deadline <= now) this.timeOut(call, now);
        else next = Math.min(next, call.deadline);
      }
      if (call.decided && !call.settled && !call.abandoned) {
        const abandonAt = call.abortedAt + this.cfg.abandonAfterMs;
        if (abandonAt <= now) this.abandon(call, now);
        else next = Math.min(next, abandonAt);
      }
    }
    if (next !== Infinity) this.ensureSweepBy(next);
  }

  private timeOut(call: Call, now: number): void {
    call.decided = true;
    const error = new CircuitTimeoutError(this.name, call.timeoutMs);
    call.abort(error, now);
    this.timeouts++;
    this.window.count(now, 'timeouts');
    this.window.recordLatency(now, now - call.startedAt);
    if (this.wants('timeout')) this.emit('timeout', { circuit: this.name, timeoutMs: error.timeoutMs, at: this.scheduler.wallNow() });
    this.recordFailure(call, now - call.startedAt, error, true, now);
    call.reject?.(error);
  }

  private abandon(call: Call, now: number): void {
    call.abandoned = true;
    this.abandoned++;
    this.release(call);
    this.inflight.remove(call);
    if (this.wants('abandoned')) {
      this.emit('abandoned', { circuit: this.name, abandonAfterMs: now - call.abortedAt, at: this.scheduler.wallNow() });
    }
  }

  /** Aborts every running call whose outcome is still open: an emergency stop, not a failure. */
  private abortRunning(reason: string): void {
    const now = this.scheduler.now();
    for (const call of this.inflight.toArray()) {
      if (call.decided) continue;
      call.decided = true;
      const error = new EmergencyStopError(this.name, reason);
      call.abort(error, now);
      this.canceled++;
      call.reject?.(error);
      this.ensureSweepBy(now + this.cfg.abandonAfterMs);
    }
  }

  private linkCallerSignal(call: Call, signal: AbortSignal): void {
    const onAbort = () => {
      if (call.decided) return;
      call.decided = true;
      const now = this.scheduler.now();
      call.abort(signal.reason, now);
      this.canceled++;
      call.reject?.(signal.reason);
      this.ensureSweepBy(now + this.cfg.abandonAfterMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    call.detachCallerSignal = () => signal.removeEventListener('abort', onAbort);
  }

  // ── state machine ────────────────────────────────────────────────────────

  private transition(to: CircuitState, reason: string): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.generation++;
    this.stateChanges++;
    this.probes = 0;
    this.consecutiveSuccesses = 0;
    if (to !== 'open' && to !== 'forced_open') this.consecutiveFailures = 0;
    this.recoveryTask?.cancel();
    this.recoveryTask = undefined;
    const at = this.scheduler.wallNow();
    if (to === 'open') {
      this.openedAtWall = at;
      this.openedAtMono = this.scheduler.now();
      this.scheduleRecovery();
    } else if (to === 'forced_open') {
      this.openedAtWall = from === 'open' ? this.openedAtWall : at;
    } else if (to !== 'half_open') {
      this.openedAtWall = null;
    }
    this.emit('state_change', { circuit: this.name, from, to, reason, at });
  }

  private scheduleRecovery(): void {
    this.recoveryTask?.cancel();
    const generation = this.generation;
    this.recoveryTask = this.scheduler.schedule(this.openedAtMono + this.cfg.recoveryTimeoutMs, () => {
      if (this.generation === generation && this.current === 'open') this.transition('half_open', 'recovery timeout elapsed');
    });
  }

  private wants(type: keyof BreakerEvents): boolean {
    return this.sink !== undefined || this.emitter.has(type);
  }

  private emit<K extends keyof BreakerEvents>(type: K, payload: BreakerEvents[K]): void {
    this.emitter.emit(type, payload);
    this.sink?.({ type, ...payload } as CircuitEvent);
  }
}
