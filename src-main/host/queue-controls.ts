/**
 * The queue's controls: pause, the latched emergency stop, the reset that re-arms the circuits, and
 * resume. The state they set is persisted, streamed and audited; the scheduler reads it through
 * `mayStart`.
 */
import type { QueueState } from '../../src-preload/contract.ts';
import type { CircuitManager } from '../breaker/index.ts';
import type { Audit } from './audit.ts';
import { CommandError } from './command-reply.ts';
import type { FleetLink } from './fleet-link.ts';
import type { JobScheduler } from './job-scheduler.ts';
import type { StudioSettings } from './studio-settings.ts';

export interface QueueControlsDeps {
  circuits: CircuitManager;
  settings: StudioSettings;
  scheduler: Pick<JobScheduler, 'pump' | 'runningIds' | 'interruptAll'>;
  queueChanged: (state: QueueState) => void;
  audit: Audit;
  /** The render farm's fleet (its latch is kept either way): each stop, reset and resume reaches every node. */
  fleet?: Pick<FleetLink, 'stopped' | 'reset' | 'resume' | 'check'>;
}

export class QueueControls {
  private current: QueueState;
  private readonly deps: QueueControlsDeps;

  constructor(deps: QueueControlsDeps) {
    this.deps = deps;
    this.current = deps.settings.queueState();
  }

  get state(): QueueState {
    return this.current;
  }

  get mayStart(): boolean {
    return !this.current.paused && !this.current.stopped;
  }

  /** A latched stop survives a restart: the circuits come back forced open until someone resets them. */
  relatchStop(): void {
    if (this.current.stopped) this.deps.circuits.forceOpenAll(`still stopped: ${this.current.stopped.reason}`, { abort: false });
  }

  pause(actor: string): QueueState {
    this.setState({ ...this.current, paused: true });
    this.deps.audit(actor, 'pause_queue', null, {});
    return this.current;
  }

  /** Latched stop: every circuit forced open, running work aborted (or finishing, after_current), the queue paused. */
  emergencyStop(scope: 'immediate' | 'after_current', reason: string, actor: string): QueueState {
    const { scheduler } = this.deps;
    const jobs = scheduler.runningIds();
    this.setState({ paused: true, stopped: { at: Date.now(), scope, reason } });
    this.deps.circuits.forceOpenAll(reason, { abort: scope === 'immediate' });
    if (scope === 'immediate') scheduler.interruptAll('emergency_stop');
    this.deps.fleet?.stopped(scope, reason);
    this.deps.audit(actor, 'emergency_stop', reason, { scope, jobs });
    return this.current;
  }

  /** Re-arms the circuits. Restarts nothing: resume is a separate action. `epoch`: the stop it answers (a stale one is refused). */
  reset(actor: string, reason: string | null, epoch?: number): QueueState {
    const { circuits } = this.deps;
    this.deps.fleet?.check(epoch);
    const stateOf = (name: string) => circuits.getBreaker(name).stats().state;
    // The audit says which circuits this re-armed, and from what: "video_export: forced_open → closed".
    const before = Object.fromEntries(circuits.names().map((name) => [name, stateOf(name)] as const));
    circuits.forceCloseAll(reason ?? 'reset');
    const rearmed = Object.keys(before).filter((name) => stateOf(name) !== before[name]);
    this.setState({ ...this.current, stopped: null });
    this.deps.fleet?.reset(reason);
    this.deps.audit(actor, 'reset', reason, {
      from: Object.fromEntries(rearmed.map((name) => [name, before[name]])),
      to: Object.fromEntries(rearmed.map((name) => [name, stateOf(name)])),
    });
    return this.current;
  }

  resume(actor: string, reason: string | null, epoch?: number): QueueState {
    this.deps.fleet?.check(epoch);
    if (this.current.stopped) throw new CommandError('conflict', 'the studio is emergency-stopped: reset the circuits first, then resume');
    this.setState({ ...this.current, paused: false });
    this.deps.fleet?.resume(reason);
    this.deps.audit(actor, 'resume', reason, {});
    this.deps.scheduler.pump();
    return this.current;
  }

  private setState(state: QueueState): void {
    this.current = state;
    this.deps.settings.saveQueueState(state);
    this.deps.queueChanged(state);
  }
}
