/**
 * Load: 1,000 queued draft-quality jobs in a real Studio (real SQLite file in a temp data folder,
 * the queue paused so nothing renders), then 10,000 breaker events a second to three WebSocket
 * subscribers. Run: `npm run bench:load` (node --expose-gc bench/load.ts).
 *
 * Part 1 measures each figure on two Studios in this process, taken turn about so that the machine's
 * load hits both alike: the peer with PEER_JOBS (50) queued, the load with LOAD_JOBS (1,000); the
 * ratio says what the size of the queue costs.
 * - enqueue: one `enqueue` command of one inline shot (zod, SQLite insert in a transaction, event bus);
 * - pick-next: RenderQueue.nextRunnable(), what the scheduler asks each time a slot frees;
 * - state change: markRunning then requeue (a job starting and going back), raw queue calls; and the
 *   commands setPriority, move and pauseJob/resumeJob through Studio.execute;
 * - Studio.snapshot(): what a new or fallen-behind subscriber gets. It runs synchronous SQLite on the
 *   main loop, so its time is how long it blocks the loop; its JSON size is what goes on the wire;
 * - event-loop delay while the jobs just sit there (resource monitor and event bus running, one
 *   subscriber attached), over LOAD_IDLE_SECONDS (default 10), one Studio open at a time;
 * - memory after a forced GC: RSS and heap before the Studios open, with the peer's jobs, with the load's.
 *
 * Part 2 runs bench/events.ts with three normal subscribers and no slow one (BENCH_NORMAL_CLIENTS=3,
 * BENCH_SLOW_CLIENT=0) for LOAD_EVENTS_SECONDS (default 20): delivery, p95 latency per subscriber,
 * host memory. LOAD_SKIP_EVENTS=1 leaves it out.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from '../src-preload/contract.ts';
import { Studio } from '../src-main/host/studio.ts';

const LOAD_JOBS = Math.max(100, Number(process.env.LOAD_JOBS) || 1000);
const PEER_JOBS = 50;
const IDLE_SECONDS = Math.max(2, Number(process.env.LOAD_IDLE_SECONDS) || 10);
const EVENTS_SECONDS = Math.max(5, Number(process.env.LOAD_EVENTS_SECONDS) || 20);
const SNAPSHOT_BLOCK_LIMIT_MS = 50;

const demoProjectPath = fileURLToPath(new URL('../resources/demo/project.json', import.meta.url));
const gc = globalThis.gc;
const MiB = 1024 * 1024;
const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** One draft-quality shot: 96x54, one second, a generated keyframe. */
function tinyShotProject(n: number) {
  return {
    version: 1 as const,
    name: `load ${n}`,
    quality: 'draft' as const,
    shots: [{ id: `shot_${n}`, duration: 1, fps: 12, resolution: { width: 96, height: 54 }, keyframes: [{ generator: 'testsrc2' as const }], interpolation: { method: 'blend' as const, sourceFps: 6 } }],
  };
}

