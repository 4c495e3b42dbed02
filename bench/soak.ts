/**
 * Soak: a real Studio host (this process: real SQLite, real worker processes, real ffmpeg) renders
 * without pause for `--minutes` (default 30), re-enqueuing draft shots as they finish, while random
 * drills switch fault injection (fail, hang, crash, slow) on random stages every `--drill-seconds`
 * (default 30), every sixth drill pressing the emergency stop, then reset and resume.
 * Run: `npm run soak -- --minutes 30` (node --expose-gc bench/soak.ts); `--seed N` replays the drills.
 *
 * Every minute, and at the end, it reports: RSS and heap after a forced GC and their slopes (least
 * squares over samples every 10 s, bytes per minute), the process's active resources by type
 * (process.getActiveResourcesInfo()), the live child processes (workers and ffmpeg, found in /proc)
 * against the pool size, and jobs done, failed and requeued. At the end it closes the host and checks
 * that no process it started is left (exit code 1 if one is).
 *
 * The circuits get shorter timeouts and recoveries than the seeds (a hung stage ends after seconds,
 * not minutes; open circuits recover within the drill period), so that every drill plays out, and
 * is recovered from, within a run of a few minutes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Command, Job } from '../src-preload/contract.ts';
import { CHAOS_MODES, STAGES } from '../src-main/engine/tasks.ts';
import { Studio } from '../src-main/host/studio.ts';
import { seededRandom } from '../test/fixtures/seeded-random.ts';
import { slope } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    'drill-seconds': { type: 'string', default: '30' },
    seed: { type: 'string' },
    workers: { type: 'string', default: '2' },
  },
});
const MINUTES = Number(args.minutes);
const DRILL_MS = Number(args['drill-seconds']) * 1000;
const WORKERS = Number(args.workers);
if (!(MINUTES > 0) || !(DRILL_MS >= 1000) || !Number.isInteger(WORKERS) || WORKERS < 1) {
  throw new Error('usage: soak [--minutes N (> 0)] [--drill-seconds N (>= 1)] [--workers N (>= 1)] [--seed N]');
}
const SEED = args.seed === undefined ? Date.now() % 2 ** 31 : Number(args.seed);
const SAMPLE_MS = 10_000;
/** Jobs kept waiting or running, so that a slot never waits for the soak to enqueue. */
const BACKLOG = WORKERS * 2;
const gc = globalThis.gc;
const MiB = 1024 * 1024;
const demoProjectPath = fileURLToPath(new URL('../resources/demo/project.json', import.meta.url));

const rand = seededRandom(SEED);
const choose = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** A draft shot, varied so that every stage path runs: moves, keyframe counts, methods, formats. */
function draftShot(n: number) {
  const keyframes = rand() < 0.5 ? 1 : 2;
  return {
    version: 1 as const,
    name: `soak ${n}`,
    quality: 'draft' as const,
    shots: [
      {
        id: `soak_${n}`,
        duration: 1,
        fps: 12,
        resolution: { width: 96, height: 54 },
        keyframes: Array.from({ length: keyframes }, (_, k) => ({ generator: choose(['testsrc2', 'mandelbrot', 'gradients', 'color'] as const), seed: n + k })),
        camera: { movement: choose(['static', 'pan', 'zoom', 'ken_burns'] as const) },
        interpolation: { method: choose(['blend', 'duplicate', 'crossfade', 'optical_flow'] as const), sourceFps: 6, transition: 'cut' as const },
        export: { format: choose(['mp4', 'mp4', 'webm'] as const) },
      },
    ],
  };
}

// ── processes, from /proc ──

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
}

function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (fields[0] === 'Z') continue; // dead, not yet reaped
      out.push({ pid: Number(name), ppid: Number(fields[1]), comm: stat.slice(stat.indexOf('(') + 1, close), cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone while reading
    }
  }
  return out;
}

function descendants(all: ProcInfo[], root: number): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      walk(child.pid);
    }
  };
  walk(root);
  return out;
}

const isFfmpeg = (p: ProcInfo) => p.comm === 'ffmpeg' || p.comm === 'ffprobe';

// ── statistics ──

const slopeOf = (samples: Sample[], key: 'rss' | 'heap') => slope(samples.map((s) => ({ x: s.minute, y: s[key] })));
const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const kib = (bytes: number) => `${fmt(bytes / 1024, 0)} KiB`;

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

interface Sample {
  minute: number;
  rss: number;
  heap: number;
  resources: Record<string, number>;
  workers: number;
  ffmpeg: number;
}

// ── the soak ──

