/**
 * Scenario 7: a worker flooding the host with messages while it renders (test/fixtures/
 * flood-worker.ts: the real worker plus a loop sending tens of thousands of messages a second).
 * By design the pool validates every message: garbage is counted and dropped, valid progress is
 * coalesced (the queue writes it a few times a second, the event stream 20 batches a second).
 * Must hold: the host stays responsive (event-loop lag bounded) and its memory levels off; the
 * flood never reaches the stream; the render completes with a valid output; the circuits record
 * no failure, because none happened.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { NodeWorkerSpawner } from '../../src-main/engine/worker-spawner.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, expectQueueIntact, openChaosStudio } from './support/studio.ts';
import { monotonic, note, sleep, withinBound } from './support/timing.ts';
import { fileURLToPath } from 'node:url';

const SCENARIO = '7 worker flood';
const floodWorker = fileURLToPath(new URL('../fixtures/flood-worker.ts', import.meta.url));
/** Event-loop lag while flooded, on a busy 2-core machine where the flood itself takes a core. */
const LAG_P99_BOUND_MS = 250;
const LAG_MAX_BOUND_MS = 1000;
/** Heap in use at any sample, and RSS growth over the flood's second half (levelling off). */
const HEAP_BOUND_BYTES = 256 * 2 ** 20;
const LATE_RSS_GROWTH_BOUND_BYTES = 96 * 2 ** 20;

let chaos: ChaosStudio | undefined;
afterEach(async () => {
  await chaos?.dispose();
  chaos = undefined;
});

async function flood(kind: 'invalid' | 'progress') {
  chaos = await openChaosStudio({
    scenario: SCENARIO,
    workers: 1,
    spawner: (env) => new NodeWorkerSpawner({ workerPath: floodWorker, env: { ...env, FLOOD_KIND: kind, FLOOD_BATCH: '100' } }),
  });
  // The slow drill reads the interpolation's input in real time: 4 s of flooding at least.
  await chaos.send({ type: 'setChaos', rules: [{ stage: 'interpolation', mode: 'slow' }] });
  const shots = [shot(`flooded-${kind}`, { duration: 4, fps: 24, width: 320, height: 180 })];
  const batchTimes: number[] = [];
  const unsubscribe = chaos.studio.subscribe(() => batchTimes.push(monotonic()));

  const lag = monitorEventLoopDelay({ resolution: 10 });
  const memory: { at: number; rss: number; heap: number }[] = [];
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    memory.push({ at: monotonic(), rss: m.rss, heap: m.heapUsed });
  }, 200);
  const startedAt = monotonic();
  lag.enable();
  const [job] = (await chaos.send({ type: 'enqueue', project: project('flood', shots) })) as Job[];
  await chaos.waitSettled([job!.id], 180_000);
  lag.disable();
  clearInterval(sampler);
  unsubscribe();
  const elapsed = monotonic() - startedAt;

  const worker = chaos.spawner.workers[0]!;
  const rate = Math.round(worker.messages / (elapsed / 1000));
  note(SCENARIO, `${kind}: messages from the worker / per second`, `${worker.messages} / ${rate}`);
  expect(worker.messages, 'the worker really flooded').toBeGreaterThan(50_000);
  withinBound(SCENARIO, `${kind}: event-loop lag p99`, lag.percentile(99) / 1e6, LAG_P99_BOUND_MS);
  withinBound(SCENARIO, `${kind}: event-loop lag max`, lag.max / 1e6, LAG_MAX_BOUND_MS);
  const heapMax = Math.max(...memory.map((m) => m.heap));
  const half = memory.filter((m) => m.at >= startedAt + elapsed / 2);
  const lateGrowth = Math.max(...half.map((m) => m.rss)) - half[0]!.rss;
  note(SCENARIO, `${kind}: host heap max / RSS first → last (MB)`, `${mb(heapMax)} / ${mb(memory[0]!.rss)} → ${mb(memory.at(-1)!.rss)}`);
  expect(heapMax, 'host heap in use stays bounded').toBeLessThan(HEAP_BOUND_BYTES);
  expect(lateGrowth, 'host RSS levels off over the flood’s second half').toBeLessThan(LATE_RSS_GROWTH_BOUND_BYTES);
  // The stream is paced by its 50 ms flush, not by the flood.
  const perSecond = Math.max(...Array.from({ length: Math.ceil(elapsed / 1000) }, (_, s) => batchTimes.filter((t) => t >= startedAt + s * 1000 && t < startedAt + (s + 1) * 1000).length));
  expect(perSecond, 'event batches in the busiest second').toBeLessThanOrEqual(22);

  expectQueueIntact(chaos, [job!], shots, ['done']);
  // Nothing failed, so nothing is counted as failed; the flooding worker was never mistaken for a dead one.
  for (const [name, stats] of Object.entries(chaos.studio.circuitStats())) {
    expect(stats.stats.failed_requests, `${name} failures`).toBe(0);
    expect(stats.state, `${name} state`).toBe('closed');
  }
  expect(chaos.spawner.workers.filter((w) => w.exit !== undefined)).toEqual([]);
  return { worker, events: chaos.events };
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

describe('chaos 7: a worker flooding the host with messages', () => {
  it('garbage: every message is validated and dropped, the host stays responsive, the render completes', async () => {
    const { events } = await flood('invalid');
    expect(JSON.stringify(events)).not.toContain('"flood"');
    await chaos!.close();
  });

  it('valid progress: coalesced into the stream’s pace, the host stays responsive, the render completes', async () => {
    const { worker } = await flood('progress');
    const progressUpdates = chaos!.jobUpdates.length;
    note(SCENARIO, 'progress: job updates streamed for the flood', `${progressUpdates} (from ${worker.messages} messages)`);
    expect(progressUpdates).toBeLessThan(worker.messages / 100);
    await chaos!.close();
  });
});
