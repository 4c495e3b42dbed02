/**
 * Enqueuing corrupt project files into a real Studio whose queue already holds work: one after the
 * other and several at once, mixed with valid files. What was queued stays exactly as it was; a
 * refused file adds nothing; an accepted one adds exactly its shots.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply, Job } from '../../src-preload/contract.ts';
import { Studio } from '../../src-main/host/studio.ts';
import { demoProjectPath, tinyProject } from '../host/helpers.ts';
import { type Source, corruption, validSources } from '../engine/project-corruption.ts';
import { fuzzParams as params } from '../fuzz-settings.ts';

let dir: string;
let studio: Studio;
let seeded: Job[];

const fingerprint = (jobs: Job[]) => jobs.map((j) => JSON.stringify([j.id, j.status, j.priority, j.position, j.attempts, j.quality, j.projectName, j.shotId])).sort();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-enqueue-fuzz-'));
  studio = await Studio.open({ dataDir: join(dir, 'data'), demoProjectPath, workers: 1, monitorIntervalMs: 1000 });
  await studio.execute({ type: 'pauseQueue' }, 'setup');
  const reply = await studio.execute({ type: 'enqueue', project: tinyProject(['a', 'b', 'c', 'd', 'e']), priority: 3 }, 'setup');
  if (!reply.ok) throw new Error(reply.error.message);
  const jobs = reply.result as Job[];
  // Work in several states, as a queue that has been in use has it.
  await studio.execute({ type: 'pauseJob', jobId: jobs[1]!.id }, 'setup');
  await studio.execute({ type: 'cancel', jobId: jobs[2]!.id }, 'setup');
  await studio.execute({ type: 'move', jobId: jobs[4]!.id, to: 'top' }, 'setup');
  seeded = jobs.map((j) => studio.queue.get(j.id)!);
}, 60_000);

afterAll(async () => {
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('enqueuing corrupt project files into a queue that holds work', () => {
  it('loses nothing already queued, adds nothing from a refused file, and exactly its shots from an accepted one', async () => {
    let n = 0;
    const file = fc.tuple(fc.constantFrom<Source>(...validSources()), fc.option(corruption(), { freq: 4, nil: undefined }));
    await fc.assert(
      fc.asyncProperty(fc.array(file, { minLength: 1, maxLength: 6 }), fc.boolean(), async (files, together) => {
        const before = studio.queue.list({ limit: 100_000 });
        const paths = files.map(([source, damage]) => {
          const path = join(dir, `p${n++}.json`);
          writeFileSync(path, damage ? damage.apply(source.text) : source.text);
          return path;
        });
        const send = (projectPath: string) => studio.execute({ type: 'enqueue', projectPath }, 'fuzzer');
        const replies: CommandReply[] = together ? await Promise.all(paths.map(send)) : [];
        if (!together) for (const path of paths) replies.push(await send(path));

        const after = studio.queue.list({ limit: 100_000 });
        const added = replies.flatMap((r, i) => {
          if (r.ok) return r.result as Job[];
          expect(r.error.code, JSON.stringify(r)).toBe('invalid');
          expect(r.error.message, 'the refusal names the file').toContain(paths[i]!);
          return [];
        });
        // Everything that was there is still there, unchanged; the new jobs are exactly the accepted ones.
        expect(fingerprint(after.filter((j) => before.some((b) => b.id === j.id)))).toEqual(fingerprint(before));
        expect(after.length).toBe(before.length + added.length);
        expect(fingerprint(after.filter((j) => !before.some((b) => b.id === j.id)))).toEqual(fingerprint(added.map((j) => studio.queue.get(j.id)!)));
        for (const job of added) expect(job.status).toBe('queued');
      }),
      params(60),
    );
    // The seeded jobs, in their varied states, came through every run untouched.
    expect(fingerprint(seeded.map((j) => studio.queue.get(j.id)!))).toEqual(fingerprint(seeded));
    expect(studio.queueCounts().running).toBe(0);
  }, 120_000);
});
