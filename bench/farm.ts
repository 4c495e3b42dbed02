/**
 * The render farm against the embedded studio, on this machine (`npm run bench:farm`):
 *
 * - overhead: the same chunked shots through an embedded Studio with 2 workers and through a
 *   coordinator (serve --farm's Studio) with 2 render nodes of 1 worker each, turn about, as a
 *   wall-time ratio (target ≤ 1.10×: on 2 cores a farm cannot be faster);
 * - dispatch latency: for every chunk the farm ran, enqueue (BullMQ's `timestamp`) to a node taking
 *   it (`processedOn`), p50 and p95;
 * - stop fan-out: with chunks running on both nodes, the coordinator's emergency stop, then the time
 *   until each node's ffmpeg is gone (its pid polled every 2 ms), p95 over the rounds (target < 250 ms).
 *   The stop reaches a node twice over: the fleet stop's broadcast and each farmed chunk's cancel.
 *
 * A private redis-server is started (the farm tests' harness) and the nodes are real `storycore
 * node` processes. BENCH_FARM_SHOTS (3), BENCH_FARM_SECONDS (4), BENCH_FARM_SIZE (640x360),
 * BENCH_FARM_ROUNDS (2 turns each), BENCH_FARM_STOPS (4).
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Command } from '../src-preload/contract.ts';
import { isAlive } from '../src-main/engine/process-liveness.ts';
import { CHUNK_QUEUE } from '../src-main/farm/farm-keys.ts';
import { openFarmCoordinator } from '../src-main/farm/coordinator.ts';
import { Studio } from '../src-main/host/studio.ts';
import { demoProjectPath } from '../src-main/cli.ts';
import { type NodeProcess, startNode } from '../test/farm/farm-nodes.ts';
import { redisMissing, startRedis } from '../test/farm/redis-harness.ts';

const SHOTS = Number(process.env.BENCH_FARM_SHOTS) || 3;
const SECONDS = Number(process.env.BENCH_FARM_SECONDS) || 4;
const [WIDTH, HEIGHT] = (process.env.BENCH_FARM_SIZE ?? '640x360').split('x').map(Number) as [number, number];
const ROUNDS = Number(process.env.BENCH_FARM_ROUNDS) || 2;
const STOPS = Number(process.env.BENCH_FARM_STOPS) || 4;
const NODE_TIMINGS = { lockMs: 30_000, stalledMs: 15_000, heartbeatMs: 2000 };

/**
 * The shots of one turn. Each has its own seeds (`firstSeed` on), so that the chunk store finds
 * nothing to reuse: not the turn's other shots, not an earlier turn's. Embedded and farm get the
 * same seeds in a round (their stores are apart), so they render the same work.
 */
const project = (tag: string, firstSeed: number, shots = SHOTS, seconds = SECONDS) => ({
  version: 1 as const,
  name: `bench-farm-${tag}`,
  quality: 'draft' as const,
  shots: Array.from({ length: shots }, (_, i) => ({
    id: `${tag}_${i}`,
    duration: seconds,
    fps: 24,
    resolution: { width: WIDTH, height: HEIGHT },
    keyframes: [
      { generator: 'mandelbrot' as const, seed: firstSeed + i },
      { generator: 'testsrc2' as const, seed: firstSeed + i },
    ],
    camera: { movement: 'zoom' as const },
    interpolation: { method: 'optical_flow' as const, sourceFps: 12, transition: 'crossfade' as const, transitionDuration: 0.5 },
  })),
});

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Redis's count of commands processed so far (INFO stats). */
async function redisCommands(client: Redis): Promise<number> {
  const info = await client.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

/**
 * Bytes written under `dir`, seen by polling every 100 ms: each file's largest size, summed (a lower
 * bound: a file made and deleted between two looks is missed). What the shared folder carries.
 */
function watchBytes(dir: string): { stop(): number } {
  const largest = new Map<string, number>();
  let busy = false;
  const look = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await look(path);
      else {
        const size = (await stat(path).catch(() => null))?.size ?? 0;
        if (size > (largest.get(path) ?? 0)) largest.set(path, size);
      }
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void look(dir).finally(() => (busy = false));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      let sum = 0;
      for (const size of largest.values()) sum += size;
      return sum;
    },
  };
}

async function send<C extends Command>(studio: Studio, command: C) {
  const reply = await studio.execute(command, 'bench');
  if (!reply.ok) throw new Error(`${command.type}: ${reply.error.message}`);
  return reply.result;
}

