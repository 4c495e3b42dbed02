/**
 * One half-open probe at a time per circuit across the fleet. A node (or coordinator) whose circuit
 * is half-open runs a probe only while it owns the circuit's probe key (SET NX PX): the others hand
 * such chunks back until the owner releases the key or it expires. The expiry bounds a probe that
 * never ends (its owner died); a release removes the key only if it is still the owner's.
 */
import type { Redis } from 'ioredis';
import { farmKeys } from './farm-keys.ts';

const RELEASE_IF_OURS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class FleetProbes {
  private readonly probe: Redis;
  /** This process's own id (a node's instance): the key's value. */
  readonly owner: string;

  constructor(probe: Redis, owner: string) {
    this.probe = probe;
    this.owner = owner;
  }

  /** Takes the circuit's probe for ttlMs; false if another owner holds it (or Redis cannot say). */
  async acquire(circuit: string, ttlMs: number): Promise<boolean> {
    const set = await this.probe.set(farmKeys.probe(circuit), this.owner, 'PX', Math.max(1, Math.round(ttlMs)), 'NX').catch(() => null);
    return set === 'OK';
  }

  /** Gives the probe back, if it is still ours. */
  async release(circuit: string): Promise<void> {
    await this.probe.eval(RELEASE_IF_OURS, 1, farmKeys.probe(circuit), this.owner).catch(() => undefined);
  }

  /** Who holds the circuit's probe now (null: nobody). */
  holder(circuit: string): Promise<string | null> {
    return this.probe.get(farmKeys.probe(circuit));
  }
}
