/**
 * Scenario 6: the host started on a corrupt database, and on one another process holds.
 * Must hold: the host refuses promptly (no hang: within the lock's busy timeout plus start-up),
 * exits 2 with a message that names the file and says what to do; the data folder is byte for
 * byte as it was; and a refused host touches nothing of a live host that holds the folder (its
 * workers, its jobs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-preload/contract.ts';
import { openDatabase } from '../../src-main/queue/database.ts';
import { RenderQueue } from '../../src-main/queue/render-queue.ts';
import { commandName, descendants, isAlive, markedEnv, newMark, processesMarked } from './support/processes.ts';
import { project, shot } from './support/projects.ts';
import { runRefusedHost, type ServeHost, startServeHost } from './support/serve-host.ts';
import { sleep, waitFor, withinBound } from './support/timing.ts';

const SCENARIO = '6 database at start';
/** Start-up of a host process plus SQLite's 2 s busy timeout, on a busy 2-core machine. */
const REFUSAL_BOUND_MS = 20_000;
const holderScript = fileURLToPath(new URL('../fixtures/database-holder.ts', import.meta.url));

const root = mkdtempSync(join(tmpdir(), 'storycore-chaos-db-'));
const mark = newMark('database-start');
const children: ChildProcess[] = [];
const hosts: ServeHost[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const host of hosts.splice(0)) host.child.kill('SIGKILL');
});
afterAll(async () => {
  await waitFor(() => processesMarked(mark).length === 0, 10_000, 'every host of this scenario exited').catch(() => {
    for (const p of processesMarked(mark)) process.kill(p.pid, 'SIGKILL');
  });
  rmSync(root, { recursive: true, force: true });
});

/** A data folder holding a real studio database with a few hundred queued jobs (several pages). */
function validDataDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const queue = new RenderQueue(openDatabase(join(dir, 'studio.db')));
  const shots = Array.from({ length: 300 }, (_, i) => shot(`shot-${i}`, { duration: 1, fps: 12, width: 160, height: 90 }));
  queue.enqueue(shots.map((s) => ({ projectName: 'filler', shot: s as never, baseDir: null, quality: 'draft' })));
  queue.close();
  return dir;
}

/** Every file of the folder with its size and SHA-256: what "untouched" is compared with. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    out[name] = statSync(file).isFile() ? `${statSync(file).size}:${createHash('sha256').update(readFileSync(file)).digest('hex')}` : 'folder';
  }
  return out;
}

async function expectRefused(dir: string, what: string, message: RegExp): Promise<string> {
  const before = fingerprint(dir);
  const refused = await runRefusedHost(dir, markedEnv(mark), REFUSAL_BOUND_MS + 10_000);
  withinBound(SCENARIO, `${what}: start → refused`, refused.ms, REFUSAL_BOUND_MS);
  expect(refused, `${what}: exit 2, not a hang or a crash:\n${refused.output}`).toMatchObject({ code: 2, signal: null });
  expect(refused.output).toContain(join(dir, 'studio.db'));
  expect(refused.output).toMatch(message);
  expect(refused.output).toMatch(/nothing was changed/);
  expect(fingerprint(dir), `${what}: the data folder is untouched`).toEqual(before);
  console.log(`[chaos] ${SCENARIO}: ${what}: ${refused.output.trim().split('\n')[0]}`);
  return refused.output;
}

const CORRUPT = /is not a usable StoryCore database .*Move it aside/;
const LOCKED = /is locked by another process/;

describe('chaos 6: a corrupt or locked database at start', () => {
  it('refuses random bytes in place of the database', async () => {
    const dir = join(root, 'random');
    mkdirSync(dir);
    writeFileSync(join(dir, 'studio.db'), randomBytes(64 * 1024));
    await expectRefused(dir, 'random bytes', CORRUPT);
  });

  it('refuses a database cut short (half its pages gone)', async () => {
    const dir = validDataDir('truncated');
    const file = join(dir, 'studio.db');
    truncateSync(file, Math.floor(statSync(file).size / 2 / 4096) * 4096);
    await expectRefused(dir, 'truncated', CORRUPT);
  });

  it('refuses a database with a page of garbage in the middle', async () => {
    const dir = validDataDir('garbled');
    const file = join(dir, 'studio.db');
    const pages = statSync(file).size / 4096;
    const fd = openSync(file, 'r+');
    writeSync(fd, randomBytes(4096), 0, 4096, Math.floor(pages / 2) * 4096);
    closeSync(fd);
    await expectRefused(dir, 'a garbled page', CORRUPT);
  });

  it('refuses a database another process holds locked, within the busy timeout', async () => {
    const dir = validDataDir('held');
    const holder = spawn(process.execPath, [holderScript, join(dir, 'studio.db')], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d: Buffer) => d.toString().includes('holding') && resolve());
      holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before holding the lock`)));
    });
    await expectRefused(dir, 'held by another process', LOCKED);
    expect(isAlive(holder.pid!)).toBe(true);
    holder.stdin!.end();
  });

  it('refuses a second host on a folder a live host uses, and leaves the live host, its workers and its jobs alone', async () => {
    const dir = join(root, 'live');
    const first = await startServeHost(dir, markedEnv(mark));
    hosts.push(first);
    // A job that stays mid-render (its interpolation hangs by drill), so the live host has workers and an ffmpeg.
    await first.send({ type: 'setChaos', rules: [{ stage: 'interpolation', mode: 'hang' }] });
    const jobs = (await first.send({ type: 'enqueue', project: project('live', [shot('busy', { duration: 1, fps: 12, width: 160, height: 90 })]) })) as Job[];
    for (let stage = ''; stage !== 'interpolation'; await sleep(100)) stage = (await first.snapshot()).jobs[0]?.stage ?? '';
    await waitFor(() => descendants(first.child.pid!).some((p) => commandName(p) === 'ffmpeg'), 60_000, 'the live host renders');
    // Its lasting processes (workers, the hung ffmpeg), not the short-lived probes it also starts.
    const early = descendants(first.child.pid!);
    await sleep(1000);
    const working = descendants(first.child.pid!).filter((pid) => early.includes(pid));
    expect(working.length).toBeGreaterThanOrEqual(2);
    const before = await first.snapshot();

    const refused = await runRefusedHost(dir, markedEnv(mark), REFUSAL_BOUND_MS + 10_000);
    withinBound(SCENARIO, 'used by a live host: start → refused', refused.ms, REFUSAL_BOUND_MS);
    expect(refused, refused.output).toMatchObject({ code: 2, signal: null });
    expect(refused.output).toContain(join(dir, 'studio.db'));
    expect(refused.output).toMatch(LOCKED);

    // The refused host reaped nothing and requeued nothing: it stopped at the database.
    expect(working.filter((pid) => !isAlive(pid)), 'the live host’s workers and ffmpeg still run').toEqual([]);
    const after = await first.snapshot();
    expect(after.jobs.map((j) => [j.id, j.status, j.attempts])).toEqual(before.jobs.map((j) => [j.id, j.status, j.attempts]));
    expect(after.jobs.map((j) => j.id)).toEqual(jobs.map((j) => j.id));
    expect(after.audit.filter((e) => e.action === 'recover')).toEqual([]);

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    hosts.splice(0);
  });
});