/** Enqueues the shots and waits for every one: the wall seconds, and the chunks the traces name. */
async function renderAll(studio: Studio, tag: string, firstSeed: number): Promise<{ seconds: number; chunks: number; reused: number; failed: string[]; nodes: Set<string> }> {
  const started = performance.now();
  const jobs = await send(studio, { type: 'enqueue', project: project(tag, firstSeed) });
  await until(() => jobs.every((j) => ['done', 'failed', 'canceled'].includes(studio.queue.get(j.id)!.status)), 600_000, `${tag} rendered`);
  const seconds = (performance.now() - started) / 1000;
  let chunks = 0;
  let reused = 0;
  const failed: string[] = [];
  const nodes = new Set<string>();
  for (const { id } of jobs) {
    const job = studio.queue.get(id)!;
    if (job.status !== 'done') throw new Error(`${tag}: job ${id} ended ${job.status}: ${job.error}`);
    const trace = studio.queue.getTrace(id) as { attempts: Array<{ stage: string; outcome: string; error?: string; node?: string }>; chunks?: Array<{ outcome: string }> };
    reused += (trace.chunks ?? []).filter((c) => c.outcome === 'reused').length;
    for (const a of trace.attempts) {
      chunks++;
      if (a.outcome !== 'ok') failed.push(`${a.stage}: ${(a.error ?? '').split('\n')[0]!.slice(0, 160)}`);
      if (a.node) nodes.add(a.node);
    }
  }
  return { seconds, chunks, reused, failed, nodes };
}

/** Stops with chunks running on every node; answers each node's time from the stop to its ffmpeg gone, in ms. */
async function stopRound(studio: Studio, nodes: NodeProcess[], round: number): Promise<number[]> {
  const jobs = await send(studio, { type: 'enqueue', project: project(`stop${round}`, 1000 + 2 * round, 2, 8) });
  const running = (node: NodeProcess) => node.of('ffmpeg').map((l) => l.pid!).filter(isAlive);
  await until(() => nodes.every((n) => running(n).length > 0), 120_000, 'ffmpeg running on every node');
  const pids = nodes.map(running);
  const t0 = performance.now();
  await send(studio, { type: 'emergencyStop', scope: 'immediate', reason: 'bench: fan-out' });
  const gone: number[] = nodes.map(() => NaN);
  while (gone.some(Number.isNaN)) {
    const now = performance.now() - t0;
    pids.forEach((list, i) => Number.isNaN(gone[i]!) && !list.some(isAlive) && (gone[i] = now));
    if (now > 30_000) throw new Error('a node kept its ffmpeg 30 s after the stop');
    await sleep(2);
  }
  // Cancelled only once back in the queue: a job cancelled while its run is still being put back trips the host (see the report).
  await until(() => jobs.every((j) => studio.queue.get(j.id)!.status !== 'running' && studio.queue.get(j.id)!.status !== 'blocked'), 30_000, 'the stopped jobs back in the queue');
  for (const { id } of jobs) await studio.execute({ type: 'cancel', jobId: id }, 'bench');
  await send(studio, { type: 'reset', reason: 'bench' });
  await send(studio, { type: 'resume', reason: 'bench' });
  await until(() => nodes.every((n) => running(n).length === 0), 30_000, 'the nodes idle');
  return gone;
}