async function main(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the soak counts processes through /proc: run it on Linux');
  const dataDir = await mkdtemp(join(tmpdir(), 'storycore-soak-'));
  console.log(`Soak: ${MINUTES} min, ${WORKERS} workers, drills every ${DRILL_MS / 1000} s, seed ${SEED} (--seed ${SEED} replays the drill choices). Node ${process.version}, ${availableParallelism()} cores.`);
  const studio = await Studio.open({ dataDir, demoProjectPath, workers: WORKERS, maxRunningJobs: WORKERS, monitorIntervalMs: 2000 });
  const send = async (command: Command) => {
    const reply = await studio.execute(command, 'soak');
    if (!reply.ok) throw new Error(`${command.type}: ${reply.error.code}: ${reply.error.message}`);
    return reply.result;
  };
  // Seconds, not minutes: every drill plays out and recovers within the run (see the header).
  const circuits: Record<string, Record<string, number>> = {
    video_frame_processing: { timeoutMs: 15_000, recoveryTimeoutMs: 10_000 },
    video_interpolation: { timeoutMs: 20_000, recoveryTimeoutMs: 10_000 },
    video_export: { timeoutMs: 30_000, recoveryTimeoutMs: 10_000 },
    parallel_processing: { timeoutMs: 40_000, recoveryTimeoutMs: 10_000 },
    error_retry: { timeoutMs: 20_000, recoveryTimeoutMs: 15_000 },
    error_fallback: { timeoutMs: 20_000, recoveryTimeoutMs: 10_000 },
  };
  for (const [circuit, patch] of Object.entries(circuits)) await send({ type: 'configureCircuit', circuit, patch });

  let enqueued = 0;
  const outcomes = { done: 0, failed: 0, requeued: 0, canceled: 0 };
  const finished = new Set<string>();
  const unsubscribe = studio.subscribe((batch) => {
    for (const job of batch.jobs) {
      if ((job.status === 'done' || job.status === 'failed' || job.status === 'canceled') && !finished.has(job.id)) {
        finished.add(job.id);
        outcomes[job.status]++;
      }
    }
    for (const event of batch.events) if (event.kind === 'log' && /back in the queue/.test(event.message)) outcomes.requeued++;
  });

  const topUp = async () => {
    const counts = studio.queueCounts();
    const waiting = counts.queued + counts.running + counts.blocked;
    for (let i = waiting; i < BACKLOG; i++) {
      await send({ type: 'enqueue', project: draftShot(enqueued), quality: 'draft' });
      enqueued++;
    }
  };

  const drills: string[] = [];
  let stopped = false;
  const drill = async () => {
    const roll = rand();
    // Every sixth drill is an emergency stop, so that even a short run has one.
    if (drills.length % 6 === 5) {
      await send({ type: 'emergencyStop', scope: 'immediate', reason: 'soak drill' });
      stopped = true;
      drills.push('emergency stop');
      await sleep(3000);
      await send({ type: 'reset', reason: 'soak drill over' });
      await send({ type: 'resume', reason: 'soak drill over' });
      stopped = false;
      return;
    }
    if (roll < 0.3) {
      await send({ type: 'setChaos', rules: [] });
      drills.push('clear');
      return;
    }
    const stages = [...STAGES].sort(() => rand() - 0.5).slice(0, rand() < 0.7 ? 1 : 2);
    const rules = stages.map((stage) => ({ stage, mode: choose(CHAOS_MODES), ...(rand() < 0.5 ? { times: 1 + Math.floor(rand() * 3) } : {}) }));
    await send({ type: 'setChaos', rules });
    drills.push(rules.map((r) => `${r.stage}=${r.mode}${r.times ? `:${r.times}` : ''}`).join(','));
  };

  const samples: (Sample & { t: number })[] = [];
  const seenWorkers = new Set<number>();
  let maxWorkers = 0;
  let maxFfmpeg = 0;
  const sample = (t: number): Sample & { t: number } => {
    gc?.();
    const m = process.memoryUsage();
    const mine = descendants(processes(), process.pid);
    const workers = mine.filter((p) => p.ppid === process.pid && /worker\.(ts|js)/.test(p.cmdline));
    for (const w of workers) seenWorkers.add(w.pid);
    const ffmpeg = mine.filter(isFfmpeg).length;
    maxWorkers = Math.max(maxWorkers, workers.length);
    maxFfmpeg = Math.max(maxFfmpeg, ffmpeg);
    return { t, minute: t / 60_000, rss: m.rss, heap: m.heapUsed, resources: resourceCounts(), workers: workers.length, ffmpeg };
  };

  const report = (label: string) => {
    const last = samples.at(-1)!;
    const rssSlope = slopeOf(samples, 'rss');
    const heapSlope = slopeOf(samples, 'heap');
    const handles = Object.entries(last.resources)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `${label} RSS ${fmt(last.rss / MiB, 1)} MiB (slope ${kib(rssSlope)}/min), heap ${fmt(last.heap / MiB, 1)} MiB (slope ${kib(heapSlope)}/min); ` +
        `children: ${last.workers} workers of ${WORKERS}, ${last.ffmpeg} ffmpeg; jobs done ${outcomes.done}, failed ${outcomes.failed}, requeued ${outcomes.requeued}; ` +
        `resources: ${handles}; last drill: ${drills.at(-1) ?? 'none'}`,
    );
  };

  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    console.log('SIGINT: stopping the soak early; the report and the leftover check still run');
  });

  const start = performance.now();
  const end = start + MINUTES * 60_000;
  let nextDrill = start + DRILL_MS;
  let nextSample = start;
  let nextReport = start + 60_000;
  let drillRunning: Promise<void> | null = null;
  let drillErrors = 0;
  await topUp();
  while (performance.now() < end && !interrupted) {
    const now = performance.now();
    if (!stopped) await topUp();
    if (now >= nextDrill && !drillRunning) {
      nextDrill += DRILL_MS;
      drillRunning = drill()
        .catch((error: unknown) => {
          drills.push(`drill failed: ${error instanceof Error ? error.message : String(error)}`);
          drillErrors++;
        })
        .finally(() => {
          drillRunning = null;
        });
    }
    if (now >= nextSample) {
      samples.push(sample(now - start));
      nextSample += SAMPLE_MS;
    }
    if (now >= nextReport) {
      report(`[${fmt((now - start) / 60_000, 0)} min]`);
      nextReport += 60_000;
    }
    await sleep(250);
  }
  await drillRunning;
  await send({ type: 'setChaos', rules: [] });
  samples.push(sample(performance.now() - start));
  report('[end]');
  const queue = studio.queueCounts();

  // ── closing: nothing may be left behind ──
  const during = descendants(processes(), process.pid);
  unsubscribe();
  await studio.close();
  await sleep(1000);
  const all = processes();
  const leftChildren = descendants(all, process.pid);
  const leftWorkers = all.filter((p) => seenWorkers.has(p.pid) && /worker\.(ts|js)/.test(p.cmdline));
  const leftFfmpeg = all.filter((p) => isFfmpeg(p) && p.cmdline.includes(dataDir));
  await rm(dataDir, { recursive: true, force: true });

  const first = samples[0]!;
  const last = samples.at(-1)!;
  const resourceDelta = [...new Set([...Object.keys(first.resources), ...Object.keys(last.resources)])]
    .sort()
    .map((k) => `${k} ${first.resources[k] ?? 0}→${last.resources[k] ?? 0}`)
    .join(', ');
  const minutes = (performance.now() - start) / 60_000;
  console.log('\nSummary');
  console.log(`  ran ${fmt(minutes, 1)} min; ${enqueued} jobs enqueued: done ${outcomes.done}, failed ${outcomes.failed}, requeued by stops ${outcomes.requeued}; queue at the end ${JSON.stringify(queue)}`);
  console.log(`  drills (${drills.length}): ${drills.join(' | ') || 'none'}`);
  // The first minutes include warm-up (JIT, SQLite's page cache, the workers' first ffmpeg runs);
  // growth that goes on shows in the second half.
  const secondHalf = samples.filter((s) => s.minute >= minutes / 2);
  console.log(
    `  memory after forced GC: RSS ${fmt(first.rss / MiB, 1)} → ${fmt(last.rss / MiB, 1)} MiB, slope ${kib(slopeOf(samples, 'rss'))}/min (second half ${kib(slopeOf(secondHalf, 'rss'))}/min); ` +
      `heap ${fmt(first.heap / MiB, 1)} → ${fmt(last.heap / MiB, 1)} MiB, slope ${kib(slopeOf(samples, 'heap'))}/min (second half ${kib(slopeOf(secondHalf, 'heap'))}/min); ` +
      `${samples.length} samples, every ${SAMPLE_MS / 1000} s`,
  );
  if (!gc) console.log('  (no --expose-gc: the memory figures include uncollected garbage; run `npm run soak`)');
  console.log(`  active resources, first sample → last: ${resourceDelta}`);
  console.log(`  child processes: at most ${maxWorkers} workers at once (pool size ${WORKERS}), ${seenWorkers.size} worker processes over the run (replacements included); at most ${maxFfmpeg} ffmpeg at once; ${during.length} just before closing`);
  const leaks = [...leftChildren, ...leftWorkers, ...leftFfmpeg];
  if (leaks.length > 0) {
    console.log(`  FAIL: left behind after close: ${[...new Set(leaks.map((p) => `${p.pid} ${p.comm}`))].join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log('  PASS: no process left behind after close (no child, no worker seen during the run, no ffmpeg on the data folder)');
  }
  // A worker being replaced can overlap its successor for a moment (the old one still exiting), so
  // this is reported, not failed; the leftover check above is the one that must hold.
  if (maxWorkers > WORKERS) console.log(`  NOTE: ${maxWorkers} workers alive at one sample, over the pool size ${WORKERS} (a replacement overlapping its predecessor's exit?)`);
  if (drillErrors > 0) {
    console.log(`  FAIL: ${drillErrors} drill(s) could not be carried out (see the drill list)`);
    process.exitCode = 1;
  }
}

await main();
