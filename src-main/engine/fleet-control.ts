/**
 * The fleet's seam as the host drives it: the farm's coordinator implements FleetControl, the host
 * implements FleetHost, and neither imports the other (cli-farm.ts wires them). Kept apart from
 * fleet.ts so that the window's types import nothing of the breaker's.
 */
import type { CircuitManager } from '../breaker/index.ts';
import type { FleetAckReport, FleetLatch, FleetView } from './fleet.ts';

/** What the host gives the fleet: its record, its circuits and its ears. */
export interface FleetHost {
  /** The coordinator's circuits: a circuit open on a quorum of nodes opens here too. */
  circuits: CircuitManager;
  /** The latch as the host's record says now (read again after Redis comes back). */
  latch(): FleetLatch;
  /** The nodes' acknowledgements of a latch (for the audit). */
  acknowledged(report: FleetAckReport): void;
  /** Redis holds a newer stop than the host's record (another coordinator's): the host latches it too. */
  newerStop(latch: FleetLatch): void;
}

/** A fleet the host drives (the farm's coordinator implements it). */
export interface FleetControl {
  /** Called once by the host; the fleet asserts the host's latch now and after each reconnection. */
  attach(host: FleetHost): void;
  /** Carries a new latch to the fleet (Redis key, queue pause, broadcast); never throws. */
  apply(latch: FleetLatch): Promise<void>;
  view(): FleetView;
}
