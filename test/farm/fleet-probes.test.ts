/**
 * The fleet's half-open probes: one owner per circuit at a time (a Redis key, SET NX PX). Two
 * contenders on their own connections race for it: exactly one wins, the other cannot release it,
 * and once it expires (an owner that died) or its owner gives it back, another may take it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetProbes } from '../../src-main/farm/fleet-probes.ts';
import { type TestRedis, skipWithoutRedis, startRedis } from './redis-harness.ts';

const skip = skipWithoutRedis('fleet-probes');

describe.skipIf(skip)("the fleet's probe key", () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });
  const contender = (owner: string) => {
    const client = new Redis(redis.url);
    clients.push(client);
    return new FleetProbes(client, owner);
  };

  it('goes to exactly one of two racing owners until it expires', async () => {
    const a = contender('coordinator:a');
    const b = contender('node:b');
    const tries = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).acquire('video_interpolation', 600)));
    expect(tries.filter(Boolean)).toHaveLength(1);
    const winner = tries.findIndex(Boolean) % 2 ? a : b;
    const loser = winner === a ? b : a;
    expect(await winner.holder('video_interpolation')).toBe(winner.owner);
    // The loser can neither take it nor give it back while it lasts; another circuit's probe is apart.
    expect(await loser.acquire('video_interpolation', 600)).toBe(false);
    await loser.release('video_interpolation');
    expect(await winner.holder('video_interpolation')).toBe(winner.owner);
    expect(await loser.acquire('video_export', 600)).toBe(true);
    // Expired: the other one may take it.
    await new Promise((r) => setTimeout(r, 700));
    expect(await loser.acquire('video_interpolation', 600)).toBe(true);
    expect(await winner.acquire('video_interpolation', 600)).toBe(false);
  });

  it('is free again at once when its owner gives it back', async () => {
    const a = contender('node:a');
    const b = contender('node:b');
    expect(await a.acquire('video_frame_processing', 60_000)).toBe(true);
    expect(await b.acquire('video_frame_processing', 60_000)).toBe(false);
    await a.release('video_frame_processing');
    expect(await b.acquire('video_frame_processing', 60_000)).toBe(true);
  });
});
