/**
 * One circuit: its calls and their outcomes. The states and the rules between them are in
 * state-machine.ts; what it counts for reports, tally.ts (slow calls and deadline headroom:
 * recent.ts); its in-flight calls' deadlines, inflight.ts.
 */
import { Call } from './call.ts';
import { type CircuitBreakerConfig, normalizeConfig, parsePatch, snapshotEquals } from './config.ts';
import { TypedEmitter } from './emitter.ts';
import { CircuitBreakerError, CircuitTimeoutError, EmergencyStopError } from './errors.ts';
import { InflightCalls } from './inflight.ts';
import { callTimeoutMs, expectedMsOf } from './recent.ts';
import { defaultScheduler, type Scheduler } from './scheduler.ts';
import { CircuitStateMachine } from './state-machine.ts';
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

  private readonly machine: CircuitStateMachine;
  private readonly inflight: InflightCalls;
  /** Slots held: running calls, including aborted ones that have not ended and are not yet abandoned. */
  private running = 0;
  private readonly tally: CallTally;
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
    this.machine = new CircuitStateMachine(name, {
      scheduler: this.scheduler,
      config: () => this.cfg,
      changed: (change) => this.emit('state_change', change),
      stale: () => {
        this.tally.stale++;
      },
    });
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
    return this.machine.state;
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
    const rejection = this.machine.admission(now, true, this.running);
    if (rejection) return Promise.reject(this.reject(rejection, now));
    if (options?.signal?.aborted) {
      this.tally.canceled++;
      return Promise.reject(options.signal.reason);
    }

    const timeoutMs = callTimeoutMs(this.cfg.timeoutMs, options?.timeoutMs);
    const call = new Call(this.machine.generation, now, timeoutMs, expectedMsOf(options?.expectedMs), this.machine.state === 'half_open');
    this.running++;
    if (call.probe) this.machine.probes++;
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
    this.machine.transition('forced_open', reason);
    if (options.abort) this.inflight.cancelAll(() => new EmergencyStopError(this.name, reason));
  }

  /**
   * Opens the circuit for a reason from outside its own calls (a render farm's quorum of nodes has
   * it open): its recovery time and half-open probes follow as after its own failures. Only a closed
   * or half-open circuit moves; a forced-open or disabled one stays as the operator set it.
   */
  trip(reason: string): void {
    if (this.machine.state === 'closed' || this.machine.state === 'half_open') this.machine.transition('open', reason);
  }

  /** Re-arm: closed, with the current streak cleared. Running work is not touched. */
  forceClose(reason = 'reset'): void {
    this.machine.reset(reason);
  }

  /** Stops counting toward opening; timeouts and the concurrency limit still hold. forceClose re-enables. */
  disable(reason = 'disabled'): void {
    this.machine.transition('disabled', reason);
  }

  /** Changes the config live. Validated; emits config_change. Returns the config before and after. */
  configure(patch: Partial<ConfigSnapshot>): { from: ConfigSnapshot; to: ConfigSnapshot } {
    const valid = parsePatch(this.name, patch);
    const from = this.cfg;
    const { isFailure: _ignored, ...to } = normalizeConfig(this.name, { ...from, ...valid });
    if (snapshotEquals(from, to)) return { from, to };
    this.cfg = to;
    if (to.recoveryTimeoutMs !== from.recoveryTimeoutMs) this.machine.recoveryChanged();
    this.emit('config_change', { circuit: this.name, from, to, at: this.scheduler.wallNow() });
    return { from, to };
  }

  stats(): CircuitStats {
    const m = this.machine;
    const machine = {
      name: this.name,
      state: m.state,
      config: this.cfg,
      consecutiveFailures: m.consecutiveFailures,
      consecutiveSuccesses: m.consecutiveSuccesses,
      stateChanges: m.stateChanges,
      running: this.running,
      openedAtWall: m.openedAtWall,
      openedAtMono: m.openedAtMono,
    };
    return this.tally.report(machine, this.scheduler.now(), this.scheduler.wallNow());
  }

  /**
   * What a call made now would meet, without making one: nothing is counted and the state does
   * not move. For callers that queue for a slot, so that their waiting does not show as rejections.
   */
  peekAdmission(): RejectionReason | null {
    return this.machine.admission(this.scheduler.now(), false, this.running);
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
      this.machine.success(call.generation);
    } else {
      this.tally.failure(now, durationMs);
      if (this.wants('failure')) this.emit('failure', { circuit: this.name, error, durationMs, timedOut: false, at: this.scheduler.wallNow() });
      this.machine.failure(call.generation, 'failure');
    }
  }

  // ── admission ────────────────────────────────────────────────────────────

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
    this.machine.success(call.generation);
  }

  private recordFailure(call: Call, durationMs: number, error: unknown, timedOut: boolean, now: number): void {
    this.tally.failure(now, durationMs);
    const slowPast = this.tally.ended(now, call, this.cfg, timedOut ? 'timeout' : 'failed');
    if (this.wants('failure')) this.emit('failure', { circuit: this.name, error, durationMs, timedOut, at: this.scheduler.wallNow() });
    if (slowPast !== null) this.emitSlow(call, durationMs, slowPast);
    this.machine.failure(call.generation, timedOut ? 'timeout' : 'failure');
  }

  /** A slow call is reported besides its success or failure, never instead of it. */
  private emitSlow(call: Call, durationMs: number, thresholdMs: number): void {
    if (!this.wants('slow_call')) return;
    this.emit('slow_call', { circuit: this.name, durationMs, expectedMs: call.expectedMs, thresholdMs, at: this.scheduler.wallNow() });
  }

  private release(call: Call): void {
    this.running--;
    if (call.probe && call.generation === this.machine.generation) this.machine.probes--;
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

  private wants(type: keyof BreakerEvents): boolean {
    return this.sink !== undefined || this.emitter.has(type);
  }

  private emit<K extends keyof BreakerEvents>(type: K, payload: BreakerEvents[K]): void {
    this.emitter.emit(type, payload);
    this.sink?.({ type, ...payload } as CircuitEvent);
  }
}
