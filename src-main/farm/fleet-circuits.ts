/**
 * Circuits across the fleet, on the coordinator. Each node keeps its own breakers and says in its
 * heartbeat which are not closed; a node whose circuit for a stage is open takes none of that
 * stage's chunks (it hands them back, and the leaser does not count on it). A circuit is open
 * fleet-wide only when a quorum of the live nodes (more than `quorum` of them, a half by default)
 * has it open or half-open: then the coordinator's own circuit opens too (once, when the quorum is
 * reached; its recovery and probes follow its own rules), and the nodes' failures of that stage
 * count on it. Below the quorum a node's failure reaches the engine as a NodeFaultError, which the
 * coordinator's circuits do not count: a bad node must not open the fleet's circuit.
 *
 * What this sees is as old as the heartbeats (up to a beat, plus the registry's read): a quorum is
 * reached or left that much late, which only delays an opening the nodes' own circuits already made.
 */
import type { CircuitManager } from '../breaker/index.ts';
import { SEED_CIRCUIT_NAMES } from '../breaker/index.ts';
import type { FleetOpenCircuit } from '../engine/fleet.ts';
import type { NodeRegistry } from './node-registry.ts';

export const DEFAULT_QUORUM = 0.5;
const IN_TROUBLE: ReadonlySet<string> = new Set(['open', 'half_open']);

export type FleetCircuitEvent = { type: 'fleet_open'; circuit: string; nodes: string[]; live: number } | { type: 'fleet_closed'; circuit: string };

export class FleetCircuits {
  readonly quorum: number;
  private readonly registry: NodeRegistry;
  private readonly log: (event: FleetCircuitEvent) => void;
  private circuits: CircuitManager | undefined;
  private openNow = new Set<string>();

  constructor(registry: NodeRegistry, quorum: number, log: (event: FleetCircuitEvent) => void) {
    if (!(quorum >= 0 && quorum < 1)) throw new RangeError(`the fleet's quorum is a share of the live nodes, at least 0 and under 1 (got ${quorum})`);
    this.registry = registry;
    this.quorum = quorum;
    this.log = log;
  }

  /** The coordinator's circuits, which a quorum opens. */
  attach(circuits: CircuitManager): void {
    this.circuits = circuits;
    this.update();
  }

  /** The circuits open on a quorum of the live nodes now. */
  open(): FleetOpenCircuit[] {
    const live = this.registry.live();
    const out: FleetOpenCircuit[] = [];
    for (const circuit of SEED_CIRCUIT_NAMES) {
      const nodes = live.filter((n) => IN_TROUBLE.has(n.circuits[circuit] ?? 'closed')).map((n) => n.name);
      if (nodes.length > 0 && nodes.length > this.quorum * live.length) out.push({ circuit, nodes, live: live.length });
    }
    return out;
  }

  /** Whether this circuit is open fleet-wide: the nodes' failures of its stage count on the coordinator. */
  fleetWide(circuit: string): boolean {
    return this.open().some((c) => c.circuit === circuit);
  }

  /** After each read of the nodes: a circuit that a quorum has just opened opens on the coordinator. */
  update(): void {
    const open = this.open();
    const now = new Set(open.map((c) => c.circuit));
    for (const c of open) {
      if (this.openNow.has(c.circuit)) continue;
      this.log({ type: 'fleet_open', circuit: c.circuit, nodes: c.nodes, live: c.live });
      if (this.circuits?.has(c.circuit)) this.circuits.getBreaker(c.circuit).trip(`open on ${c.nodes.length} of ${c.live} live nodes (${c.nodes.join(', ')}): a quorum of the fleet`);
    }
    for (const circuit of this.openNow) if (!now.has(circuit)) this.log({ type: 'fleet_closed', circuit });
    this.openNow = now;
  }
}
