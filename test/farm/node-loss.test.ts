/**
 * A node SIGKILLed mid-chunk: its workers see their parent gone and take their ffmpeg with them,
 * its chunk's lock expires and BullMQ's stalled check hands the chunk to another node; the shot
 * completes, every chunk finished exactly once, and the chunks the dead node had finished are kept.
 * A node stopped politely hands its chunk back at once instead.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PipelineTrace } from '../../src-main/engine/trace.ts';
import { until } from '../host/helpers.ts';
import { type Farm, chunkedShot, farmEngine, farmForSuite, renderOnFarm } from './farm-fixture.ts';
import { FAST_FARM } from './farm-nodes.ts';
import { skipWithoutRedis } from './redis-harness.ts';

const SLOW = 240_000;
const skip = skipWithoutRedis('node-loss');

describe.skipIf(skip)('a node lost mid-chunk', () => {
  const farmOf = farmForSuite({ nodes: ['alpha', 'beta', 'gamma'] });
  let farm: Farm;
  beforeAll(() => {
    farm = farmOf();
  });

  it(
    'costs only its running chunk: handed on, finished once elsewhere, no orphan process',
    async () => {
      const engine = farmEngine(farm, { timeoutMs: 30_000, secondsPerMpf: 0.7 });
      const rendering = renderOnFarm(farm, engine, chunkedShot('loss', { seconds: 4, width: 640, height: 360 }));
      rendering.catch(() => undefined); // awaited below; a failed wait before then must not leave it unhandled

      // The first node to start ffmpeg on an interpolation chunk dies at once, mid-chunk.
      const chunkOf = (node: (typeof farm.nodes)[number]) => {
        const taken = node.of('taken').filter((l) => l.stage === 'interpolation' && l.kind === 'chunk');
        return taken.find((t) => node.of('ffmpeg').some((f) => f.chunk === t.chunk) && !node.of('done').some((d) => d.chunk === t.chunk));
      };
      const victim = await until(() => farm.nodes.find((n) => chunkOf(n)), 120_000, 'a node runs an interpolation chunk');
      const lost = chunkOf(victim)!;
      // Frozen first, its ffmpeg cannot finish on its own: only the dead node's worker can end it.
      const ffmpeg = victim.of('ffmpeg').find((f) => f.chunk === lost.chunk)!.pid!;
      process.kill(ffmpeg, 'SIGSTOP');
      victim.child.kill('SIGKILL');
      await victim.exited;
      const killedAt = Date.now();

      // Its workers notice their parent is gone and take their ffmpeg with them.
      await until(() => victim.alivePids().length === 0, 5000, `the dead node's workers and ffmpeg are gone (still alive: ${victim.alivePids().join(', ')})`);
      expect(Date.now() - killedAt).toBeLessThan(5000);
      await farm.untilCapacity(2);

      const result = await rendering;
      expect(result.verification).toMatchObject({ width: 640, height: 360, frames: 96 });

      // The lost chunk was finished by another node, after BullMQ's stalled check handed it on.
      const survivors = farm.nodes.filter((n) => n !== victim);
      const finishers = survivors.filter((n) => n.of('done').some((d) => d.chunk === lost.chunk));
      expect(finishers).toHaveLength(1);
      expect(victim.of('done').some((d) => d.chunk === lost.chunk)).toBe(false);
      expect(farm.events.some((e) => e.type === 'stalled' && e.chunk === lost.chunk)).toBe(true);
      // Every chunk finished exactly once over the three nodes: the dead node's finished ones were kept.
      const finished = farm.nodes.flatMap((n) => n.of('done').map((d) => d.output));
      expect(new Set(finished).size).toBe(finished.length);

      // The trace names the node that finished it (the handover cost no attempt of the engine's).
      const { trace } = JSON.parse(await readFile(result.sidecar, 'utf8')) as { trace: PipelineTrace };
      expect(trace.attempts.find((a) => a.detail?.includes(`chunk ${chunkIndex(lost.output!) + 1}/`))?.node).toBe(finishers[0]!.name);
      expect(trace.attempts.every((a) => a.outcome === 'ok')).toBe(true);
    },
    SLOW,
  );

  it(
    'hands its running chunk back at once when it is stopped politely, and leaves',
    async () => {
      const rendering = renderOnFarm(farm, farmEngine(farm, { timeoutMs: 30_000, secondsPerMpf: 0.7, lanes: 2 }), chunkedShot('stop', { seconds: 4, width: 640, height: 360 }));
      rendering.catch(() => undefined);
      const running = (node: (typeof farm.nodes)[number]) =>
        node.of('taken').find((t) => t.stage === 'interpolation' && t.kind === 'chunk' && node.of('ffmpeg').some((f) => f.chunk === t.chunk) && !node.lines.some((l) => l.chunk === t.chunk && l.type === 'done'));
      const live = farm.nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
      const leaving = await until(() => live.find((n) => running(n)), 120_000, 'a node runs an interpolation chunk');
      const chunk = running(leaving)!.chunk;
      const stoppedAt = Date.now();
      await leaving.stop();
      expect(await leaving.exited).toBe(0);
      expect(leaving.of('stopped').find((l) => l.chunk === chunk)?.why).toBe('shutdown');
      expect(leaving.alivePids()).toEqual([]);

      const result = await rendering;
      expect(result.verification?.frames).toBe(96);
      const other = live.find((n) => n !== leaving)!;
      const retaken = other.of('taken').find((t) => t.chunk === chunk);
      // Handed back, not left to its lock: the other node took it well before the lock could expire.
      expect(retaken).toBeDefined();
      expect(retaken!.at - stoppedAt).toBeLessThan(FAST_FARM.lockMs);
      expect(other.of('done').filter((d) => d.chunk === chunk)).toHaveLength(1);
    },
    SLOW,
  );
});

/** A chunk's index, from its output's name (interpolated-chunk-<index>-<method>). */
function chunkIndex(output: string): number {
  return Number(/interpolated-chunk-(\d+)-/.exec(output)?.[1]);
}
