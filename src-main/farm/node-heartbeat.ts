/**
 * A node's heartbeat: one key per node, renewed every beat and expiring after three, so that the
 * coordinator knows the live nodes by the keys that exist (a node that dies simply stops renewing).
 * The key holds what the coordinator needs to hand out work: workers, tags, circuits in trouble.
 * A name is one node's at a time: a second node started under a live name is refused, and a node
 * that finds its name taken by another instance (after a long cut) says so.
 */
import type { Redis } from 'ioredis';
import { farmKeys } from './farm-keys.ts';
import type { NodeHeartbeat } from './farm-messages.ts';
import { type FarmTimings, heartbeatTtlMs } from './farm-timings.ts';

export class NodeNameTakenError extends Error {}

// Renew only a key that is absent or this instance's own (found by its instance field).
const RENEW_IF_OURS = `
local v = redis.call('GET', KEYS[1])
if v and not string.find(v, ARGV[2], 1, true) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;
const DELETE_IF_OURS = `
local v = redis.call('GET', KEYS[1])
if v and string.find(v, ARGV[1], 1, true) then redis.call('DEL', KEYS[1]) end
return 1`;

export class Heartbeat {
  private readonly probe: Redis;
  private readonly timings: FarmTimings;
  private readonly describe: () => NodeHeartbeat;
  private readonly onNameTaken: (by: string) => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(probe: Redis, timings: FarmTimings, describe: () => NodeHeartbeat, onNameTaken: (by: string) => void) {
    this.probe = probe;
    this.timings = timings;
    this.describe = describe;
    this.onNameTaken = onNameTaken;
  }

  /** Claims the name and starts beating; throws NodeNameTakenError if a live node has it. */
  async start(): Promise<void> {
    const beat = this.describe();
    const claimed = await this.probe.set(farmKeys.node(beat.name), JSON.stringify(beat), 'PX', heartbeatTtlMs(this.timings), 'NX');
    if (claimed !== 'OK') {
      const holder = await this.probe.get(farmKeys.node(beat.name));
      throw new NodeNameTakenError(`a node named "${beat.name}" is already live in this farm (${holder ?? 'it just left'}); give this one another --name`);
    }
    this.timer = setInterval(() => void this.beat(), this.timings.heartbeatMs);
  }

  private async beat(): Promise<void> {
    const beat = this.describe();
    try {
      const renewed = await this.probe.eval(RENEW_IF_OURS, 1, farmKeys.node(beat.name), JSON.stringify(beat), instanceField(beat.instance), heartbeatTtlMs(this.timings));
      if (renewed === 0) this.onNameTaken((await this.probe.get(farmKeys.node(beat.name))) ?? 'another node');
    } catch {
      // Redis out of reach: the key expires and the coordinator stops counting this node until it is back.
    }
  }

  /** Stops beating and removes the key (if still ours), so the coordinator stops counting this node at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const beat = this.describe();
    await this.probe.eval(DELETE_IF_OURS, 1, farmKeys.node(beat.name), instanceField(beat.instance)).catch(() => undefined);
  }
}

const instanceField = (instance: string) => `"instance":${JSON.stringify(instance)}`;
