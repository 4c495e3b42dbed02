/**
 * Screenshots of the Nodes view with three live render nodes (`node scripts/nodes-screenshots.ts`,
 * after `npm run build`): a private redis-server, `storycore serve --farm` as the coordinator, three
 * `storycore node` processes with tags, the demo queued so that chunks run on them, and one
 * blocklist entry written by hand (no real failure is staged) so that its column shows. Debian's
 * Chromium takes the view at 1280×800 and 1920×1080, and a finished job's detail with its Node
 * column. The PNGs go to SCREENSHOTS_DIR, else docs/screenshots/ if it exists, else a temp folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { Redis } from 'ioredis';
import { blockEntry, farmKeys } from '../src-main/farm/farm-keys.ts';
import { freePort, startRedis } from '../test/farm/redis-harness.ts';
import { CHROMIUM_ARGS } from '../playwright.config.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'src-main', 'cli.ts');
const TOKEN = 'screenshot-token-0123456789';
const NODES = [
  { name: 'render-01', tags: 'gpu,fast', workers: 1 },
  { name: 'render-02', tags: 'cpu', workers: 1 },
  { name: 'render-03', tags: 'cpu,spare', workers: 1 },
];

const outDir = process.env.SCREENSHOTS_DIR ?? (existsSync(join(ROOT, 'docs', 'screenshots')) ? join(ROOT, 'docs', 'screenshots') : join(tmpdir(), 'storycore-nodes-screenshots'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function child(args: string[]): ChildProcess {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  proc.stdout!.resume();
  return proc;
}

async function command(port: number, body: unknown): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}/api/command`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ command: body }) });
  const reply = (await res.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
  if (!reply.ok) throw new Error(reply.error?.message);
  return reply.result;
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const redis = await startRedis();
  const shared = await mkdtemp(join(tmpdir(), 'storycore-shots-'));
  const port = await freePort();
  const procs: ChildProcess[] = [];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    procs.push(child(['serve', '--farm', redis.url, '--shared', shared, '--data', join(shared, 'studio'), '--port', String(port), '--token', TOKEN, '--workers', '3']));
    for (const n of NODES) procs.push(child(['node', '--farm', redis.url, '--shared', shared, '--name', n.name, '--tags', n.tags, '--workers', String(n.workers), '--metrics-port', '0']));
    for (let i = 0; ; i++) {
      const view = (await command(port, { type: 'nodes' }).catch(() => null)) as { nodes?: Array<{ state: string }> } | null;
      if (view?.nodes?.filter((n) => n.state === 'live').length === NODES.length) break;
      if (i > 300) throw new Error('the three nodes did not come up');
      await sleep(100);
    }
    const jobs = (await command(port, { type: 'enqueue', demo: true, quality: 'preview' })) as Array<{ id: string }>;
    const client = new Redis(redis.url);
    await client.sadd(farmKeys.blocklist(jobs[0]!.id), blockEntry('render-03', 'interpolation'));
    client.disconnect();

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${port}/?token=${TOKEN}`);
    await page.getByTestId('connection-status').and(page.locator('[data-state="connected"]')).waitFor();
    await page.keyboard.press('4');
    await page.getByTestId('nodes-table').waitFor();
    // Until chunks run on the nodes (the demo's chunks reach them within seconds).
    for (let i = 0; i < 200; i++) {
      const running = await page.locator('[data-testid^="node-running-"]').allTextContents();
      if (running.filter((t) => Number(t) > 0).length >= 2) break;
      await sleep(100);
    }
    await page.screenshot({ path: join(outDir, 'nodes-1280x800.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await sleep(1200);
    await page.screenshot({ path: join(outDir, 'nodes-1920x1080.png') });

    // A finished job's detail: each attempt names its node.
    for (let i = 0; ; i++) {
      const detail = (await command(port, { type: 'jobDetail', jobId: jobs[0]!.id })) as { job: { status: string } };
      if (detail.job.status === 'done' || detail.job.status === 'failed') break;
      if (i > 1200) throw new Error('the first demo shot did not finish');
      await sleep(250);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.keyboard.press('1');
    await page.getByTestId(`queue-row-${jobs[0]!.id}`).click();
    await page.getByTestId('trace-attempts').waitFor();
    await page.getByTestId('trace-attempts').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(outDir, 'job-detail-nodes-1280x800.png') });
    console.log(`screenshots in ${outDir}`);
  } finally {
    await browser.close();
    for (const p of procs.reverse()) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
    await redis.stop();
    await rm(shared, { recursive: true, force: true });
  }
}

await main();
