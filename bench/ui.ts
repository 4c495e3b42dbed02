/**
 * The dashboard in a real Chromium while the host emits 10,000 breaker events a second: frame times,
 * the page's JS heap, and time to the first dashboard paint, each against a peer run of the same page
 * with the host idle. Run: `npm run bench:ui` (builds the renderer first: the page is out/renderer).
 *
 * Host (this process): a real Studio (SQLite journal in a temporary folder, one worker process, the
 * resource monitor) behind the real serve-mode server, exactly as `storycore serve` wires them. The
 * load drives the Studio's own seven circuits the way bench/events.ts drives its manager: every 10 ms,
 * enough synchronous calls to keep 10,000 breaker events a second; six circuits fail for part of their
 * own cycles, error_fallback is forced open for 300 ms every 2 s, and recovery timeouts are the seeds'
 * ÷300, so open, half_open, closed and forced_open transitions stream next to the per-call events.
 * resource_monitoring is only ever called with successes, so the resource charts keep drawing (its
 * failures would turn the monitor's samples into "not measured").
 *
 * Page: Debian's Chromium through Playwright, 1280x800, with the flags the e2e suite uses. An init
 * script counts requestAnimationFrame deltas into a preallocated Float64Array (so that measuring
 * allocates nothing on the page's heap). Heap: CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage,
 * every 3 s (each forced GC costs the page one long frame: 11 frames in ~1,800, well below the p95).
 * First paint: the renderer's `storycore:first-dashboard-paint` mark (set just after the frame that
 * first shows the circuit cards), read as milliseconds since navigation started; the navigation
 * includes the token link's redirect, as a user's does. Timed on 5 fresh pages (each a new context:
 * empty cache, new cookie, new socket) per run, after one untimed page warms the browser itself; the
 * median is judged.
 *
 * Order: the idle peer first (the host quiet), then the load starts, warms up, and a fresh page is
 * opened and measured under it. Each page settles BENCH_SETTLE_SECONDS (default 45) after its first
 * paint, then is measured for BENCH_SECONDS (default 30); the whole bench takes about 2.5 minutes.
 * BENCH_RATE sets the events a second (default 10,000). Machine noise is real on 2 shared cores: the
 * ratios against the peer are the figures to compare between runs, not the absolute milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, type CDPSession, type Page, chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.ts';
import type { CircuitBreaker } from '../src-main/breaker/index.ts';
import { SEED_CIRCUITS } from '../src-main/breaker/index.ts';
import { demoProjectPath, rendererDir } from '../src-main/cli.ts';
import { Studio } from '../src-main/host/studio.ts';
import { generateToken, startServer } from '../src-main/transport/http-server.ts';
import { slope } from './stats.ts';

const RATE = Number(process.env.BENCH_RATE) || 10_000;
const SECONDS = Number(process.env.BENCH_SECONDS) || 30;
const WARMUP_MS = 5_000; // load running before the loaded page opens: JIT, journal, bus at steady state
/**
 * After first paint, before measuring: long enough for the page's bounded windows to fill under load
 * (1,000 transitions at ~27 a second, the 300-line log), so the heap is measured at its steady state.
 * A 3-minute soak under load settled at 8-9.5 MiB from about 45 s on.
 */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 45) * 1000;
const HEAP_EVERY_MS = 3_000;
const TICK_MS = 10;
const VIEWPORT = { width: 1280, height: 800 };
const FIRST_PAINT_MARK = 'storycore:first-dashboard-paint'; // dashboard/CircuitGrid.tsx
const TARGET_P95_MS = 50;
const TARGET_FIRST_PAINT_MS = 1_000;
/** Fresh pages per run whose first paint is timed; the median is judged. */
const FIRST_PAINT_PAGES = 5;
/**
 * Heap growth under load that still counts as flat: a post-GC slope at most 32 KiB/s (1 MiB over
 * 30 s) above the idle peer's. The page's fixed windows (2-minute sparklines, 5-minute resource
 * charts) and V8's own warm-up still grow the heap a little even idle, and the peer measures exactly
 * that; what the load adds on top is what would be a leak. A slope over 11 samples, not start vs end:
 * single post-GC readings scatter by about ±0.5 MiB.
 */
