/**
 * One circuit's state machine: admission, outcomes, transitions. What it counts for reports is in
 * tally.ts (slow calls and deadline headroom: recent.ts); its in-flight calls' deadlines, inflight.ts.
 */
import { Call } from './call.ts';
import { type CircuitBreakerConfig, normalizeConfig, parsePatch, snapshotEquals } from './config.ts';
import { TypedEmitter } from './emitter.ts';
import { CircuitBreakerError, CircuitTimeoutError, EmergencyStopError } from './errors.ts';
import { InflightCalls } from './inflight.ts';
import { callTimeoutMs, expectedMsOf } from './recent.ts';
import { defaultScheduler, type ScheduledTask, type Scheduler } from './scheduler.ts';
import { CallTally } from './tally.ts';
import type { BreakerEvents, CallContext, CircuitEvent, CircuitState, CircuitStats, ConfigSnapshot, ExecuteOptions, Operation, RejectionReason } from './types.ts';

/**
 * `outcome: 'recorded_later'` admits work of which the call times only the first part (a retry's
 * backoff): its success is not counted when it settles, the caller reports the whole work's outcome
 * with recordOutcome. A failure or timeout of the timed part counts at once, as any call's does.
 */
export interface BreakerExecuteOptions extends ExecuteOptions {
  outcome?: 'on_settle' | 'recorded_later';
}

export interface BreakerOptions {
  /** Clock and timer; the process-wide one by default. Tests pass a ManualScheduler. */
  scheduler?: Scheduler;
  /** Span of the rolling window behind latency percentiles and window counts. Default 60 s. */
  windowMs?: number;
}

