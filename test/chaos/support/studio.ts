/**
 * An in-process Studio host for a chaos scenario: real workers (watched, marked), real ffmpeg, a
 * real SQLite file in a fresh data folder. Its checks are the suite's common promises: the queue
 * intact, no partial output marked done, no process left behind.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Command, EventBatch, Job, JobStatus, StudioEvent } from '../../../src-preload/contract.ts';
import type { RetryPolicy } from '../../../src-main/engine/retry.ts';
import { NodeWorkerSpawner } from '../../../src-main/engine/worker-spawner.ts';
import type { WorkerSpawner } from '../../../src-main/engine/worker-spawner.ts';
import { Studio } from '../../../src-main/host/studio.ts';
import { decode } from './media.ts';
import { commandLine, commandName, descendants, isAlive, markedEnv, newMark, processesMarked } from './processes.ts';
import type { shot as makeShot } from './projects.ts';
import { expectedFrames } from './projects.ts';
import { monotonic, waitFor, withinBound } from './timing.ts';
import { WatchingSpawner } from './watching-spawner.ts';

export const demoProjectPath = fileURLToPath(new URL('../../../resources/demo/project.json', import.meta.url));

/** Short backoff: the scenarios are about what happens, not about waiting politely. */
export const FAST_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 };

/** How long every process a scenario knew of gets to be gone after the fault or the close. */
export const REAP_GRACE_MS = 5000;

export interface ChaosStudioOptions {
  scenario: string;
  workers?: number;
  retry?: RetryPolicy;
  /** Builds the inner spawner from the marked environment; real workers by default. */
  spawner?: (env: NodeJS.ProcessEnv) => WorkerSpawner;
}

export type ChaosStudio = Awaited<ReturnType<typeof openChaosStudio>>;

export async function openChaosStudio(options: ChaosStudioOptions) {
  const mark = newMark(options.scenario.replace(/\W+/g, '-'));
  const env = markedEnv(mark);
  const dataDir = await mkdtemp(join(tmpdir(), 'storycore-chaos-'));
  const spawner = new WatchingSpawner(options.spawner ? options.spawner(env) : new NodeWorkerSpawner({ env }));
  const studio = await Studio.open({ dataDir, demoProjectPath, workers: options.workers ?? 2, spawner, retry: options.retry ?? FAST_RETRY, monitorIntervalMs: 1000 });
  const events: StudioEvent[] = [];
  const jobUpdates: Job[] = [];
  const unsubscribe = studio.subscribe((batch: EventBatch) => {
    events.push(...batch.events);
    jobUpdates.push(...batch.jobs);
  });

  const send = async (command: Command): Promise<unknown> => {
    const reply = await studio.execute(command, 'chaos');
    if (!reply.ok) throw new Error(`${command.type}: ${reply.error.code}: ${reply.error.message}`);
    return reply.result;
  };
  const job = (id: string): Job => {
    const found = studio.queue.get(id);
    if (!found) throw new Error(`job ${id} is missing from the queue`);
    return found;
  };
  const waitSettled = (ids: string[], timeoutMs: number) =>
    waitFor(() => ids.every((id) => ['done', 'failed', 'canceled'].includes(job(id).status)), timeoutMs, `jobs ${ids.join(', ')} ended (${ids.map((id) => job(id).status).join(', ')})`, 50);

  let closed = false;
  /** Closes the host and checks that nothing it ever started still runs; then deletes the data. */
  const close = async () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    const started = monotonic();
    await studio.close();
    await expectNoStrays(options.scenario, mark, spawner.knownPids(), 'after close');
    withinBound(options.scenario, 'host close with every process gone', monotonic() - started, 15_000);
    await rm(dataDir, { recursive: true, force: true });
  };
  /** For afterEach: closes without checks if a test failed before its own close. */
  const dispose = async () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    await studio.close().catch(() => {});
    for (const p of processesMarked(mark)) process.kill(p.pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  };
  return { studio, dataDir, mark, spawner, events, jobUpdates, send, job, waitSettled, close, dispose };
}

/** Workers and ffmpeg still under the test process, whatever started them. */
function ownWorkersAndFfmpeg(): number[] {
  return descendants(process.pid).filter((pid) => isAlive(pid) && (commandName(pid) === 'ffmpeg' || /worker\.(ts|js)/.test(commandLine(pid))));
}

/**
 * Waits (REAP_GRACE_MS) until none of `pids` runs, no process carries `mark` (wherever it was
 * re-parented to) and no worker or ffmpeg is left under the test process; fails listing them.
 */
export async function expectNoStrays(scenario: string, mark: string, pids: number[], when: string): Promise<void> {
  const strays = () => ({ alive: pids.filter(isAlive), marked: processesMarked(mark), children: ownWorkersAndFfmpeg() });
  try {
    await waitFor(() => {
      const left = strays();
      return left.alive.length + left.marked.length + left.children.length === 0;
    }, REAP_GRACE_MS, 'no stray process');
  } catch {
    expect(strays(), `${scenario}: processes left ${when}`).toEqual({ alive: [], marked: [], children: [] });
  }
}

type Shot = ReturnType<typeof makeShot>;

/**
 * The queue's promises after a fault: exactly the enqueued jobs, by id; each in an allowed status;
 * every done job with a complete, decodable output of the right size and frame count and its
 * sidecar; no other job claiming an output; no partial file left in any finished job's folder.
 */
export function expectQueueIntact(chaos: ChaosStudio, enqueued: Job[], shots: Shot[], allowed: JobStatus[]): Job[] {
  const jobs = chaos.studio.queue.list({ limit: 10_000 });
  expect(jobs.map((j) => j.id).sort(), 'the queue holds exactly the enqueued jobs').toEqual(enqueued.map((j) => j.id).sort());
  for (const job of jobs) {
    expect(allowed, `job ${job.shotId} is ${job.status}: ${job.error}`).toContain(job.status);
    const shot = shots.find((s) => s.id === job.shotId)!;
    if (job.status === 'done') {
      expect(job.output, `${job.shotId} is done without an output`).toBeTruthy();
      expect(existsSync(job.sidecar!), `${job.shotId}'s sidecar exists`).toBe(true);
      const decoded = decode(job.output!);
      expect(decoded, `${job.shotId}'s output decodes completely`).toMatchObject({ errors: '', width: shot.resolution.width, height: shot.resolution.height, frames: expectedFrames(shot) });
    } else {
      expect(job.output, `${job.shotId} is ${job.status} yet claims an output`).toBeNull();
    }
  }
  const partials = findPartials(join(chaos.dataDir, 'renders'));
  expect(partials, 'no partial output left in the renders folder').toEqual([]);
  return jobs;
}

/** Files a stage writes before they are complete (`.name.partial.ext`, sidecar `.partial`). */
export function findPartials(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (/\.partial(\.|$)/.test(entry.name)) found.push(relative(dir, full));
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return found;
}

/** Log lines of the stream, for failure messages and for checking that a fault was reported. */
export function logLines(events: StudioEvent[]): string[] {
  return events.filter((e) => e.kind === 'log').map((e) => (e.kind === 'log' ? e.message : ''));
}
