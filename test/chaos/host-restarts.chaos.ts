/**
 * Scenario 5: the host process (serve mode) SIGKILLed mid-render and restarted, 20 times in a row,
 * then left to finish the queue. Each kill lands while an ffmpeg of the host runs, after a random
 * extra delay (seeded: CHAOS_SEED reproduces a run; CHAOS_HOST_CYCLES changes the count).
 * Must hold, at every restart: every job is there with the same id, none lost, none added; done
 * jobs have a complete, decodable output; no worker or ffmpeg of an earlier incarnation survives;
 * the jobs the dead host was running are put back in the queue (audited). At the end every job is
 * done, and the host stops cleanly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job, Snapshot } from '../../src-preload/contract.ts';
import { seededRandom } from '../fixtures/seeded-random.ts';
import { decode } from './support/media.ts';
import { commandName, descendants, markedEnv, newMark, processesMarked } from './support/processes.ts';
import { expectedFrames, project, shot } from './support/projects.ts';
import { type ServeHost, startServeHost } from './support/serve-host.ts';
import { findPartials } from './support/studio.ts';
import { monotonic, note, sleep, waitFor, withinBound } from './support/timing.ts';

const SCENARIO = '5 host SIGKILL and restart';
const CYCLES = Number(process.env.CHAOS_HOST_CYCLES ?? 20);
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** A killed host's workers notice the closed channel and end their ffmpeg (1.5 s grace) themselves. */
const ORPHAN_GRACE_MS = 8000;
/** Serving after a restart, recovery included, on a busy 2-core machine. */
const START_BOUND_MS = 30_000;
/** Every this many cycles, a job is let finish before the kill. */
const PROGRESS_EVERY = 5;
/** The last host finishing whatever the kills left: a few small shots. */
const FINISH_BOUND_MS = 240_000;