const FLAT_EXTRA_KIB_PER_S = 32;
const RECOVERY_DIVISOR = 300;
const FORCED = 'error_fallback';
const SPARED = 'resource_monitoring';

// ── statistics ──

const percentile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const MiB = 1024 * 1024;

// ── the page ──

/** Runs in the page before its own scripts: rAF deltas into a fixed buffer, on while `on` is set. */
function frameRecorder(): void {
  const state = { frames: new Float64Array(240 * 60 * 5), n: 0, last: 0, on: false };
  (window as unknown as { __frames: typeof state }).__frames = state;
  const loop = (t: number) => {
    if (state.on) {
      if (state.last && state.n < state.frames.length) state.frames[state.n++] = t - state.last;
      state.last = t;
    }
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}

interface RunResult {
  label: string;
  /** One per fresh page: the median is the figure, the spread says how noisy the machine was. */
  firstPaintMs: number[];
  frames: number[];
  heap: { t: number; used: number }[];
  batches: number;
  batchBytes: number;
  seconds: number;
}

async function heapUsed(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

/** Milliseconds from the start of the page's navigation to the renderer's first-paint mark. */
function firstPaintOf(page: Page): Promise<number> {
  return page.evaluate(
    (mark) =>
      new Promise<number>((resolve) => {
        const find = () => performance.getEntriesByName(mark)[0];
        const seen = find();
        if (seen) return resolve(seen.startTime);
        const observer = new PerformanceObserver(() => {
          const entry = find();
          if (entry) {
            observer.disconnect();
            resolve(entry.startTime);
          }
        });
        observer.observe({ entryTypes: ['mark'] });
      }),
    FIRST_PAINT_MARK,
  );
}

/** First paint of `count` fresh pages (each its own context: no cache, a new cookie, a new socket). */
async function firstPaints(browser: Browser, url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    await page.goto(url);
    times.push(await firstPaintOf(page));
    await context.close();
  }
  return times;
}

async function measurePage(browser: Browser, url: string, label: string, firstPaintMs: number[]): Promise<RunResult> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page: Page = await context.newPage();
  await page.addInitScript(frameRecorder);
  let batches = 0;
  let batchBytes = 0;
  page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      batches++;
      batchBytes += typeof payload === 'string' ? payload.length : payload.byteLength;
    }),
  );
  const cdp = await context.newCDPSession(page);
  await page.goto(url);
  await firstPaintOf(page);
  await sleep(SETTLE_MS);

  const heap: RunResult['heap'] = [];
  const start = performance.now();
  heap.push({ t: 0, used: await heapUsed(cdp) });
  batches = batchBytes = 0;
  await page.evaluate(() => {
    const f = (window as unknown as { __frames: { n: number; last: number; on: boolean } }).__frames;
    f.n = 0;
    f.last = 0;
    f.on = true;
  });
  while (performance.now() - start < SECONDS * 1000) {
    await sleep(Math.min(HEAP_EVERY_MS, SECONDS * 1000 - (performance.now() - start)));
    heap.push({ t: (performance.now() - start) / 1000, used: await heapUsed(cdp) });
  }
  const seconds = (performance.now() - start) / 1000;
  const frames = await page.evaluate(() => {
    const f = (window as unknown as { __frames: { frames: Float64Array; n: number; on: boolean } }).__frames;
    f.on = false;
    return Array.from(f.frames.subarray(0, f.n));
  });
  const result = { label, firstPaintMs, frames, heap, batches, batchBytes, seconds };
  await context.close();
  return result;
}

// ── the load ──