const everyErrorCounts = () => true;
const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';

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

  private readonly inflight: InflightCalls;
  /** Slots held: running calls, including aborted ones that have not ended and are not yet abandoned. */
  private running = 0;
  /** Probes of the current half-open generation still holding a slot. */
  private probes = 0;
  private readonly tally: CallTally;

  private openedAtWall: number | null = null;
  private openedAtMono = 0;
  private recoveryTask: ScheduledTask | undefined;
  /** Calls made with outcome 'recorded_later': their timed part's duration once it succeeded, NaN before. */
  private readonly owed = new WeakMap<Call, number>();

  constructor(name: string, config: CircuitBreakerConfig, options: BreakerOptions = {}) {
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
      throw new TypeError(`Circuit name ${JSON.stringify(name)} is invalid: use lowercase letters, digits and _ (for example "video_export")`);
    }
    this.name = name;
    const { isFailure, ...snapshot } = normalizeConfig(name, config);
    this.cfg = snapshot;
    this.isFailure = isFailure ?? everyErrorCounts;
    this.scheduler = options.scheduler ?? defaultScheduler();
    this.tally = new CallTally(options.windowMs ?? 60_000);
    this.inflight = new InflightCalls(this.scheduler, {
      abandonAfterMs: () => this.cfg.abandonAfterMs,
      timedOut: (call, now) => this.timeOut(call, now),
      abandoned: (call, now) => this.abandon(call, now),
      canceled: () => {
        this.tally.canceled++;
      },
    });
  }

  get state(): CircuitState {
    return this.current;
  }

  get config(): Readonly<ConfigSnapshot> {
    return this.cfg;
  }

  /**
   * The function that decides whether an error counts as a failure: the config's `isFailure`, or one
   * that counts every error. Part of a config's identity: the manager compares it when asked again.
   */
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

  execute<T>(op: Operation<T>, options?: BreakerExecuteOptions): Promise<T> {
    this.tally.total++;
    const now = this.scheduler.now();
    const rejection = this.admission(now, true);
    if (rejection) return Promise.reject(this.reject(rejection, now));
    if (options?.signal?.aborted) {
      this.tally.canceled++;
      return Promise.reject(options.signal.reason);
    }

    const timeoutMs = callTimeoutMs(this.cfg.timeoutMs, options?.timeoutMs);
    const call = new Call(this.generation, now, timeoutMs, expectedMsOf(options?.expectedMs), this.current === 'half_open');
    this.running++;
    if (call.probe) this.probes++;
    this.inflight.add(call, options?.signal);
    if (options?.outcome === 'recorded_later') this.owed.set(call, Number.NaN);

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
    if (options.abort) this.inflight.cancelAll(() => new EmergencyStopError(this.name, reason));
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
    const machine = {
      name: this.name,
      state: this.current,
      config: this.cfg,
      consecutiveFailures: this.consecutiveFailures,
      consecutiveSuccesses: this.consecutiveSuccesses,
      stateChanges: this.stateChanges,
      running: this.running,
      openedAtWall: this.openedAtWall,
      openedAtMono: this.openedAtMono,
    };
    return this.tally.report(machine, this.scheduler.now(), this.scheduler.wallNow());
  }

  /**
   * What a call made now would meet, without making one: nothing is counted and the state does
   * not move. For callers that queue for a slot, so that their waiting does not show as rejections.
   */
  peekAdmission(): RejectionReason | null {
    return this.admission(this.scheduler.now(), false);
  }

  /**
   * The outcome of work admitted by `admitted` (a call made with outcome 'recorded_later') that this
   * circuit did not time: it counts toward opening and closing as a call's outcome does (the failure
   * classifier decides, and an outcome from an earlier state's generation is stale), without a
   * latency of its own. Ignored for a call that owes nothing (its timed part failed, or it was reported).
   */
  recordOutcome(admitted: CallContext, ok: boolean, error?: unknown): void {
    const call = admitted as Call;
    const durationMs = this.owed.get(call);
    // NaN: the timed part has not succeeded (it runs still, or was canceled): nothing is owed yet.
    if (durationMs === undefined || Number.isNaN(durationMs)) return;
    this.owed.delete(call);
    const now = this.scheduler.now();
    let counts = true;
    try {
      counts = ok || this.isFailure(error) !== false;
    } catch {
      // As in settle: a classifier that throws cannot vouch for the error.
    }
    if (!counts) {
      this.tally.ignored++;
    } else if (ok) {
      this.tally.success(now, durationMs);
      if (this.wants('success')) this.emit('success', { circuit: this.name, durationMs, at: this.scheduler.wallNow() });
      this.countSuccess(call);
    } else {
      this.tally.failure(now, durationMs);
      if (this.wants('failure')) this.emit('failure', { circuit: this.name, error, durationMs, timedOut: false, at: this.scheduler.wallNow() });
      this.countFailure(call, 'failure');
    }
  }

  // ── admission ────────────────────────────────────────────────────────────

  /** What a call made now meets. `admitting`: an open circuit past its recovery time moves to half_open. */
  private admission(now: number, admitting: boolean): RejectionReason | null {
    const full = this.running >= this.cfg.maxConcurrent ? 'concurrency_limit' : null;
    switch (this.current) {
      case 'forced_open':
        return 'forced_open';
      case 'open':
        // The scheduler moves us on at the recovery time; this covers a timer that runs late.
        if (now < this.openedAtMono + this.cfg.recoveryTimeoutMs) return 'open';
        if (!admitting) return full;
        this.transition('half_open', 'recovery timeout elapsed');
        return this.admission(now, true);
      case 'half_open':
        return this.probes >= this.cfg.halfOpenMaxProbes ? 'half_open_full' : full;
      default:
        return full;
    }
  }

  private reject(reason: RejectionReason, now: number): CircuitBreakerError {
    this.tally.rejection(now);
    if (this.wants('rejected')) this.emit('rejected', { circuit: this.name, reason, at: this.scheduler.wallNow() });
    return new CircuitBreakerError(this.name, reason);
  }

  // ── outcomes ─────────────────────────────────────────────────────────────

  /** The operation has ended. Frees its slot; reports the outcome unless a timeout or abort already did. */
  private settle(call: Call, ok: boolean, value: unknown): void {
    if (call.settled) return;
    call.settled = true;
    if (!call.abandoned) this.release(call);
    this.inflight.remove(call);
    if (call.decided) return;
    call.decided = true;

    const now = this.scheduler.now();
    const durationMs = now - call.startedAt;
    this.tally.latency(now, durationMs);
    if (ok && this.owed.has(call)) {
      this.owed.set(call, durationMs);
      call.resolve?.(value);
      return;
    }
    this.owed.delete(call);
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
    else this.tally.ignored++;
    call.reject?.(value);
  }

  private recordSuccess(call: Call, durationMs: number, now: number): void {
    this.tally.success(now, durationMs);
    const slowPast = this.tally.ended(now, call, this.cfg, 'ok');
    if (this.wants('success')) this.emit('success', { circuit: this.name, durationMs, at: this.scheduler.wallNow() });
    if (slowPast !== null) this.emitSlow(call, durationMs, slowPast);
    this.countSuccess(call);
  }

  /** A success in the streaks: stale when the call began in an earlier state. */
  private countSuccess(call: Call): void {
    if (call.generation !== this.generation) {
      this.tally.stale++;
      return;
    }
    this.consecutiveFailures = 0;
    this.consecutiveSuccesses++;
    if (this.current === 'half_open' && this.consecutiveSuccesses >= this.cfg.successThreshold) {
      this.transition('closed', `${this.consecutiveSuccesses} successful probe(s)`);
    }
  }

  private recordFailure(call: Call, durationMs: number, error: unknown, timedOut: boolean, now: number): void {
    this.tally.failure(now, durationMs);
    const slowPast = this.tally.ended(now, call, this.cfg, timedOut ? 'timeout' : 'failed');
    if (this.wants('failure')) this.emit('failure', { circuit: this.name, error, durationMs, timedOut, at: this.scheduler.wallNow() });
    if (slowPast !== null) this.emitSlow(call, durationMs, slowPast);
    this.countFailure(call, timedOut ? 'timeout' : 'failure');
  }

  private countFailure(call: Call, what: 'timeout' | 'failure'): void {
    if (call.generation !== this.generation) {
      this.tally.stale++;
      return;
    }
    this.consecutiveSuccesses = 0;
    this.consecutiveFailures++;
    if (this.current === 'half_open') this.transition('open', `probe ${what}`);
    else if (this.current === 'closed' && this.consecutiveFailures >= this.cfg.failureThreshold) {
      this.transition('open', `${this.consecutiveFailures} consecutive failures (last: ${what})`);
    }
  }

  /** A slow call is reported besides its success or failure, never instead of it. */
  private emitSlow(call: Call, durationMs: number, thresholdMs: number): void {
    if (!this.wants('slow_call')) return;
    this.emit('slow_call', { circuit: this.name, durationMs, expectedMs: call.expectedMs, thresholdMs, at: this.scheduler.wallNow() });
  }

  private release(call: Call): void {
    this.running--;
    if (call.probe && call.generation === this.generation) this.probes--;
  }

  // ── what the in-flight list reports ──────────────────────────────────────

  private timeOut(call: Call, now: number): void {
    call.decided = true;
    this.owed.delete(call);
    const error = new CircuitTimeoutError(this.name, call.timeoutMs);
    call.abort(error, now);
    this.tally.timeout(now, now - call.startedAt);
    if (this.wants('timeout')) this.emit('timeout', { circuit: this.name, timeoutMs: error.timeoutMs, at: this.scheduler.wallNow() });
    this.recordFailure(call, now - call.startedAt, error, true, now);
    call.reject?.(error);
  }

  private abandon(call: Call, now: number): void {
    this.tally.abandoned++;
    this.release(call);
    if (this.wants('abandoned')) {
      this.emit('abandoned', { circuit: this.name, abandonAfterMs: now - call.abortedAt, at: this.scheduler.wallNow() });
    }
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