const runMark = newMark('host-restarts');
const dataDir = mkdtempSync(join(tmpdir(), 'storycore-chaos-restarts-'));
afterAll(() => {
  for (const p of processesMarked(`${runMark}*`)) process.kill(p.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`chaos 5: the host SIGKILLed mid-render and restarted ${CYCLES} times`, () => {
  it('keeps every job, leaves no stray process, never marks partial output done, and finishes the queue', async () => {
    note(SCENARIO, 'seed (CHAOS_SEED)', SEED);
    const next = seededRandom(SEED);
    const enqueued = new Map<string, { job: Job; shot: ReturnType<typeof shot> }>();
    const verified = new Set<string>();
    let shotCounter = 0;
    let lastRunning: string[] = [];
    const startups: number[] = [];
    const reaps: number[] = [];

    /** The common promises, checked on every host that comes up. */
    const checkQueue = (snapshot: Snapshot, allowed: Job['status'][]) => {
      expect(snapshot.jobs.map((j) => j.id).sort(), 'the queue holds exactly the enqueued jobs').toEqual([...enqueued.keys()].sort());
      for (const job of snapshot.jobs) {
        expect(allowed, `${job.shotId} is ${job.status}: ${job.error}`).toContain(job.status);
        if (verified.has(job.id)) expect(job.status, `${job.shotId} was done and must stay done`).toBe('done');
        if (job.status !== 'done') {
          expect(job.output, `${job.shotId} (${job.status}) claims an output`).toBeNull();
          continue;
        }
        if (verified.has(job.id)) continue;
        const { shot: s } = enqueued.get(job.id)!;
        expect(decode(job.output!), `${job.shotId}'s output is complete`).toMatchObject({ errors: '', frames: expectedFrames(s), width: s.resolution.width });
        verified.add(job.id);
      }
    };
    const enqueueMore = async (host: ServeHost, count: number) => {
      const shots = Array.from({ length: count }, () => shot(`s${++shotCounter}`, { duration: 2, fps: 24, width: 320, height: 180, keyframes: 2 }));
      const jobs = (await host.send({ type: 'enqueue', project: project(`batch-${shotCounter}`, shots) })) as Job[];
      for (const job of jobs) enqueued.set(job.id, { job, shot: shots.find((s) => s.id === job.shotId)! });
    };

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const mark = `${runMark}-${cycle}`;
      const host = await startServeHost(dataDir, markedEnv(mark));
      startups.push(host.startupMs);
      withinBound(SCENARIO, `cycle ${cycle}: restart → serving`, host.startupMs, START_BOUND_MS);
      const snapshot = await host.snapshot();
      checkQueue(snapshot, ['queued', 'running', 'blocked', 'done']);
      // What the dead host was running (and did not finish) went back to the queue, and it says so.
      const unfinished = lastRunning.filter((id) => snapshot.jobs.find((j) => j.id === id)?.status !== 'done');
      if (unfinished.length > 0) {
        const recover = snapshot.audit.filter((e) => e.action === 'recover').sort((a, b) => b.at - a.at)[0];
        expect(recover?.detail, `cycle ${cycle}: the restart audited its recovery`).toMatchObject({ requeuedJobs: expect.arrayContaining(unfinished) });
      }
      // Keep work in the queue so that every kill lands mid-render.
      const left = snapshot.jobs.filter((j) => j.status !== 'done').length;
      if (left < 3) await enqueueMore(host, 4 - left);
      if (cycle > PROGRESS_EVERY) expect(verified.size, 'some jobs were done before this restart and stayed done').toBeGreaterThan(0);

      const pid = host.child.pid!;
      if (cycle % PROGRESS_EVERY === 0) {
        // Now and then let a job finish first, so that done jobs must survive the later kills.
        const doneBefore = snapshot.jobs.filter((j) => j.status === 'done').length;
        const deadline = monotonic() + 120_000;
        while ((await host.snapshot()).jobs.filter((j) => j.status === 'done').length === doneBefore) {
          if (monotonic() > deadline) throw new Error(`cycle ${cycle}: no job finished within 120 s`);
          await sleep(100);
        }
      }
      await waitFor(() => descendants(pid).some((p) => commandName(p) === 'ffmpeg'), 60_000, `cycle ${cycle}: an ffmpeg of the host runs`);
      await sleep(Math.floor(next() * 1200));
      lastRunning = (await host.snapshot()).jobs.filter((j) => j.status === 'running' || j.status === 'blocked').map((j) => j.id);
      // The mark is really seen: the host, its workers and their ffmpeg all carry it.
      if (cycle === 1) {
        await waitFor(() => {
          const marked = processesMarked(mark);
          return marked.some((p) => p.pid === pid) && marked.some((p) => /worker\.(ts|js)/.test(p.command)) && marked.some((p) => commandName(p.pid) === 'ffmpeg');
        }, 10_000, 'the host, a worker and an ffmpeg are all found by their mark');
      }
      host.child.kill('SIGKILL');
      const killedAt = monotonic();
      await host.exited;
      await waitFor(() => processesMarked(mark).length === 0, ORPHAN_GRACE_MS * 2, `cycle ${cycle}: the dead host's processes are gone`).catch(() => undefined);
      expect(processesMarked(mark), `cycle ${cycle}: processes of the killed host still running`).toEqual([]);
      reaps.push(monotonic() - killedAt);
      withinBound(SCENARIO, `cycle ${cycle}: kill → every worker and ffmpeg of that host gone`, monotonic() - killedAt, ORPHAN_GRACE_MS);
    }

    const doneDuringKills = verified.size;
    // The last host finishes the queue.
    const mark = `${runMark}-final`;
    const host = await startServeHost(dataDir, markedEnv(mark));
    const started = monotonic();
    let final: Snapshot | undefined;
    for (;;) {
      final = await host.snapshot();
      if (final.jobs.every((j) => j.status === 'done' || j.status === 'failed')) break;
      if (monotonic() - started > FINISH_BOUND_MS) break;
      await sleep(250);
    }
    withinBound(SCENARIO, `final host finished the queue (${enqueued.size} jobs)`, monotonic() - started, FINISH_BOUND_MS);
    checkQueue(final, ['done']);
    expect(findPartials(join(dataDir, 'renders'))).toEqual([]);
    const attempts = final.jobs.map((j) => j.attempts);
    note(SCENARIO, 'jobs / most attempts of one job / done before the last host', `${final.jobs.length} / ${Math.max(...attempts)} / ${doneDuringKills}`);
    note(SCENARIO, 'restart → serving, slowest', `${Math.round(Math.max(...startups))} ms`);
    note(SCENARIO, 'kill → processes gone, slowest', `${Math.round(Math.max(...reaps))} ms`);

    host.child.kill('SIGTERM');
    expect(await host.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => processesMarked(`${runMark}*`).length === 0, ORPHAN_GRACE_MS, 'no process of any incarnation is left');
  }, 900_000);
});
