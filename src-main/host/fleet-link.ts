/**
 * The host's side of a render farm's fleet (engine/fleet-control.ts): the emergency stop's latch
 * kept in SQLite beside the queue's state (the record the farm re-asserts into Redis), carried to
 * the fleet on every stop, reset and resume, and the nodes' acknowledgements audited. Each stop
 * takes a new epoch; a reset or resume naming an older epoch than the latch's is stale and refused.
 * Without a farm the latch is kept all the same, so the epochs count on when a farm is added.
 */
import type { CircuitManager } from '../breaker/index.ts';
import type { FleetControl } from '../engine/fleet-control.ts';
import type { FleetLatch, FleetView } from '../engine/fleet.ts';
import type { Audit } from './audit.ts';
import { CommandError } from './command-reply.ts';
import type { StudioSettings } from './studio-settings.ts';

export interface FleetLinkDeps {
  fleet: FleetControl | undefined;
  settings: StudioSettings;
  circuits: CircuitManager;
  audit: Audit;
  /** A newer stop found in Redis (another coordinator's) while this host is not stopped: stop here too. */
  stopHere: (latch: FleetLatch) => void;
}

export class FleetLink {
  private readonly deps: FleetLinkDeps;
  private record: FleetLatch;
  /** Set while the host stops itself for a newer stop found in Redis. */
  private adopting = false;
  /** Set when the host closes: an acknowledgement gathered after that has no database to go to. */
  private detached = false;

  constructor(deps: FleetLinkDeps) {
    this.deps = deps;
    const state = deps.settings.queueState();
    // A data folder from before the latch was kept: its stop (if any) is the first epoch.
    this.record = deps.settings.fleetLatch() ?? { epoch: state.stopped ? 1 : 0, phase: state.stopped ? 'stopped' : 'running', scope: state.stopped?.scope ?? 'immediate', reason: state.stopped?.reason ?? null, at: state.stopped?.at ?? 0 };
  }

  get latch(): FleetLatch {
    return this.record;
  }

  /** Hands the fleet the record: asserted into Redis now and after every reconnection. */
  attach(): void {
    this.deps.fleet?.attach({
      circuits: this.deps.circuits,
      latch: () => this.record,
      acknowledged: (report) => {
        if (this.detached) return;
        this.deps.audit('fleet', 'fleet_acknowledged', null, { epoch: report.epoch, phase: report.phase, nodes: report.acked, missing: report.missing });
      },
      newerStop: (latch) => {
        if (this.detached || latch.epoch <= this.record.epoch) return;
        const stoppedHere = this.record.phase === 'stopped';
        this.save({ ...latch });
        if (stoppedHere) return;
        this.adopting = true;
        try {
          this.deps.stopHere(latch);
        } finally {
          this.adopting = false;
        }
      },
    });
  }

  /** The host closes: what the fleet reports from now on is dropped (its database closes next). */
  detach(): void {
    this.detached = true;
  }

  /** Refuses a reset or resume that names another stop than the latch's (a stale one). */
  check(epoch: number | undefined): void {
    if (epoch !== undefined && epoch !== this.record.epoch) {
      throw new CommandError('conflict', `epoch: this answers stop #${epoch}, but the latch is stop #${this.record.epoch} now; look again before you reset or resume`);
    }
  }

  stopped(scope: FleetLatch['scope'], reason: string): void {
    // A stop found in Redis is recorded with its own epoch (newerStop): it is not sent again.
    if (this.adopting) return;
    this.send({ epoch: this.record.epoch + 1, phase: 'stopped', scope, reason, at: Date.now() });
  }

  reset(reason: string | null): void {
    this.send({ ...this.record, phase: 'reset', reason, at: Date.now() });
  }

  resume(reason: string | null): void {
    this.send({ ...this.record, phase: 'running', reason, at: Date.now() });
  }

  view(): FleetView | null {
    return this.deps.fleet?.view() ?? null;
  }

  private send(latch: FleetLatch): void {
    this.save(latch);
    void this.deps.fleet?.apply(latch);
  }

  private save(latch: FleetLatch): void {
    this.record = latch;
    this.deps.settings.saveFleetLatch(latch);
  }
}
