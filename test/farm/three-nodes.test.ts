/**
 * Three render nodes (separate processes, one worker each) and a coordinator on this machine, over
 * a real Redis: a chunked shot's chunks are spread over the nodes, each attempt's node is in the
 * trace, outputs verify as they do locally; the demo renders through a Studio whose chunks go to
 * the farm; with every node gone, the coordinator renders locally as before.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/ffprobe.ts';
import { type PipelineTrace, PipelineTraceSchema } from '../../src-main/engine/trace.ts';
import { openFarmCoordinator } from '../../src-main/farm/coordinator.ts';
import { Studio } from '../../src-main/host/studio.ts';
import { demoProjectPath, until } from '../host/helpers.ts';
import { FAST_FARM } from './farm-nodes.ts';
import { type Farm, chunkedShot, farmEngine, farmForSuite, renderOnFarm } from './farm-fixture.ts';
import { skipWithoutRedis } from './redis-harness.ts';

const SLOW = 240_000; // real ffmpeg in four processes on a loaded 2-core machine

const skip = skipWithoutRedis('three-nodes');

describe.skipIf(skip)('three render nodes', () => {
  const farmOf = farmForSuite({ nodes: ['alpha', 'beta', 'gamma'] });
  let farm: Farm;
  beforeAll(() => {
    farm = farmOf();
  });

  it(
    'spreads a chunked shot over the nodes, names each attempt\'s node, and the output verifies',
    async () => {
      expect(farm.leaser.size).toBe(3);
      const result = await renderOnFarm(farm, farmEngine(farm), chunkedShot('spread'));
      const outDir = join(farm.shared, 'spread');
      expect(result.verification).toMatchObject({ width: 320, height: 180, frames: 72 });
      const { trace } = JSON.parse(await readFile(result.sidecar, 'utf8')) as { trace: PipelineTrace };
      const chunks = trace.attempts.filter((a) => a.stage === 'interpolation' && /chunk/.test(a.detail ?? ''));
      expect(chunks.length).toBeGreaterThanOrEqual(3);
      // Every attempt ran on a node, and each node's log shows the chunks the trace gives it.
      expect(trace.attempts.every((a) => a.node !== undefined)).toBe(true);
      // Three idle nodes and three lanes: each node takes some of the chunks.
      expect(new Set(chunks.map((a) => a.node))).toEqual(new Set(['alpha', 'beta', 'gamma']));
      for (const node of farm.nodes) {
        const done = node.of('done').length;
        expect(done).toBe(trace.attempts.filter((a) => a.node === node.name && a.outcome === 'ok').length);
      }
      // No chunk was finished twice, and no attempt folder is left beside any output.
      const finals = farm.nodes.flatMap((n) => n.of('done').map((l) => l.output!));
      expect(new Set(finals).size).toBe(finals.length);
      expect(existsSync(join(outDir, '.farm'))).toBe(false);
    },
    SLOW,
  );

  it(
    'renders the demo through a Studio whose chunks go to the farm',
    async () => {
      const coordinator = await openFarmCoordinator({ url: farm.redis.url, shared: farm.shared, timings: { heartbeatMs: FAST_FARM.heartbeatMs }, log: () => {} });
      const dataDir = join(farm.shared, 'studio');
      const studio = await Studio.open({ dataDir, demoProjectPath, workers: 3, leaser: (pool) => coordinator.leaser(pool), retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 } });
      try {
        await until(() => coordinator.registry.capacity() === 3, 10_000, 'the Studio sees the three nodes');
        const reply = await studio.execute({ type: 'enqueue', demo: true, quality: 'draft' }, 'tester');
        if (!reply.ok) throw new Error(reply.error.message);
        const ids = reply.result.map((j) => j.id);
        await until(() => ids.every((id) => ['done', 'failed'].includes(studio.queue.get(id)!.status)), SLOW - 30_000, 'the demo is rendered');
        for (const id of ids) {
          const job = studio.queue.get(id)!;
          expect(job.status, job.error ?? '').toBe('done');
          const verified = await probe(job.output!);
          expect(verified.frames).toBe(72);
          const trace = PipelineTraceSchema.parse(studio.queue.getTrace(id));
          expect(trace.attempts.every((a) => a.outcome === 'ok' && a.node !== undefined)).toBe(true);
        }
      } finally {
        await studio.close();
      }
    },
    SLOW,
  );

  it(
    'renders locally once every node is gone',
    async () => {
      for (const node of farm.nodes.splice(0)) await node.stop();
      await farm.untilCapacity(0);
      expect(farm.leaser.size).toBe(farm.pool.size);
      const result = await renderOnFarm(farm, farmEngine(farm), chunkedShot('alone', { seconds: 2 }));
      const { trace } = JSON.parse(await readFile(result.sidecar, 'utf8')) as { trace: PipelineTrace };
      expect(trace.attempts.length).toBeGreaterThan(0);
      expect(trace.attempts.every((a) => a.node === undefined)).toBe(true);
    },
    SLOW,
  );
});