async function main(): Promise<void> {
  if (redisMissing) {
    console.log(`bench/farm skipped: ${redisMissing}`);
    return;
  }
  console.log(`bench/farm: ${SHOTS} shots of ${SECONDS} s at ${WIDTH}x${HEIGHT}, optical flow 12→24 fps, draft; ${ROUNDS} turn(s) each; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);
  const redis = await startRedis();
  const shared = await mkdtemp(join(tmpdir(), 'storycore-bench-farm-'));
  const nodes: NodeProcess[] = [];
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const coordinator = await openFarmCoordinator({ url: redis.url, shared, timings: { heartbeatMs: NODE_TIMINGS.heartbeatMs }, log: () => {} });
    const farmStudio = await Studio.open({ dataDir: join(shared, 'farm'), demoProjectPath: demoProjectPath(), workers: 2, leaser: (pool) => coordinator.leaser(pool), nodes: () => coordinator.nodes(), fleet: coordinator.fleet });
    cleanup.push(() => farmStudio.close());
    for (const name of ['bench-a', 'bench-b']) nodes.push(await startNode(redis.url, { name, workers: 1, shared, ...NODE_TIMINGS, args: ['--metrics-port', 'off'] }));
    cleanup.push(() => Promise.all(nodes.map((n) => n.stop())));
    await until(() => coordinator.registry.capacity() === 2, 15_000, 'two nodes live');
    const embedded = await Studio.open({ dataDir: join(shared, 'embedded'), demoProjectPath: demoProjectPath(), workers: 2 });
    cleanup.push(() => embedded.close());

    const times = { embedded: [] as number[], farm: [] as number[] };
    const counter = new Redis(redis.url);
    let farmCommands = 0;
    let farmStageAttempts = 0;
    let farmBytes = 0;
    // The farm's cost at rest (heartbeats, watchdogs, stalled checks, BullMQ's waits, the coordinator's reads), to tell apart from the chunks'.
    const idleStart = await redisCommands(counter);
    await sleep(5000);
    const idlePerSecond = ((await redisCommands(counter)) - idleStart) / 5;
    for (let round = 0; round < ROUNDS; round++) {
      // Turn about, farm first in odd rounds, so that a change of machine load falls on both.
      const order = round % 2 === 0 ? (['embedded', 'farm'] as const) : (['farm', 'embedded'] as const);
      for (const mode of order) {
        const before = mode === 'farm' ? await redisCommands(counter) : 0;
        const bytes = mode === 'farm' ? watchBytes(join(shared, 'farm')) : null;
        const run = await renderAll(mode === 'farm' ? farmStudio : embedded, `${mode}${round}`, 1 + round * SHOTS);
        times[mode].push(run.seconds);
        if (mode === 'farm') {
          farmCommands += (await redisCommands(counter)) - before;
          farmStageAttempts += run.chunks;
          farmBytes += bytes!.stop();
        }
        console.log(`  round ${round + 1} ${mode.padEnd(8)} ${run.seconds.toFixed(1)} s, ${run.chunks} stage attempts (chunks and joins), ${run.reused} reused${mode === 'farm' ? ` on ${[...run.nodes].sort().join(', ')}` : ''}${run.failed.length ? `, ${run.failed.length} failed and retried: ${[...new Set(run.failed)].slice(0, 3).join(' | ')}` : ''}`);
      }
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const ratio = sum(times.farm) / sum(times.embedded);
    console.log(`overhead of farm mode: ${ratio.toFixed(3)}× the embedded studio's wall time (target ≤ 1.10×)${ratio <= 1.1 ? '' : ' — over target'}`);

    const farmSeconds = times.farm.reduce((a, b) => a + b, 0);
    const rendered = ROUNDS * SHOTS * SECONDS;
    const perAttempt = (farmCommands - idlePerSecond * farmSeconds) / farmStageAttempts;
    console.log(
      `redis: ${idlePerSecond.toFixed(0)} commands a second at rest (coordinator + 2 idle nodes); during the farm's renders ${(farmCommands / farmSeconds).toFixed(0)} a second, about ${perAttempt.toFixed(0)} per stage attempt beyond the rest`,
    );
    console.log(`shared folder: at least ${(farmBytes / 1e6).toFixed(1)} MB written for ${rendered} s of ${WIDTH}x${HEIGHT} output (${(farmBytes / 1e6 / rendered).toFixed(2)} MB per output second; chunks are read back about as much)`);
    counter.disconnect();

    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(CHUNK_QUEUE, { connection });
    const finished = await queue.getJobs(['completed'], 0, -1);
    const dispatch = finished.filter((j) => j.processedOn).map((j) => j.processedOn! - j.timestamp);
    console.log(`chunk dispatch (enqueue → a node takes it), ${dispatch.length} chunks: p50 ${quantile(dispatch, 0.5).toFixed(0)} ms, p95 ${quantile(dispatch, 0.95).toFixed(0)} ms, max ${Math.max(...dispatch).toFixed(0)} ms`);
    await queue.close();
    connection.disconnect();

    const fanOut: number[] = [];
    for (let round = 0; round < STOPS; round++) {
      const gone = await stopRound(farmStudio, nodes, round);
      fanOut.push(...gone);
      console.log(`  stop ${round + 1}: ${gone.map((ms, i) => `${nodes[i]!.name} ${ms.toFixed(0)} ms`).join(', ')}`);
    }
    const how = "the coordinator's emergency stop (the fleet stop's broadcast and each farmed chunk's cancel)";
    const p95 = quantile(fanOut, 0.95);
    console.log(`stop fan-out to every node's ffmpeg, ${how}, ${fanOut.length} node-stops: p50 ${quantile(fanOut, 0.5).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${Math.max(...fanOut).toFixed(0)} ms (target p95 < 250 ms)${p95 < 250 ? '' : ' — over target'}`);
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    await redis.stop();
    await rm(shared, { recursive: true, force: true });
  }
}

await main();
