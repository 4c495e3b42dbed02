/**
 * The seam between the Studio host and a render farm's fleet: the host keeps the emergency stop's
 * record (SQLite) and tells the fleet each change; the farm carries it to every node and answers
 * with what it saw. Types only, importing nothing: the contract re-exports them for the window.
 * The host's side of the seam is fleet-control.ts.
 */

/** Where a fleet stands after an emergency stop: stopped (latched), reset (circuits re-armed, still paused), running. */
export const FLEET_PHASES = ['stopped', 'reset', 'running'] as const;
export type FleetPhase = (typeof FLEET_PHASES)[number];

/**
 * The latched stop as the host records it. `epoch` counts stops: each stop takes a new one, and a
 * reset or resume carries the epoch of the stop it answers, so a stale one (older epoch) is refused
 * and never undoes a newer stop.
 */
export interface FleetLatch {
  epoch: number;
  phase: FleetPhase;
  scope: 'immediate' | 'after_current';
  reason: string | null;
  at: number;
}

/** What the nodes acknowledged of a latch, some time after it was sent. */
export interface FleetAckReport {
  epoch: number;
  phase: FleetPhase;
  /** The live nodes that applied it. */
  acked: string[];
  /** The live nodes that had not when the fleet stopped waiting. */
  missing: string[];
}

/** One node, as the fleet view shows it. */
export interface FleetNodeView {
  name: string;
  host: string;
  tags: string[];
  workers: number;
  running: number;
  /** Ms since its last heartbeat, as the coordinator last read it. */
  heartbeatAgeMs: number;
  /** Every circuit of the node: its state (closed unless its heartbeat says otherwise). */
  circuits: Record<string, string>;
  /** The latch it last acknowledged, if any. */
  ack: { epoch: number; phase: FleetPhase; at: number } | null;
}

/** A circuit open on a quorum of the live nodes: open fleet-wide. */
export interface FleetOpenCircuit {
  circuit: string;
  /** The live nodes that have it open or half-open. */
  nodes: string[];
  live: number;
}

/** The fleet as the coordinator sees it: nodes and their circuits, what is open fleet-wide, the stop. */
export interface FleetView {
  at: number;
  /** A circuit opens fleet-wide when more than this share of the live nodes have it open. */
  quorum: number;
  redis: 'connected' | 'unreachable';
  nodes: FleetNodeView[];
  openFleetWide: FleetOpenCircuit[];
  stop: (FleetLatch & { acked: string[]; missing: string[] }) | null;
}
