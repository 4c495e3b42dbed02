/**
 * Does the queue table stay usable with a thousand jobs? Run: `npm run build`, then
 * `node bench/queue-table.ts`.
 *
 * The real host in serve mode (child processes, their queues paused so nothing renders) and the
 * built renderer in Chromium, twice in this run: one host with 50 jobs (the peer: one full page),
 * one with 1,000,
 * each page in its own browser, measured in turns (5 rounds). While a page is measured, its host
 * changes the priority of one job every 50 ms (20 changes a second, the rate the event stream
 * batches at), so every batch re-sorts the queue and repaints rows, as live progress does.
 *
 * Printed for each: rows in the DOM, time from navigation to the first rows, p50/p95/max frame time
 * (requestAnimationFrame deltas) and long tasks (> 50 ms, Chromium's PerformanceObserver), then the
 * 1,000-job figures as ratios of the 50-job ones. Both show the same 50 rows, so a table that renders
 * only one page keeps the ratio near 1; one that rendered every row would grow with the queue.
 *
 * BENCH_SECONDS sets each measurement's length (default 10); BENCH_JOBS the larger queue (default 1000).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
/** One full page: the peer shows as many rows as the big queue does, so the ratio is the cost of the queue's length alone. */
const PEER_JOBS = 50;
const TOKEN = 'bench-token-0123456789abcdef';
const here = import.meta.dirname;

if (!existsSync(join(here, '..', 'out', 'renderer', 'index.html'))) {
  console.error('the renderer is not built: run npm run build first');
  process.exit(2);
}

function startHost(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [join(here, '..', 'src-main', 'cli.ts'), 'serve', '--port', '0', '--data', dataDir, '--token', TOKEN, '--workers', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const url = /open (http:\/\/[^/\s]+)\//.exec(out)?.[1];
      if (url) resolve({ child, base: url });
    });
    child.once('exit', (code) => reject(new Error(`the host exited (${code}) before it served`)));
  });
}

async function command(base: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${base}/api/command`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ command: body }) });
  const reply = (await response.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
  if (!reply.ok) throw new Error(`${JSON.stringify(body).slice(0, 60)}: ${reply.error?.message}`);
  return reply.result;
}

/** Adds `count` tiny shots, at most 500 per project (the contract's limit). */
async function enqueue(base: string, count: number, from: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const shots = Array.from({ length: n }, (_, i) => ({ id: `s${from + start + i}`, duration: 1, fps: 12, resolution: { width: 96, height: 54 }, keyframes: [{ generator: 'testsrc2' }], interpolation: { method: 'duplicate', sourceFps: 6 } }));
    const jobs = (await command(base, { type: 'enqueue', project: { version: 1, name: `bench ${from + start}`, quality: 'draft', shots } })) as { id: string }[];
    ids.push(...jobs.map((j) => j.id));
  }
  return ids;
}

interface Measurement {
  rows: number;
  firstRowsMs: number;
  p50: number;
  p95: number;
  max: number;
  longTasks: number;
  longestTaskMs: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** One queue's page in its own browser, recording frame times and long tasks while `recording` is on. */
async function openPage(base: string) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const started = Date.now();
  await page.goto(`${base}/?token=${TOKEN}`);
  await page.locator('[data-testid^="queue-row-"]').first().waitFor();
  const firstRowsMs = Date.now() - started;
  await page.evaluate(() => {
    const w = window as unknown as { bench: { on: boolean; frames: number[]; tasks: number[] } };
    w.bench = { on: false, frames: [], tasks: [] };
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.bench.on && w.bench.tasks.push(e.duration))).observe({ type: 'longtask' });
    let last = performance.now();
    const tick = (now: number) => {
      if (w.bench.on) w.bench.frames.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const record = (on: boolean) => page.evaluate((value) => ((window as unknown as { bench: { on: boolean } }).bench.on = value), on);
  const results = () => page.evaluate(() => (window as unknown as { bench: { frames: number[]; tasks: number[] } }).bench);
  return { browser, page, firstRowsMs, record, results };
}

/** Live changes on one host for `ms`: one job's priority every 50 ms, cycling through its queue. */
async function drive(base: string, ids: string[], ms: number, offset: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (let n = offset; Date.now() < deadline; n++) {
    await command(base, { type: 'setPriority', jobId: ids[(n * 7919) % ids.length]!, priority: (n % 21) - 10 });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function summarise(view: Awaited<ReturnType<typeof openPage>>): Promise<Measurement> {
  const { frames, tasks } = await view.results();
  const sorted = [...frames].sort((a, b) => a - b);
  const rows = await view.page.locator('[data-testid^="queue-row-"]').count();
  return { rows, firstRowsMs: view.firstRowsMs, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? 0, longTasks: tasks.length, longestTaskMs: Math.max(0, ...tasks) };
}

const line = (label: string, m: Measurement) =>
  `${label.padEnd(12)} rows in DOM ${String(m.rows).padStart(4)} · first rows ${String(m.firstRowsMs).padStart(5)} ms · frame p50 ${m.p50.toFixed(1)} p95 ${m.p95.toFixed(1)} max ${m.max.toFixed(1)} ms · long tasks ${m.longTasks} (longest ${m.longestTaskMs.toFixed(0)} ms)`;

// Two hosts, one per queue size, measured in turns: load from the rest of the machine then falls
// on both alike, which a measurement of one after the other would not promise.
const ROUNDS = 5;
const dirs = [mkdtempSync(join(tmpdir(), 'storycore-bench-queue-')), mkdtempSync(join(tmpdir(), 'storycore-bench-queue-'))];
const hosts = await Promise.all(dirs.map(startHost));
const views: Awaited<ReturnType<typeof openPage>>[] = [];
try {
  const [peerHost, bigHost] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
  await Promise.all(hosts.map((h) => command(h.base, { type: 'pauseQueue' })));
  const peerIds = await enqueue(peerHost.base, PEER_JOBS, 0);
  const bigIds = await enqueue(bigHost.base, JOBS, 0);
  views.push(await openPage(peerHost.base), await openPage(bigHost.base));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, host, ids] of [[0, peerHost, peerIds], [1, bigHost, bigIds]] as const) {
      await views[i]!.record(true);
      await drive(host.base, ids, (SECONDS * 1000) / ROUNDS, round * 1000);
      await views[i]!.record(false);
    }
  }
  const peer = await summarise(views[0]!);
  const big = await summarise(views[1]!);
  console.log(line(`${PEER_JOBS} jobs`, peer));
  console.log(line(`${JOBS} jobs`, big));
  console.log(`ratio ${JOBS}/${PEER_JOBS}: frame p95 ×${(big.p95 / peer.p95).toFixed(2)} · long tasks ${big.longTasks} vs ${peer.longTasks} · first rows ×${(big.firstRowsMs / peer.firstRowsMs).toFixed(2)} · rows in DOM ${big.rows} (a page)`);
} finally {
  await Promise.all(views.map((v) => v.browser.close()));
  for (const { child } of hosts) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