/** Breaker events at RATE a second on the Studio's own circuits, until stopped; counts what it produced. */
function startLoad(studio: Studio): { stop(): void; produced(): number; transitions(): number } {
  const manager = studio.circuits;
  let produced = 0;
  let transitions = 0;
  const unsubscribe = manager.subscribe((event) => {
    produced++;
    if (event.type === 'state_change') transitions++;
  });
  const breakers: CircuitBreaker[] = manager.names().map((n) => manager.getBreaker(n));
  const forced = manager.getBreaker(FORCED);
  const fail = () => {
    throw new Error('bench failure');
  };
  const succeed = () => 1;
  const ignore = () => {};
  const loadStart = performance.now();
  const producedAtStart = produced;
  let due = 0;
  let calls = 0;
  const perTickCap = ((RATE * TICK_MS) / 1000) * 10;
  const failing = (k: number, t: number) => {
    const period = 1_500 + 250 * k;
    return (t + 137 * k) % period < 0.4 * period;
  };
  const timer = setInterval(() => {
    const t = performance.now() - loadStart;
    const shouldBeForced = t % 2_000 < 300;
    if (shouldBeForced && forced.state !== 'forced_open') forced.forceOpen('bench: operator stop', { abort: false });
    else if (!shouldBeForced && forced.state === 'forced_open') forced.forceClose('bench: operator reset');
    due = Math.min((RATE * t) / 1000, due + perTickCap);
    while (produced - producedAtStart < due) {
      const k = calls++ % breakers.length;
      const breaker = breakers[k]!;
      const failsNow = breaker !== forced && breaker.name !== SPARED && failing(k, t);
      breaker.execute(failsNow ? fail : succeed).catch(ignore);
    }
  }, TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
      manager.forceCloseAll('bench over');
    },
    produced: () => produced,
    transitions: () => transitions,
  };
}

// ── report ──

function describe(run: RunResult) {
  const p = (q: number) => percentile(run.frames, q);
  const over = (ms: number) => run.frames.filter((f) => f > ms).length;
  const used = run.heap.map((h) => h.used);
  return {
    p50: p(0.5),
    p95: p(0.95),
    p99: p(0.99),
    max: Math.max(...run.frames),
    fps: run.frames.length / run.seconds,
    long50: over(50),
    heapStart: used[0]!,
    heapEnd: used[used.length - 1]!,
    heapMax: Math.max(...used),
    heapSlopeKiB: slope(run.heap.map((h) => ({ x: h.t, y: h.used / 1024 }))),
    batchesPerS: run.batches / run.seconds,
    kibPerS: run.batchBytes / 1024 / run.seconds,
  };
}

