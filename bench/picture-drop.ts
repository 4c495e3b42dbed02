/**
 * From dropping a 12-megapixel picture on the shot form to its thumbnail shown, in a real Chromium
 * against a real Studio in serve mode (this process), the way bench/ui.ts wires them. Target: under
 * 1 s, median of BENCH_N drops (default 5). Run: `npm run bench:pictures` (builds the renderer first).
 *
 * The picture: a 4000×3000 PNG of ffmpeg's mandelbrot (real detail, so several MB, as a camera's or a
 * painter's export is), made once. Each drop carries a different tEXt chunk, so each is new bytes and
 * the content-addressed store neither dedups it nor reuses its thumbnail. The peer: the same drop of
 * a 640×360 picture, as the ratio to compare between runs on a shared machine.
 *
 * The drop is the user's path: the file is built in the page (fetched from a bench-only route before
 * the clock starts), put in a DataTransfer, and dragenter, dragover and drop are dispatched on the
 * form's drop zone; React's handler uploads it. Timed with performance.now() in the page, from just
 * before the drop event to the thumbnail <img>'s load event with naturalWidth > 0.
 *
 * Where the time goes: "to request" (drop handler, FormData) and "answer → thumbnail" (React render,
 * GET of the thumbnail, decode) from the page's resource timing; inside the POST, timed in this
 * process, "host receiving" (from the request at the host's HTTP server to the picture on disk),
 * "server keep" (ffprobe, sha256, thumbnail: AssetStore.keep) and the rest, "browser sending"
 * (before the request reached the host: Chromium reading the file and starting the request).
 */
import { execFileSync } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';
import { type Page, chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.ts';
import { demoProjectPath, rendererDir } from '../src-main/cli.ts';
import { resolveFfmpeg } from '../src-main/engine/ffmpeg-binaries.ts';
import { AssetStore } from '../src-main/host/asset-store.ts';
import { Studio } from '../src-main/host/studio.ts';
import { generateToken, startServer } from '../src-main/transport/http-server.ts';

const N = Number(process.env.BENCH_N) || 5;
const TARGET_MS = 1_000;
const BIG = { width: 4000, height: 3000 };
const SMALL = { width: 640, height: 360 };
const PICTURE_ROUTE = '/bench-picture/';

const percentile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};
const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');

/** A PNG of ffmpeg's mandelbrot at this size. */
function mandelbrotPng(dir: string, size: { width: number; height: number }): Buffer {
  const file = join(dir, `mandelbrot-${size.width}x${size.height}.png`);
  execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `mandelbrot=size=${size.width}x${size.height}:maxiter=200`, '-frames:v', '1', `file:${file}`]);
  return readFileSync(file);
}

/** The same picture with a tEXt chunk after IHDR: new bytes (a new sha256), the same pixels. */
function withComment(png: Buffer, comment: string): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4; // signature, IHDR's length, type, data, CRC
  const typeAndData = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(`Comment\0${comment}`, 'latin1')]);
  const chunk = Buffer.alloc(4 + typeAndData.length + 4);
  chunk.writeUInt32BE(typeAndData.length - 4, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData) >>> 0, 4 + typeAndData.length);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/**
 * Host-side timing, for the rest of this process (the route makes a fresh store per request, so the
 * prototype): from the upload's request reaching the host's HTTP server (its diagnostics channel) to
 * keep called (the part streamed to disk), and keep itself.
 */
function timeStore(): { receives: number[]; keeps: number[] } {
  const receives: number[] = [];
  const keeps: number[] = [];
  let requestStart = NaN;
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    if (request.method === 'POST' && request.url?.startsWith('/api/assets')) requestStart = performance.now();
  });
  const { keep } = AssetStore.prototype;
  AssetStore.prototype.keep = async function (this: AssetStore, ...args: Parameters<typeof keep>) {
    const start = performance.now();
    receives.push(start - requestStart);
    try {
      return await keep.apply(this, args);
    } finally {
      keeps.push(performance.now() - start);
    }
  };
  return { receives, keeps };
}

interface Drop {
  total: number;
  toRequest: number;
  request: number;
  toThumbnail: number;
  keep: number;
  receive: number;
  /** The POST's time before the request reached the host: the browser reading the file and sending. */
  sending: number;
}

/** Drops the picture at `url` (fetched into a File before the clock starts) and waits for its thumbnail. */
async function dropOnce(page: Page, url: string, name: string): Promise<Omit<Drop, 'keep' | 'receive' | 'sending'>> {
  const timing = await page.evaluate(
    async ({ url, name }) => {
      const blob = await (await fetch(url)).blob();
      const file = new File([blob], name, { type: 'image/png' });
      const zone = document.querySelector('[data-testid="shot-pictures"]')!;
      const before = zone.querySelectorAll('[data-testid="picture"]').length;
      performance.clearResourceTimings();
      const shown = new Promise<number>((resolve) => {
        const check = () => {
          const item = zone.querySelectorAll('[data-testid="picture"]')[before];
          const img = item?.querySelector('img');
          if (!img) return false;
          observer.disconnect();
          const done = () => (img.naturalWidth > 0 ? resolve(performance.now()) : undefined);
          if (img.complete) done();
          else img.addEventListener('load', done, { once: true });
          return true;
        };
        const observer = new MutationObserver(check);
        observer.observe(zone, { childList: true, subtree: true, attributes: true });
      });
      const data = new DataTransfer();
      data.items.add(file);
      const start = performance.now();
      for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      const end = await shown;
      const upload = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/assets')) as PerformanceResourceTiming | undefined;
      const state = zone.querySelectorAll('[data-testid="picture"]')[before]?.getAttribute('data-state');
      return { start, end, state, uploadStart: upload?.startTime ?? NaN, uploadEnd: upload?.responseEnd ?? NaN };
    },
    { url, name },
  );
  if (timing.state !== 'ready') throw new Error(`the dropped ${name} was not kept (state ${timing.state})`);
  await page.getByTestId('picture-remove').click();
  await page.getByTestId('picture').waitFor({ state: 'detached' });
  return {
    total: timing.end - timing.start,
    toRequest: timing.uploadStart - timing.start,
    request: timing.uploadEnd - timing.uploadStart,
    toThumbnail: timing.end - timing.uploadEnd,
  };
}

