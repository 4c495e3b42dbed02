/**
 * The coordinator's roster of nodes, over a real Redis, with heartbeat keys written by hand so that
 * their age is set by the test: a fresh key is live, one past a beat and a half stale, an expired
 * one gone (still listed, with no chunks and no circuits); blocklists are gathered per node, a node
 * named only by a blocklist is listed as gone; BullMQ's chunk counts come with them.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FarmCoordinator, openFarmCoordinator } from '../../src-main/farm/coordinator.ts';
import { blockEntry, farmKeys } from '../../src-main/farm/farm-keys.ts';
import type { NodeHeartbeat } from '../../src-main/farm/farm-messages.ts';
import { blocklistsByNode, stateOfBeat } from '../../src-main/farm/node-roster.ts';
import { until } from '../host/helpers.ts';
import { type TestRedis, skipWithoutRedis, startRedis } from './redis-harness.ts';

const HEARTBEAT_MS = 400;
const beat = (name: string, over: Partial<NodeHeartbeat> = {}): NodeHeartbeat => ({
  v: 1,
  name,
  instance: `i-${name}`,
  host: 'render-host',
  pid: 4242,
  workers: 2,
  tags: ['gpu'],
  startedAt: 1,
  at: Date.now(),
  lockDurationMs: 4000,
  stalledIntervalMs: 1000,
  heartbeatMs: HEARTBEAT_MS,
  running: 1,
  circuits: { video_interpolation: 'open' },
  ...over,
});

describe('the rules', () => {
  it('calls a node stale after a beat and a half without a renewal', () => {
    expect(stateOfBeat(0, 2000)).toBe('live');
    expect(stateOfBeat(3000, 2000)).toBe('live');
    expect(stateOfBeat(3001, 2000)).toBe('stale');
  });

  it('gathers blocklist entries per node, skipping ones it cannot read', () => {
    const byJob = new Map([
      ['job-b', [blockEntry('alpha', 'export'), 'garbage']],
      ['job-a', [blockEntry('alpha', 'interpolation'), blockEntry('beta.2', 'export')]],
    ]);
    const out = blocklistsByNode(byJob);
    expect(out.get('alpha')).toEqual([
      { job: 'job-a', stage: 'interpolation' },
      { job: 'job-b', stage: 'export' },
    ]);
    expect(out.get('beta.2')).toEqual([{ job: 'job-a', stage: 'export' }]);
    expect(out.size).toBe(2);
  });
});

const skip = skipWithoutRedis('node-roster');

describe.skipIf(skip)('the roster over Redis', () => {
  let redis: TestRedis;
  let client: Redis;
  let coordinator: FarmCoordinator;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    coordinator = await openFarmCoordinator({ url: redis.url, shared: '/', timings: { heartbeatMs: HEARTBEAT_MS }, log: () => {} });
  }, 30_000);
  afterAll(async () => {
    await coordinator?.close();
    client?.disconnect();
    await redis?.stop();
  });

  it('lists live, stale and gone nodes with their blocklists and the chunk counts', async () => {
    const ttl = 3 * HEARTBEAT_MS;
    await client.set(farmKeys.node('alpha'), JSON.stringify(beat('alpha')), 'PX', ttl);
    // Renewed 700 ms ago (more than 1.5 beats): its key has 500 ms left.
    await client.set(farmKeys.node('beta'), JSON.stringify(beat('beta', { tags: [], circuits: {} })), 'PX', ttl - 700);
    // Seen live by the coordinator, then its key expires.
    await client.set(farmKeys.node('gamma'), JSON.stringify(beat('gamma')), 'PX', ttl);
    await client.sadd(farmKeys.blocklist('job-1'), blockEntry('alpha', 'interpolation'), blockEntry('delta', 'export'));
    await until(() => coordinator.registry.live().some((n) => n.name === 'gamma'), 5000, 'the coordinator sees gamma');
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 2));
    await client.del(farmKeys.node('gamma'));
    await client.set(farmKeys.node('alpha'), JSON.stringify(beat('alpha')), 'PX', ttl);

    const view = await coordinator.nodes();
    if (view.mode !== 'farm') throw new Error('expected the farm view');
    expect(view.reachable).toBe(true);
    expect(view.address).toBe(`${redis.url}`.replace(/\/?$/, ''));
    expect(view.queue).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0, prioritized: 0 });
    const byName = Object.fromEntries(view.nodes.map((n) => [n.name, n]));
    // beta's short key may or may not have been caught live by a registry read: it is looked at below.
    expect(view.nodes.map((n) => n.name).filter((n) => n !== 'beta')).toEqual(['alpha', 'delta', 'gamma']);
    expect(byName.alpha).toMatchObject({ state: 'live', tags: ['gpu'], workers: 2, running: 1, circuits: { video_interpolation: 'open' }, blocklists: [{ job: 'job-1', stage: 'interpolation' }] });
    expect(byName.alpha!.lastBeatAgeMs).toBeLessThan(HEARTBEAT_MS);
    expect(byName.gamma).toMatchObject({ state: 'gone', running: 0, circuits: {} });
    expect(byName.delta).toMatchObject({ state: 'gone', lastBeatAgeMs: null, blocklists: [{ job: 'job-1', stage: 'export' }] });
    // beta expired on its own (its key had 500 ms) or is stale, never live.
    await client.set(farmKeys.node('beta'), JSON.stringify(beat('beta')), 'PX', ttl - 700);
    const again = await coordinator.nodes();
    const beta = again.mode === 'farm' ? again.nodes.find((n) => n.name === 'beta') : undefined;
    expect(beta).toMatchObject({ state: 'stale' });
    expect(beta!.lastBeatAgeMs).toBeGreaterThanOrEqual(690);
  });
});
