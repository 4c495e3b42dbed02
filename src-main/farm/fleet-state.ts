/**
 * The fleet as the host drives and sees it (engine/fleet-control.ts): the emergency stop's latch
 * (fleet-stop.ts), the circuits open on a quorum of nodes (fleet-circuits.ts), and a view of it all
 * for the window: every live node with its circuits' states and the latch it acknowledged last.
 */
import type { Redis } from 'ioredis';
import { SEED_CIRCUIT_NAMES } from '../breaker/index.ts';
import type { FleetControl, FleetHost } from '../engine/fleet-control.ts';
import type { FleetNodeView, FleetView } from '../engine/fleet.ts';
import type { FleetLatch } from '../engine/fleet.ts';
import { newerLatch } from './farm-messages.ts';
import type { FleetCircuits } from './fleet-circuits.ts';
import type { FleetStop } from './fleet-stop.ts';
import type { NodeRegistry } from './node-registry.ts';

export interface FarmFleetParts {
  probe: Redis;
  registry: NodeRegistry;
  stop: FleetStop;
  circuits: FleetCircuits;
}

export class FarmFleet implements FleetControl {
  private readonly parts: FarmFleetParts;
  private host: FleetHost | undefined;

  constructor(parts: FarmFleetParts) {
    this.parts = parts;
  }

  attach(host: FleetHost): void {
    this.host = host;
    this.parts.circuits.attach(host.circuits);
    void this.parts.stop.attach(host);
  }

  apply(latch: FleetLatch): Promise<void> {
    return this.parts.stop.apply(latch);
  }

  /** After each read of the nodes: the quorums, and the acknowledgements the view shows. */
  refresh(): void {
    this.parts.circuits.update();
    void this.parts.stop.readAcks();
  }

  view(): FleetView {
    const { registry, stop, circuits, probe } = this.parts;
    const now = Date.now();
    const acks = stop.acknowledgements;
    const live = registry.live();
    const nodes: FleetNodeView[] = live.map((n) => ({
      name: n.name,
      host: n.host,
      tags: n.tags,
      workers: n.workers,
      running: n.running,
      heartbeatAgeMs: Math.max(0, now - n.at),
      circuits: Object.fromEntries(SEED_CIRCUIT_NAMES.map((c) => [c, n.circuits[c] ?? 'closed'])),
      ack: acks[n.name] ?? null,
    }));
    // The host's record is the latch (Redis's copy may lag it by a round trip, or be lost with a restart).
    const latch = this.host?.latch() ?? stop.latch;
    const applied = (name: string) => latch !== undefined && acks[name] !== undefined && !newerLatch(latch, acks[name]);
    return {
      at: now,
      quorum: circuits.quorum,
      redis: probe.status === 'ready' ? 'connected' : 'unreachable',
      nodes,
      openFleetWide: circuits.open(),
      stop: latch ? { ...latch, acked: Object.keys(acks).filter(applied).sort(), missing: live.map((n) => n.name).filter((name) => !applied(name)) } : null,
    };
  }
}
