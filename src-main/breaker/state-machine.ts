/**
 * The circuit's states and the rules that move between them, apart from the calls: what a call
 * made now meets, how a counted success or failure moves the streaks and the state, and the one
 * recovery timer per opening. The breaker feeds it outcomes; it tells the breaker each change.
 */
import type { ScheduledTask, Scheduler } from './scheduler.ts';
import type { CircuitState, ConfigSnapshot, RejectionReason, StateChangeEvent } from './types.ts';

export interface StateMachineDeps {
  scheduler: Scheduler;
  config: () => ConfigSnapshot;
  /** Every state change, after it is made. */
  changed: (change: StateChangeEvent) => void;
  /** An outcome of a call begun in an earlier state: counted in the totals, never moving the state. */
  stale: () => void;
}

export class CircuitStateMachine {
  state: CircuitState = 'closed';
  /** Bumped on every state change: results of calls begun earlier do not count in the new state. */
  generation = 0;
  consecutiveFailures = 0;
  consecutiveSuccesses = 0;
  stateChanges = 0;
  /** Probes of the current half-open generation still holding a slot. */
  probes = 0;
  openedAtWall: number | null = null;
  openedAtMono = 0;
  private recoveryTask: ScheduledTask | undefined;
  private readonly name: string;
  private readonly deps: StateMachineDeps;

  constructor(name: string, deps: StateMachineDeps) {
    this.name = name;
    this.deps = deps;
  }

  /** What a call made now meets. `admitting`: an open circuit past its recovery time moves to half_open. */
  admission(now: number, admitting: boolean, running: number): RejectionReason | null {
    const cfg = this.deps.config();
    const full = running >= cfg.maxConcurrent ? 'concurrency_limit' : null;
    switch (this.state) {
      case 'forced_open':
        return 'forced_open';
      case 'open':
        // The scheduler moves us on at the recovery time; this covers a timer that runs late.
        if (now < this.openedAtMono + cfg.recoveryTimeoutMs) return 'open';
        if (!admitting) return full;
        this.transition('half_open', 'recovery timeout elapsed');
        return this.admission(now, true, running);
      case 'half_open':
        return this.probes >= cfg.halfOpenMaxProbes ? 'half_open_full' : full;
      default:
        return full;
    }
  }

  /** A counted success of a call begun in `generation`. */
  success(generation: number): void {
    if (generation !== this.generation) return this.deps.stale();
    this.consecutiveFailures = 0;
    this.consecutiveSuccesses++;
    if (this.state === 'half_open' && this.consecutiveSuccesses >= this.deps.config().successThreshold) {
      this.transition('closed', `${this.consecutiveSuccesses} successful probe(s)`);
    }
  }

  /** A counted failure (or timeout) of a call begun in `generation`. */
  failure(generation: number, what: 'timeout' | 'failure'): void {
    if (generation !== this.generation) return this.deps.stale();
    this.consecutiveSuccesses = 0;
    this.consecutiveFailures++;
    if (this.state === 'half_open') this.transition('open', `probe ${what}`);
    else if (this.state === 'closed' && this.consecutiveFailures >= this.deps.config().failureThreshold) {
      this.transition('open', `${this.consecutiveFailures} consecutive failures (last: ${what})`);
    }
  }

  /** Re-arm: closed, with the current streak cleared. */
  reset(reason: string): void {
    this.transition('closed', reason);
    this.consecutiveFailures = this.consecutiveSuccesses = 0;
  }

  transition(to: CircuitState, reason: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.generation++;
    this.stateChanges++;
    this.probes = 0;
    this.consecutiveSuccesses = 0;
    if (to !== 'open' && to !== 'forced_open') this.consecutiveFailures = 0;
    this.recoveryTask?.cancel();
    this.recoveryTask = undefined;
    const at = this.deps.scheduler.wallNow();
    if (to === 'open') {
      this.openedAtWall = at;
      this.openedAtMono = this.deps.scheduler.now();
      this.scheduleRecovery();
    } else if (to === 'forced_open') {
      this.openedAtWall = from === 'open' ? this.openedAtWall : at;
    } else if (to !== 'half_open') {
      this.openedAtWall = null;
    }
    this.deps.changed({ circuit: this.name, from, to, reason, at });
  }

  /** The recovery time changed: an open circuit's timer follows it. */
  recoveryChanged(): void {
    if (this.state === 'open') this.scheduleRecovery();
  }

  private scheduleRecovery(): void {
    this.recoveryTask?.cancel();
    const generation = this.generation;
    this.recoveryTask = this.deps.scheduler.schedule(this.openedAtMono + this.deps.config().recoveryTimeoutMs, () => {
      if (this.generation === generation && this.state === 'open') this.transition('half_open', 'recovery timeout elapsed');
    });
  }
}
