/**
 * The coordinator's side of the fleet's emergency stop. The host's SQLite is the record (the latch:
 * epoch, phase); this carries each latch to Redis and the nodes:
 * - the latch key, written by one script that refuses a stale latch (an older epoch, or the same
 *   epoch further back: stopped → reset → running only goes forward) and gives a new stop an epoch
 *   above whatever Redis holds, then broadcasts it on the stop channel in the same round trip;
 * - BullMQ's pause while stopped or reset (nothing new is taken), its resume when running;
 * - the nodes' acknowledgements, gathered for the audit.
 * Each node also reads the key with its lease watchdog's round trip and on every heartbeat, for the
 * broadcast it may have missed. After Redis comes back (a restart loses the key if Redis keeps no
 * data), the host's latch is asserted again: the record is SQLite's, not Redis's.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FleetHost } from '../engine/fleet-control.ts';
import type { FleetLatch } from '../engine/fleet.ts';
import { STOP_CHANNEL, farmKeys } from './farm-keys.ts';
import { type FleetAck, FleetAckSchema, FleetLatchSchema, type FleetLatchMessage, newerLatch, parseStored, toLatch } from './farm-messages.ts';
import type { NodeRegistry } from './node-registry.ts';

/** Mode 'new': a new stop (its epoch rises above Redis's). 'assert': refused if older than Redis's latch. */
const WRITE_LATCH = `
local RANK = { stopped = 0, reset = 1, running = 2 }
local new = cjson.decode(ARGV[1])
local cur = redis.call('GET', KEYS[1])
if cur then
  local c = cjson.decode(cur)
  if ARGV[2] == 'new' then
    if c.epoch >= new.epoch then new.epoch = c.epoch + 1 end
  elseif c.epoch > new.epoch or (c.epoch == new.epoch and RANK[c.phase] >= RANK[new.phase]) then
    if c.epoch == new.epoch and c.phase == new.phase then redis.call('PUBLISH', ARGV[3], cur) end
    return cur
  end
end
local out = cjson.encode(new)
redis.call('SET', KEYS[1], out)
redis.call('PUBLISH', ARGV[3], out)
return out`;

const ACK_POLL_MS = 100;

export type FleetStopEvent = { type: 'stop_asserted'; epoch: number; phase: string; why: string } | { type: 'stop_refused'; epoch: number; phase: string; stored: FleetLatch } | { type: 'error'; message: string };

export interface FleetStopParts {
  probe: Redis;
  queue: Queue;
  registry: NodeRegistry;
  /** How long acknowledgements are waited for before the missing nodes are named. */
  ackWaitMs: number;
  log: (event: FleetStopEvent) => void;
}

export class FleetStop {
  private readonly parts: FleetStopParts;
  private host: FleetHost | undefined;
  /** The latch Redis held at the last write or read. */
  private current: FleetLatch | undefined;
  private acks: Record<string, FleetAck> = {};

  constructor(parts: FleetStopParts) {
    this.parts = parts;
    // ioredis says 'ready' again after every reconnection: Redis may have restarted empty.
    parts.probe.on('ready', () => void this.assert('Redis is back'));
  }

  /** The latch in force on the fleet, as last written or read. */
  get latch(): FleetLatch | undefined {
    return this.current;
  }

  /** Each node's last acknowledgement, as last read. */
  get acknowledgements(): Readonly<Record<string, FleetAck>> {
    return this.acks;
  }

  attach(host: FleetHost): Promise<void> {
    this.host = host;
    return this.assert('the coordinator started');
  }

  /** The coordinator closes: the host's database may be gone, so nothing reaches the host any more. */
  detach(): void {
    this.host = undefined;
  }

  /** A new latch from the host: a stop gets a new epoch, a reset or resume must not be stale. */
  async apply(latch: FleetLatch): Promise<void> {
    const written = await this.write(latch, latch.phase === 'stopped' ? 'new' : 'assert');
    if (written) void this.gatherAcks(written);
  }

  /** The host's record, asserted again (at start, after Redis came back). */
  private async assert(why: string): Promise<void> {
    if (!this.host) return;
    const latch = this.host.latch();
    const written = await this.write(latch, 'assert');
    if (written) this.parts.log({ type: 'stop_asserted', epoch: written.epoch, phase: written.phase, why });
  }

  /** Writes the latch (and broadcasts it); answers the latch now in force when it is ours, else undefined. */
  private async write(latch: FleetLatch, mode: 'new' | 'assert'): Promise<FleetLatch | undefined> {
    const { probe, queue } = this.parts;
    const message: FleetLatchMessage = { v: 1, ...latch };
    let stored: FleetLatchMessage | undefined;
    try {
      stored = parseStored(FleetLatchSchema, String(await probe.eval(WRITE_LATCH, 1, farmKeys.stop, JSON.stringify(message), mode, STOP_CHANNEL)));
    } catch (error) {
      this.parts.log({ type: 'error', message: `the fleet's stop could not be written (it is asserted again once Redis answers): ${error instanceof Error ? error.message : String(error)}` });
      return undefined;
    }
    if (!stored) return undefined;
    const inForce = toLatch(stored);
    this.current = inForce;
    // A newer stop than the host's record (another coordinator's, or a new stop whose epoch Redis raised): the host takes it.
    if (newerLatch(inForce, latch) && inForce.phase === 'stopped') this.host?.newerStop(inForce);
    const ours = inForce.phase === latch.phase && (inForce.epoch === latch.epoch || (mode === 'new' && inForce.epoch > latch.epoch));
    if (!ours) {
      this.parts.log({ type: 'stop_refused', epoch: latch.epoch, phase: latch.phase, stored: inForce });
      return undefined;
    }
    try {
      if (inForce.phase === 'running') await queue.resume();
      else await queue.pause();
    } catch (error) {
      this.parts.log({ type: 'error', message: `the farm's queue could not be ${inForce.phase === 'running' ? 'resumed' : 'paused'}: ${error instanceof Error ? error.message : String(error)}` });
    }
    return inForce;
  }

  /** Reads the nodes' acknowledgements. */
  async readAcks(): Promise<Record<string, FleetAck>> {
    const raw = await this.parts.probe.hgetall(farmKeys.stopAcks).catch(() => undefined);
    if (!raw) return this.acks;
    const acks: Record<string, FleetAck> = {};
    for (const [node, text] of Object.entries(raw)) {
      const ack = parseStored(FleetAckSchema, text);
      if (ack) acks[node] = ack;
    }
    this.acks = acks;
    return acks;
  }

  /** Waits until every live node acknowledged the latch (or the wait is over), and tells the host who did. */
  private async gatherAcks(latch: FleetLatch): Promise<void> {
    const deadline = performance.now() + this.parts.ackWaitMs;
    const applied = (ack: FleetAck | undefined) => ack !== undefined && !newerLatch(latch, ack);
    for (;;) {
      const acks = await this.readAcks();
      if (!this.host) return;
      const live = this.parts.registry.live().map((n) => n.name);
      const acked = Object.keys(acks).filter((name) => applied(acks[name])).sort();
      const missing = live.filter((name) => !applied(acks[name]));
      if (missing.length === 0 || performance.now() > deadline) {
        this.host?.acknowledged({ epoch: latch.epoch, phase: latch.phase, acked, missing });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, ACK_POLL_MS));
    }
  }
}
