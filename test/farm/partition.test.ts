/**
 * A node cut off from Redis mid-chunk (a TCP proxy the test controls stands between it and Redis):
 * BullMQ alone would let its ffmpeg run on while another node takes the chunk. The node's lease
 * watchdog kills that ffmpeg before the chunk's lock can expire; the chunk completes once, on
 * another node; and once the network is back the node rejoins and takes chunks again.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src-main/engine/process-liveness.ts';
import { farmKeys } from '../../src-main/farm/farm-keys.ts';
import { until } from '../host/helpers.ts';
import { type Farm, chunkedShot, farmEngine, openFarm, renderOnFarm } from './farm-fixture.ts';
import type { NodeProcess } from './farm-nodes.ts';
import { skipWithoutRedis } from './redis-harness.ts';
import { TcpProxy } from './tcp-proxy.ts';

const SLOW = 240_000;
const skip = skipWithoutRedis('partition');

describe.skipIf(skip)('a node cut off from Redis mid-chunk', () => {
  let farm: Farm;
  let proxy: TcpProxy;
  let cutoff: NodeProcess;
  let redis: Redis;
  beforeAll(async () => {
    farm = await openFarm({ nodes: ['alpha', 'beta'] });
    proxy = await TcpProxy.start(farm.redis.port);
    cutoff = await farm.addNode('gamma', { url: proxy.url });
    await farm.untilCapacity(3);
    redis = new Redis(farm.redis.url);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    proxy?.restore();
    await farm?.close();
    await proxy?.close();
  }, 60_000);

  it(
    "kills the node's ffmpeg before its lock expires; the chunk completes once elsewhere; the node rejoins",
    async () => {
      const rendering = renderOnFarm(farm, farmEngine(farm, { timeoutMs: 30_000, secondsPerMpf: 0.7 }), chunkedShot('cut', { seconds: 4, width: 640, height: 360 }));
      rendering.catch(() => undefined); // awaited below; a failed wait before then must not leave it unhandled
      const running = () => {
        const taken = cutoff.of('taken').filter((l) => l.stage === 'interpolation' && l.kind === 'chunk');
        for (const t of taken) {
          const ffmpeg = cutoff.of('ffmpeg').find((f) => f.chunk === t.chunk);
          if (ffmpeg && !cutoff.lines.some((l) => l.chunk === t.chunk && (l.type === 'done' || l.type === 'failed'))) return { chunk: t.chunk!, pid: ffmpeg.pid! };
        }
        return undefined;
      };
      const victim = await until(running, 120_000, 'the cut-off node runs an interpolation chunk');

      // Frozen, its ffmpeg can end only by being killed (a stopped process still dies of SIGKILL): so
      // it would outlive the lock, as a long chunk would, unless something on the node kills it.
      process.kill(victim.pid, 'SIGSTOP');
      proxy.cut();
      // Nothing renews the lock from now on: it expires this far from now, as Redis itself says.
      const left = await redis.pttl(farmKeys.lock(victim.chunk));
      const expiresAt = Date.now() + left;
      expect(left).toBeGreaterThan(0);

      await until(() => !isAlive(victim.pid), 10_000, "the cut-off node's ffmpeg is killed");
      expect(Date.now()).toBeLessThan(expiresAt);
      // Killed by the lease watchdog (the stall watchdog would have failed the chunk instead).
      const stopped = await cutoff.waitFor((l) => l.type === 'stopped' && l.chunk === victim.chunk, 5000, 'the node says why it stopped the chunk');
      expect(stopped.why).toBe('lost');

      const result = await rendering;
      expect(result.verification).toMatchObject({ width: 640, height: 360, frames: 96 });
      const finishers = farm.nodes.filter((n) => n.of('done').some((d) => d.chunk === victim.chunk));
      expect(finishers.map((n) => n.name)).toHaveLength(1);
      expect(finishers[0]).not.toBe(cutoff);
      const finished = farm.nodes.flatMap((n) => n.of('done').map((d) => d.output));
      expect(new Set(finished).size).toBe(finished.length);

      // Back on the network: the node's heartbeat returns and it takes chunks again.
      proxy.restore();
      await farm.untilCapacity(3, 20_000);
      const before = cutoff.of('done').length;
      const again = await renderOnFarm(farm, farmEngine(farm), chunkedShot('rejoined'));
      expect(again.verification?.frames).toBe(72);
      expect(cutoff.of('done').length).toBeGreaterThan(before);
      const all = farm.nodes.flatMap((n) => n.of('done').map((d) => d.output));
      expect(new Set(all).size).toBe(all.length);
    },
    SLOW,
  );
});
