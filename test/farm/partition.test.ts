/**
 * A node cut off from Redis mid-chunk (a TCP proxy the test controls stands between it and Redis):
 * BullMQ alone would let its ffmpeg run on while another node takes the chunk. The node's lease
 * watchdog kills that ffmpeg before the chunk's lock can expire; the chunk completes once, on
 * another node; and once the network is back the node rejoins and takes chunks again.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThroughputLearner } from '../../src-main/engine/chunks/throughput-learner.ts';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import { type Shot, parseProject } from '../../src-main/engine/model.ts';
import { RenderEngine } from '../../src-main/engine/pipeline.ts';
import { isAlive } from '../../src-main/engine/process-liveness.ts';
import { farmKeys } from '../../src-main/farm/farm-keys.ts';
import { until } from '../host/helpers.ts';
import { type Farm, chunkedShot, openFarm } from './farm-fixture.ts';
import type { NodeProcess } from './farm-nodes.ts';
import { skipWithoutRedis } from './redis-harness.ts';
import { TcpProxy } from './tcp-proxy.ts';

const SLOW = 240_000;
const skip = skipWithoutRedis('partition');

/** 640x360 optical flow: each chunk takes a couple of seconds of real minterpolate. */
const shotOf = (id: string) =>
  parseProject({
    version: 1,
    name: id,
    shots: [
      {
        id,
        duration: 4,
        fps: 24,
        resolution: { width: 640, height: 360 },
        keyframes: [{ generator: 'mandelbrot' }, { generator: 'testsrc2' }],
        camera: { movement: 'zoom' },
        interpolation: { method: 'optical_flow', sourceFps: 12, transition: 'crossfade', transitionDuration: 0.5 },
      },
    ],
  }).shots[0]!;

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

  /** Renders a shot on the farm, its interpolation cut into chunks by the timeout and a pinned figure. */
  function render(shot: Shot, timeoutMs: number, secondsPerMpf: number) {
    const circuits = createEngineCircuits();
    circuits.configure('video_interpolation', { timeoutMs, maxConcurrent: 3 });
    circuits.configure('video_frame_processing', { maxConcurrent: 3 });
    const throughput = new ThroughputLearner();
    throughput.pin({ stage: 'interpolation', method: 'optical_flow', quality: 'draft' }, secondsPerMpf);
    const engine = new RenderEngine({ circuits, workers: farm.leaser, throughput, parallelism: 3, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 } });
    return engine.renderShot(shot, { quality: 'draft', outDir: join(farm.shared, shot.id), workDir: join(farm.shared, 'work', shot.id), resolveAsset: (p) => join(farm.shared, p) });
  }

  it(
    "kills the node's ffmpeg before its lock expires; the chunk completes once elsewhere; the node rejoins",
    async () => {
      const rendering = render(shotOf('cut'), 30_000, 0.7);
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
      const again = await render(chunkedShot('rejoined'), 8000, 2);
      expect(again.verification?.frames).toBe(72);
      expect(cutoff.of('done').length).toBeGreaterThan(before);
      const all = farm.nodes.flatMap((n) => n.of('done').map((d) => d.output));
      expect(new Set(all).size).toBe(all.length);
    },
    SLOW,
  );
});
