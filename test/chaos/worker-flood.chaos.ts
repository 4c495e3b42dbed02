/**
 * Scenario 7: a worker flooding the host with messages while it renders (test/fixtures/
 * flood-worker.ts: the real worker plus a loop sending tens of thousands of messages a second).
 * By design the pool validates every message: garbage is counted and dropped, valid progress is
 * coalesced (the queue writes it a few times a second, the event stream 20 batches a second); and a
 * worker whose own backlog holds up its heartbeat answers is killed as unresponsive.
 * Must hold: the host stays responsive (event-loop lag bounded), its memory stays bounded and the
 * flood leaves nothing retained in its heap; the flood never reaches the stream; the render
 * completes with a valid output, or (flooders killed) fails saying so; the circuits count one
 * failed attempt per killed worker and nothing else. CHAOS_FLOOD_BATCH (messages per event-loop
 * turn, default 100) makes the flood heavier: at 2000 the kills are the usual outcome.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { NodeWorkerSpawner } from '../../src-main/engine/worker-spawner.ts';
import { project, shot } from './support/projects.ts';
import { type ChaosStudio, expectQueueIntact, logLines, openChaosStudio } from './support/studio.ts';
import { monotonic, note, waitFor, withinBound } from './support/timing.ts';
import type { WatchedWorker } from './support/watching-spawner.ts';
import { fileURLToPath } from 'node:url';

const SCENARIO = '7 worker flood';
const floodWorker = fileURLToPath(new URL('../fixtures/flood-worker.ts', import.meta.url));
/**
 * Event-loop lag while flooded, on a busy 2-core machine where the flood itself takes a core. The
 * p99 is the promise; the single worst stall is bounded loosely, since on a machine loaded ten deep
 * the scheduler alone can hold a process back for a second (measured: 1.2 s once, at load 10).
 */
const LAG_P99_BOUND_MS = 250;
const LAG_MAX_BOUND_MS = 2500;
/** Heap in use at any sample; RSS above the start at any sample; heap kept once the flood is over. */
const HEAP_BOUND_BYTES = 256 * 2 ** 20;
const RSS_GROWTH_BOUND_BYTES = 384 * 2 ** 20;
const RETAINED_BOUND_BYTES = 48 * 2 ** 20;

/** A full collection (the chaos config runs with --expose-gc), so heap figures are what is live. */
function collect(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the chaos suite with node --expose-gc (vitest.chaos.config.ts passes it)');
  gc();
  return process.memoryUsage().heapUsed;
}

let chaos: ChaosStudio | undefined;
afterEach(async () => {
  await chaos?.dispose();
  chaos = undefined;
});