function memory() {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

interface Bench {
  studio: Studio;
  dataDir: string;
  jobs: number;
  send: (command: Command) => Promise<unknown>;
  close: () => Promise<void>;
}

async function openBench(dataDir: string): Promise<Bench> {
  const studio = await Studio.open({ dataDir, demoProjectPath, workers: 2, monitorIntervalMs: 1000 });
  // One subscriber, as one open window: it gets the batches, serialized as the WebSocket would.
  const unsubscribe = studio.subscribe((batch) => void JSON.stringify(batch));
  const send = async (command: Command) => {
    const reply = await studio.execute(command, 'bench');
    if (!reply.ok) throw new Error(`${command.type}: ${reply.error.message}`);
    return reply.result;
  };
  await send({ type: 'pauseQueue' });
  return {
    studio,
    dataDir,
    jobs: studio.queue.list({ limit: 100_000 }).length,
    send,
    close: async () => {
      unsubscribe();
      await studio.close();
    },
  };
}

/** Enqueues up to `total` jobs, one command each; returns µs per job over the last `timed`. */
async function fillTo(bench: Bench, total: number, timed: number): Promise<number> {
  let spent = 0;
  while (bench.jobs < total) {
    const t = performance.now();
    await bench.send({ type: 'enqueue', project: tinyShotProject(bench.jobs), quality: 'draft' });
    if (bench.jobs >= total - timed) spent += performance.now() - t;
    bench.jobs++;
  }
  return (spent * 1000) / timed;
}

type Op = (bench: Bench, i: number, ids: string[]) => unknown;
const pick = (ids: string[], i: number) => ids[(i * 7919) % ids.length]!;

/** Per-op costs, µs; the pairs (start + requeue, pause + resume) are halved to one state change each. */
const OPS: { name: string; n: number; per: number; op: Op }[] = [
  { name: 'pick next (RenderQueue.nextRunnable)', n: 2000, per: 1, op: (b) => b.studio.queue.nextRunnable() },
  {
    name: 'state change: markRunning or requeue',
    n: 300,
    per: 2,
    op: (b) => {
      const next = b.studio.queue.nextRunnable()!;
      b.studio.queue.markRunning(next.id);
      b.studio.queue.requeue(next.id, 'bench');
    },
  },
  { name: 'setPriority command', n: 300, per: 1, op: (b, i, ids) => b.send({ type: 'setPriority', jobId: pick(ids, i), priority: i % 2 }) },
  { name: 'move command', n: 300, per: 1, op: (b, i, ids) => b.send({ type: 'move', jobId: pick(ids, i), to: (['top', 'bottom', 'up', 'down'] as const)[i % 4]! }) },
  {
    name: 'pauseJob or resumeJob command',
    n: 300,
    per: 2,
    op: async (b, i, ids) => {
      await b.send({ type: 'pauseJob', jobId: pick(ids, i) });
      await b.send({ type: 'resumeJob', jobId: pick(ids, i) });
    },
  },
];

async function perOp(bench: Bench, n: number, op: Op): Promise<number> {
  const ids = bench.studio.queue.list({ limit: 100_000 }).map((j) => j.id);
  const t = performance.now();
  for (let i = 0; i < n; i++) await op(bench, i, ids);
  return ((performance.now() - t) * 1000) / n;
}

function snapshotOnce(bench: Bench): { ms: number; bytes: number; stringifyMs: number } {
  const t = performance.now();
  const snapshot = bench.studio.snapshot();
  const ms = performance.now() - t;
  const s = performance.now();
  const text = JSON.stringify(snapshot);
  const stringifyMs = performance.now() - s;
  if (snapshot.jobs.length !== bench.jobs) throw new Error(`the snapshot lists ${snapshot.jobs.length} jobs, not ${bench.jobs}: the queue view would miss some`);
  return { ms, bytes: Buffer.byteLength(text), stringifyMs };
}

/** Event-loop delay while the studio just sits there (its monitor sampling, its bus flushing), ms. */
async function idleDelay(): Promise<{ p50: number; p99: number; max: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await sleep(IDLE_SECONDS * 1000);
  delay.disable();
  return { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
}

const ROUNDS = 5;
const ENQUEUE = 'enqueue command (one shot), per job';

async function main(): Promise<void> {
  console.log(`Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'})`);
  if (!gc) console.log('No --expose-gc: memory readings include garbage not yet collected (run `npm run bench:load`).');
  const root = await mkdtemp(join(tmpdir(), 'storycore-load-'));
  const baseline = memory();
  // Two studios in this process, each its own data folder and SQLite file, measured turn about so
  // that a change in the machine's load hits both alike.
  const peer = await openBench(join(root, 'peer'));
  const load = await openBench(join(root, 'load'));
  const opened = memory();
  await fillTo(peer, PEER_JOBS, PEER_JOBS);
  const withPeer = memory();
  await fillTo(load, LOAD_JOBS, PEER_JOBS);
  const withLoad = memory();

  const results = new Map<string, { peer: number[]; load: number[] }>();
  const record = (name: string, which: 'peer' | 'load', value: number) => {
    const entry = results.get(name) ?? { peer: [], load: [] };
    entry[which].push(value);
    results.set(name, entry);
  };
  for (const { op } of OPS) for (const bench of [peer, load]) await perOp(bench, 20, op); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    // Enqueue turn about too (the first jobs of a cold process would be billed the JIT): ten more each round.
    record(ENQUEUE, 'peer', await fillTo(peer, peer.jobs + 10, 10));
    record(ENQUEUE, 'load', await fillTo(load, load.jobs + 10, 10));
    for (const { name, n, per, op } of OPS) {
      record(name, 'peer', (await perOp(peer, n, op)) / per);
      record(name, 'load', (await perOp(load, n, op)) / per);
    }
  }
  const snapshots = { peer: [] as ReturnType<typeof snapshotOnce>[], load: [] as ReturnType<typeof snapshotOnce>[] };
  for (let i = 0; i < 30; i++) {
    snapshots.peer.push(snapshotOnce(peer));
    snapshots.load.push(snapshotOnce(load));
  }
  const counts = load.studio.queueCounts();

  // Idle, one studio at a time; the loaded one is reopened, which also times a start with 1,000 jobs.
  await load.close();
  const idlePeer = await idleDelay();
  await peer.close();
  let t = performance.now();
  const reopened = await openBench(load.dataDir);
  const reopenMs = performance.now() - t;
  const idleLoad = await idleDelay();
  t = performance.now();
  await reopened.close();
  const closeMs = performance.now() - t;
  await rm(root, { recursive: true, force: true });

  console.log(`\nTwo real Studios in one process, queues paused: ${PEER_JOBS} jobs (peer) and ${fmt(LOAD_JOBS)} draft jobs (load), one enqueue command each;`);
  console.log(`the enqueue rows add ${ROUNDS * 10} more to each while measuring (${PEER_JOBS}→${PEER_JOBS + ROUNDS * 10}, ${fmt(LOAD_JOBS)}→${fmt(LOAD_JOBS + ROUNDS * 10)}).`);
  console.log(`Costs are medians of ${ROUNDS} rounds taken turn about. Load queue at the end: ${JSON.stringify(counts)}\n`);
  const row = (name: string, a: number, b: number, unit: string, digits = 1) =>
    console.log(`${name.padEnd(46)} ${`${fmt(a, digits)} ${unit}`.padStart(12)} ${`${fmt(b, digits)} ${unit}`.padStart(12)} ${`${fmt(b / a, 2)}×`.padStart(7)}`);
  console.log(`${''.padEnd(46)} ${`${PEER_JOBS} jobs`.padStart(12)} ${`${fmt(LOAD_JOBS)} jobs`.padStart(12)} ${'ratio'.padStart(7)}`);
  for (const [name, { peer: p, load: l }] of results) row(name, median(p), median(l), 'µs');
  const sm = (xs: ReturnType<typeof snapshotOnce>[], key: 'ms' | 'bytes' | 'stringifyMs') => median(xs.map((x) => x[key]));
  const smax = (xs: ReturnType<typeof snapshotOnce>[]) => Math.max(...xs.slice(1).map((x) => x.ms));
  row('Studio.snapshot(), main loop blocked: median', sm(snapshots.peer, 'ms'), sm(snapshots.load, 'ms'), 'ms', 2);
  row('Studio.snapshot(), main loop blocked: max', smax(snapshots.peer), smax(snapshots.load), 'ms', 2);
  row('snapshot as JSON', sm(snapshots.peer, 'bytes') / 1024, sm(snapshots.load, 'bytes') / 1024, 'KiB');
  row('JSON.stringify of it (what the WebSocket does)', sm(snapshots.peer, 'stringifyMs'), sm(snapshots.load, 'stringifyMs'), 'ms', 2);
  row(`event-loop delay, idle ${IDLE_SECONDS} s: p50`, idlePeer.p50, idleLoad.p50, 'ms', 2);
  row(`event-loop delay, idle ${IDLE_SECONDS} s: p99`, idlePeer.p99, idleLoad.p99, 'ms', 2);
  row(`event-loop delay, idle ${IDLE_SECONDS} s: max`, idlePeer.max, idleLoad.max, 'ms', 2);
  console.log('(event-loop delay is sampled every 1 ms, so 1 ms means no delay)');
  const perJob = (key: 'rss' | 'heap') => (withLoad[key] - withPeer[key]) / LOAD_JOBS / 1024;
  console.log(
    `\nMemory after a forced GC (MiB, RSS / heap): before any Studio ${fmt(baseline.rss / MiB)} / ${fmt(baseline.heap / MiB, 1)}; two open and empty ` +
      `${fmt(opened.rss / MiB)} / ${fmt(opened.heap / MiB, 1)}; + ${PEER_JOBS} jobs ${fmt(withPeer.rss / MiB)} / ${fmt(withPeer.heap / MiB, 1)}; ` +
      `+ ${fmt(LOAD_JOBS)} jobs ${fmt(withLoad.rss / MiB)} / ${fmt(withLoad.heap / MiB, 1)}: ≈ ${fmt(perJob('rss'), 1)} KiB RSS and ${fmt(perJob('heap'), 2)} KiB heap per queued job.`,
  );
  console.log(`Opening a Studio whose queue holds ${fmt(LOAD_JOBS)} jobs: ${fmt(reopenMs)} ms; closing it: ${fmt(closeMs)} ms.`);
  const worst = Math.max(...snapshots.load.slice(1).map((x) => x.ms));
  const blocks = worst > SNAPSHOT_BLOCK_LIMIT_MS;
  console.log(
    `${blocks ? 'OVER' : 'UNDER'} ${SNAPSHOT_BLOCK_LIMIT_MS} ms: with ${fmt(LOAD_JOBS)} jobs a snapshot blocks the main loop ${fmt(sm(snapshots.load, 'ms'), 1)} ms (max ${fmt(worst, 1)} ms), ` +
      `plus ${fmt(sm(snapshots.load, 'stringifyMs'), 1)} ms to serialize it for each subscriber that needs one.` +
      (blocks ? ' It reads every job with synchronous SQLite on the main loop: page it, or build it off the loop.' : ''),
  );

  if (process.env.LOAD_SKIP_EVENTS === '1') return;
  console.log(`\n── 10,000 breaker events/s to three WebSocket subscribers (bench/events.ts, ${EVENTS_SECONDS} s) ──\n`);
  const events = fileURLToPath(new URL('./events.ts', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', events], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_NORMAL_CLIENTS: '3', BENCH_SLOW_CLIENT: '0', BENCH_SECONDS: String(EVENTS_SECONDS), BENCH_RATE: '10000' },
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench/events.ts exited with ${code}`);
}

await main();