async function main(): Promise<void> {
  const renderer = rendererDir();
  if (!renderer) throw new Error('no built renderer (out/renderer): run `npm run build` first, or use `npm run bench:ui`, which builds');
  const dataDir = mkdtempSync(join(tmpdir(), 'storycore-bench-ui-'));
  const studio = await Studio.open({ dataDir, demoProjectPath: demoProjectPath(), workers: 1 });
  for (const [name, seed] of Object.entries(SEED_CIRCUITS)) studio.circuits.configure(name, { recoveryTimeoutMs: Math.round(seed.recoveryTimeoutMs / RECOVERY_DIVISOR) });
  const server = await startServer({ studio, token: generateToken(), rendererDir: renderer, port: 0 });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const version = browser.version();

  console.log(`Node ${process.version}, Chromium ${version}, ${availableParallelism()} cores (load average ${loadavg()[0]!.toFixed(1)} at start); page ${VIEWPORT.width}x${VIEWPORT.height}`);
  console.log(`Host: a real Studio in serve mode (this process). Load: ${fmt(RATE)} breaker events/s on its seven circuits; ${SECONDS} s per run.`);
  console.log('Wall-clock figures (frames, first paint) rise with whatever else the machine runs: compare the ratios to the idle peer.\n');

  // The operator's view: the circuit cards, timeline and charts that the event load redraws (the
  // window opens on the queue).
  const operatorView = `${server.url}#operator`;
  let idle: RunResult;
  let loaded: RunResult;
  let load: ReturnType<typeof startLoad> | undefined;
  let source = { events: 0, transitions: 0, seconds: 0 };
  try {
    // A real operator's browser is already running: one page first, so that neither run pays the
    // browser's own first-navigation start-up.
    await firstPaints(browser, operatorView, 1);
    idle = await measurePage(browser, operatorView, 'idle', await firstPaints(browser, operatorView, FIRST_PAINT_PAGES));
    load = startLoad(studio);
    await sleep(WARMUP_MS);
    const before = { t: performance.now(), produced: load.produced(), transitions: load.transitions() };
    loaded = await measurePage(browser, operatorView, 'loaded', await firstPaints(browser, operatorView, FIRST_PAINT_PAGES));
    source = { events: load.produced() - before.produced, transitions: load.transitions() - before.transitions, seconds: (performance.now() - before.t) / 1000 };
  } finally {
    load?.stop();
    await browser.close();
    await server.close();
    await studio.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const a = describe(idle);
  const b = describe(loaded);
  console.log(`Load average ${loadavg()[0]!.toFixed(1)} at the end.`);
  console.log(
    `Source, during the loaded page's life: ${fmt(source.events / source.seconds)} breaker events/s (target ${fmt(RATE)}), ` +
      `${fmt(source.transitions / source.seconds)} state changes/s\n`,
  );
  const rows: [string, (d: ReturnType<typeof describe>) => string][] = [
    ['frames/s', (d) => fmt(d.fps, 1)],
    ['frame p50 ms', (d) => fmt(d.p50, 1)],
    ['frame p95 ms', (d) => fmt(d.p95, 1)],
    ['frame p99 ms', (d) => fmt(d.p99, 1)],
    ['frame max ms', (d) => fmt(d.max, 1)],
    ['frames > 50 ms', (d) => fmt(d.long50)],
    ['heap start MiB', (d) => fmt(d.heapStart / MiB, 2)],
    ['heap end MiB', (d) => fmt(d.heapEnd / MiB, 2)],
    ['heap max MiB', (d) => fmt(d.heapMax / MiB, 2)],
    ['heap slope KiB/s', (d) => fmt(d.heapSlopeKiB, 1)],
    ['batches/s received', (d) => fmt(d.batchesPerS, 1)],
    ['KiB/s received', (d) => fmt(d.kibPerS)],
  ];
  console.log(`${''.padEnd(20)} ${'idle'.padStart(11)} ${'loaded'.padStart(11)}`);
  const median = (xs: number[]) => percentile(xs, 0.5);
  const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
  console.log(`${'first paint ms (med)'.padEnd(20)} ${fmt(median(idle.firstPaintMs)).padStart(11)} ${fmt(median(loaded.firstPaintMs)).padStart(11)}`);
  console.log(`${'first paint range'.padEnd(20)} ${spread(idle.firstPaintMs).padStart(11)} ${spread(loaded.firstPaintMs).padStart(11)}`);
  for (const [name, value] of rows) console.log(`${name.padEnd(20)} ${value(a).padStart(11)} ${value(b).padStart(11)}`);

  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  console.log('');
  console.log(`Target: p95 frame time under load < ${TARGET_P95_MS} ms. ${verdict(b.p95 < TARGET_P95_MS)}: ${fmt(b.p95, 1)} ms; ${fmt(b.p95 / a.p95, 2)}× the idle peer (${fmt(a.p95, 1)} ms).`);
  const extra = b.heapSlopeKiB - a.heapSlopeKiB;
  console.log(
    `Target: heap flat under load (post-GC slope at most ${FLAT_EXTRA_KIB_PER_S} KiB/s above the idle peer's). ${verdict(extra <= FLAT_EXTRA_KIB_PER_S)}: ` +
      `${fmt(b.heapStart / MiB, 2)} → ${fmt(b.heapEnd / MiB, 2)} MiB, ${fmt(b.heapSlopeKiB, 1)} KiB/s under load; ${fmt(a.heapSlopeKiB, 1)} KiB/s idle: ${fmt(extra, 1)} KiB/s from the load.`,
  );
  const firstPaint = Math.max(median(idle.firstPaintMs), median(loaded.firstPaintMs));
  console.log(
    `Target: navigation to first dashboard paint < ${fmt(TARGET_FIRST_PAINT_MS)} ms (median of ${FIRST_PAINT_PAGES} fresh pages). ${verdict(firstPaint < TARGET_FIRST_PAINT_MS)}: ` +
      `${fmt(median(loaded.firstPaintMs))} ms under load, ${fmt(median(idle.firstPaintMs))} ms idle (${fmt(median(loaded.firstPaintMs) / median(idle.firstPaintMs), 2)}×).`,
  );
}

await main();