async function flood(kind: 'invalid' | 'progress') {
  chaos = await openChaosStudio({
    scenario: SCENARIO,
    workers: 1,
    spawner: (env) => new NodeWorkerSpawner({ workerPath: floodWorker, env: { ...env, FLOOD_KIND: kind, FLOOD_BATCH: process.env.CHAOS_FLOOD_BATCH ?? '100' } }),
  });
  // The slow drill reads the interpolation's input in real time: 4 s of flooding at least.
  await chaos.send({ type: 'setChaos', rules: [{ stage: 'interpolation', mode: 'slow' }] });
  const shots = [shot(`flooded-${kind}`, { duration: 4, fps: 24, width: 320, height: 180 })];
  const batchTimes: number[] = [];
  const unsubscribe = chaos.studio.subscribe(() => batchTimes.push(monotonic()));

  const heapBefore = collect();
  const rssBefore = process.memoryUsage().rss;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  const memory: { rss: number; heap: number }[] = [];
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    memory.push({ rss: m.rss, heap: m.heapUsed });
  }, 200);
  const startedAt = monotonic();
  lag.enable();
  const [job] = (await chaos.send({ type: 'enqueue', project: project('flood', shots) })) as Job[];
  await chaos.waitSettled([job!.id], 180_000);
  lag.disable();
  clearInterval(sampler);
  unsubscribe();
  const elapsed = monotonic() - startedAt;

  const messages = chaos.spawner.workers.reduce((n, w) => n + w.messages, 0);
  note(SCENARIO, `${kind}: messages from the workers / per second`, `${messages} / ${Math.round(messages / (elapsed / 1000))}`);
  expect(messages, 'the workers really flooded').toBeGreaterThan(20_000);
  withinBound(SCENARIO, `${kind}: event-loop lag p99`, lag.percentile(99) / 1e6, LAG_P99_BOUND_MS);
  withinBound(SCENARIO, `${kind}: event-loop lag max`, lag.max / 1e6, LAG_MAX_BOUND_MS);
  const heapMax = Math.max(...memory.map((m) => m.heap));
  const rssGrowth = Math.max(...memory.map((m) => m.rss)) - rssBefore;
  const retained = collect() - heapBefore;
  note(SCENARIO, `${kind}: host heap max / RSS growth / heap retained after (MB)`, `${mb(heapMax)} / ${mb(rssGrowth)} / ${mb(retained)}`);
  expect(heapMax, 'host heap in use stays bounded').toBeLessThan(HEAP_BOUND_BYTES);
  expect(rssGrowth, 'host RSS stays bounded').toBeLessThan(RSS_GROWTH_BOUND_BYTES);
  expect(retained, 'the flood leaves nothing behind in the host heap').toBeLessThan(RETAINED_BOUND_BYTES);
  // The stream is paced by its 50 ms flush, not by the flood.
  const perSecond = Math.max(...Array.from({ length: Math.ceil(elapsed / 1000) }, (_, s) => batchTimes.filter((t) => t >= startedAt + s * 1000 && t < startedAt + (s + 1) * 1000).length));
  expect(perSecond, 'event batches in the busiest second').toBeLessThanOrEqual(22);

  // Two containments are in the design: the pool drops (garbage) or coalesces (progress) the flood
  // and keeps the worker; or, when a worker's own backlog delays its heartbeat answers past the
  // limit, the pool kills it as unresponsive and the attempt fails as worker_crashed. Which one
  // happens depends on the machine's load; each must be told truthfully.
  const killed = chaos.spawner.workers.filter((w) => w.exit !== undefined);
  for (const w of killed) expect(w.exit, `worker ${w.pid} was killed by the pool`).toEqual({ code: null, signal: 'SIGKILL' });
  // The stream flushes every 50 ms: the last kill's report may trail the job's final state.
  const reported = (w: WatchedWorker) => logLines(chaos!.events).some((l) => l.includes(`worker ${w.pid} stopped answering heartbeats and was killed`));
  await waitFor(() => killed.every(reported), 2000, 'every kill was reported as a worker that stopped answering').catch(() => undefined);
  for (const w of killed) expect(reported(w), `worker ${w.pid}'s kill was reported`).toBe(true);
  note(SCENARIO, `${kind}: containment`, killed.length === 0 ? 'dropped/coalesced, worker kept' : `${killed.length} flooding worker(s) killed as unresponsive`);
  const [final] = expectQueueIntact(chaos, [job!], shots, killed.length === 0 ? ['done'] : ['done', 'failed']);
  if (final!.status === 'failed') expect(final!.error).toMatch(/stopped answering heartbeats and was killed/);
  // Each kill failed exactly one attempt, counted by the circuit it ran in; nothing else failed.
  const stats = chaos.studio.circuitStats();
  const attemptCircuits = ['video_frame_processing', 'video_interpolation', 'video_export', 'error_fallback'];
  expect(attemptCircuits.reduce((n, name) => n + stats[name]!.stats.failed_requests, 0), 'failed attempts = workers killed').toBe(killed.length);
  for (const [name, circuit] of Object.entries(stats)) expect(circuit.stats.timeouts, `${name} timeouts`).toBe(0);
  if (killed.length === 0) for (const [name, circuit] of Object.entries(stats)) expect(circuit.state, `${name} state`).toBe('closed');
  return { messages, events: chaos.events };
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

describe('chaos 7: a worker flooding the host with messages', () => {
  it('garbage: every message is validated and dropped (or the unresponsive flooder killed), the host stays responsive', async () => {
    const { events } = await flood('invalid');
    expect(JSON.stringify(events)).not.toContain('"flood"');
    await chaos!.close();
  });

  it('valid progress: coalesced into the stream’s pace (or the unresponsive flooder killed), the host stays responsive', async () => {
    const { messages } = await flood('progress');
    const progressUpdates = chaos!.jobUpdates.length;
    note(SCENARIO, 'progress: job updates streamed for the flood', `${progressUpdates} (from ${messages} messages)`);
    expect(progressUpdates).toBeLessThan(messages / 100);
    await chaos!.close();
  });
});
