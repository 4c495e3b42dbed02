/**
 * A node's side of the fleet's emergency stop: it follows the coordinator's latch and applies each
 * newer one once. Stopped: every running chunk is stopped at once (killed, handed back to the paused
 * queue) and every circuit of the node forced open; reset: the circuits re-armed; running: nothing
 * more (BullMQ's resume lets the node take chunks again). Each applied latch is acknowledged in the
 * acks hash under the node's name.
 *
 * The latch reaches the node three ways: the stop channel (at once, if it is listening), the lease
 * watchdog's round trip (while chunks run) and a read every heartbeat (an idle node that missed the
 * broadcast, or Redis restarted and the acks are gone). A node cut off from Redis hears none of
 * them; its lease watchdog kills its chunks anyway before their locks expire.
 */
import type { Redis } from 'ioredis';
import type { CircuitManager } from '../breaker/index.ts';
import type { FleetLatch } from '../engine/fleet.ts';
import type { StopWhy } from './chunk-processor.ts';
import { farmKeys } from './farm-keys.ts';
import { type FleetAck, FleetAckSchema, FleetLatchSchema, newerLatch, parseStored, toLatch } from './farm-messages.ts';

export type NodeStopEvent = { type: 'fleet_stop'; epoch: number; phase: string; scope: string; killed: number };

export interface NodeStopParts {
  name: string;
  probe: Redis;
  circuits: CircuitManager;
  /** The chunks running now, by id. */
  running: Map<string, (why: StopWhy, detail: string) => void>;
  heartbeatMs: number;
  log: (event: NodeStopEvent) => void;
}

export class NodeStopFollower {
  private readonly parts: NodeStopParts;
  private applied: FleetLatch | undefined;
  private acked: FleetAck | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(parts: NodeStopParts) {
    this.parts = parts;
  }

  /** The latch this node applied last. */
  get latch(): FleetLatch | undefined {
    return this.applied;
  }

  /** Reads the latch once (before the node takes any chunk), then on every heartbeat. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.parts.heartbeatMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A latch's text, as the broadcast or the watchdog's round trip brought it. */
  seen(text: string | null): void {
    const message = parseStored(FleetLatchSchema, text);
    if (message) this.follow(toLatch(message));
  }

  private async check(): Promise<void> {
    const { probe, name } = this.parts;
    try {
      const replies = (await probe.multi().get(farmKeys.stop).hget(farmKeys.stopAcks, name).exec()) ?? [];
      const [[, latch], [, ack]] = replies as [[unknown, string | null], [unknown, string | null]];
      this.acked = parseStored(FleetAckSchema, ack);
      this.seen(latch);
    } catch {
      // Redis out of reach: the lease watchdog guards the running chunks meanwhile.
    }
  }

  private follow(latch: FleetLatch): void {
    if (newerLatch(latch, this.applied)) {
      this.applied = latch;
      this.apply(latch);
    }
    const ack = this.acked;
    if (!ack || ack.epoch !== this.applied!.epoch || ack.phase !== this.applied!.phase) void this.acknowledge(this.applied!);
  }

  private apply(latch: FleetLatch): void {
    const { circuits, running } = this.parts;
    let killed = 0;
    const reason = `fleet emergency stop #${latch.epoch}${latch.reason ? `: ${latch.reason}` : ''}`;
    if (latch.phase === 'stopped') {
      if (latch.scope === 'immediate') {
        // Stopped as chunks (handed back), before the circuits abort them as failures.
        for (const stop of [...running.values()]) {
          stop('stopped', reason);
          killed++;
        }
      }
      circuits.forceOpenAll(reason, { abort: latch.scope === 'immediate' });
    } else if (Object.values(circuits.stats()).some((s) => s.state === 'forced_open')) {
      // Only a stop forces a node's circuits open; a node that missed the reset re-arms on the resume.
      circuits.forceCloseAll(`fleet reset after stop #${latch.epoch}`);
    }
    this.parts.log({ type: 'fleet_stop', epoch: latch.epoch, phase: latch.phase, scope: latch.scope, killed });
  }

  private async acknowledge(latch: FleetLatch): Promise<void> {
    const ack: FleetAck = { epoch: latch.epoch, phase: latch.phase, at: Date.now() };
    try {
      await this.parts.probe.hset(farmKeys.stopAcks, this.parts.name, JSON.stringify(ack));
      this.acked = ack;
    } catch {
      // Acknowledged again on the next heartbeat.
    }
  }
}