async function main(): Promise<void> {
  const renderer = rendererDir();
  if (!renderer) throw new Error('no built renderer (out/renderer): use `npm run bench:pictures`, which builds');
  const work = mkdtempSync(join(tmpdir(), 'storycore-bench-pictures-'));
  const big = mandelbrotPng(work, BIG);
  const small = mandelbrotPng(work, SMALL);
  const { receives, keeps } = timeStore();
  const studio = await Studio.open({ dataDir: join(work, 'data'), demoProjectPath: demoProjectPath(), workers: 1 });
  const server = await startServer({ studio, token: generateToken(), rendererDir: renderer, port: 0 });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  console.log(`Node ${process.version}, Chromium ${browser.version()}, ${availableParallelism()} cores (load average ${loadavg()[0]!.toFixed(1)} at start)`);
  console.log(`Pictures: ${BIG.width}×${BIG.height} PNG ${fmt(big.length / 1024 / 1024, 1)} MiB; peer ${SMALL.width}×${SMALL.height} PNG ${fmt(small.length / 1024, 0)} KiB. ${N} drops each, measured: the drop path (DataTransfer, drop event).\n`);

  const runs: Record<'big' | 'small', Drop[]> = { big: [], small: [] };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const bodies = new Map<string, Buffer>();
    await page.route(`**${PICTURE_ROUTE}*`, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: bodies.get(new URL(route.request().url()).pathname.slice(PICTURE_ROUTE.length))! }));
    await page.goto(server.url);
    await page.getByTestId('add-shot').click();
    await page.getByTestId('shot-pictures').waitFor();
    // One untimed drop: the lazy form's code, the first upload's connection, ffmpeg's first start.
    const plan: ['warm' | 'big' | 'small', Buffer][] = [['warm', small], ...Array.from({ length: N }, (): ['small', Buffer] => ['small', small]), ...Array.from({ length: N }, (): ['big', Buffer] => ['big', big])];
    for (const [i, [kind, png]] of plan.entries()) {
      const name = `${kind}-${i}.png`;
      bodies.set(name, withComment(png, `bench drop ${i} ${Date.now()}`));
      const kept = keeps.length;
      const drop = await dropOnce(page, `${PICTURE_ROUTE}${name}`, name);
      bodies.delete(name);
      if (kind === 'warm') continue;
      const [keep, receive] = [keeps[kept] ?? NaN, receives[kept] ?? NaN];
      const result = { ...drop, keep, receive, sending: drop.request - keep - receive };
      runs[kind].push(result);
      console.log(
        `${kind.padEnd(5)} drop → thumbnail ${fmt(result.total).padStart(5)} ms   (to request ${fmt(result.toRequest)}, browser sending ${fmt(result.sending)}, host receiving ${fmt(result.receive)}, ` +
          `server keep ${fmt(result.keep)}, answer → thumbnail ${fmt(result.toThumbnail)})`,
      );
    }
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    await studio.close();
    rmSync(work, { recursive: true, force: true });
  }

  const med = (kind: 'big' | 'small', key: keyof Drop) => percentile(runs[kind].map((d) => d[key]), 0.5);
  const p95 = (kind: 'big' | 'small') => percentile(runs[kind].map((d) => d.total), 0.95);
  console.log(`\nLoad average ${loadavg()[0]!.toFixed(1)} at the end.`);
  console.log(`${''.padEnd(24)} ${'12 MP'.padStart(8)} ${'peer'.padStart(8)}`);
  for (const [label, key] of [['to request ms (med)', 'toRequest'], ['POST ms (med)', 'request'], ['  browser sending ms', 'sending'], ['  host receiving ms', 'receive'], ['  server keep ms', 'keep'], ['answer → thumbnail ms', 'toThumbnail'], ['drop → thumbnail ms', 'total']] as const) {
    console.log(`${label.padEnd(24)} ${fmt(med('big', key)).padStart(8)} ${fmt(med('small', key)).padStart(8)}`);
  }
  console.log(`${'drop → thumbnail p95 ms'.padEnd(24)} ${fmt(p95('big')).padStart(8)} ${fmt(p95('small')).padStart(8)}`);
  const median = med('big', 'total');
  console.log(
    `\nTarget: drop of a 12-megapixel picture to its thumbnail < ${fmt(TARGET_MS)} ms (median of ${N}). ${median < TARGET_MS ? 'PASS' : 'MISS'}: ` +
      `${fmt(median)} ms, p95 ${fmt(p95('big'))} ms; ${fmt(median / med('small', 'total'), 1)}× the ${SMALL.width}×${SMALL.height} peer (${fmt(med('small', 'total'))} ms).`,
  );
}

await main();
