import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandSchema } from '../../src-preload/contract.ts';
import { circuitAnalysis } from '../../src-main/host/analysis.ts';
import { AnalysisQueries } from '../../src-main/queue/analysis-queries.ts';
import { openDatabase } from '../../src-main/queue/database.ts';

const DAY = 86_400_000;
/** Noon UTC on 2026-11-30: the analysis's "now". */
const NOW = Date.UTC(2026, 10, 30, 12);
const dirs: string[] = [];
const dbs: DatabaseSync[] = [];

afterEach(async () => {
  for (const db of dbs.splice(0)) db.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A real studio database file, as the host opens it (every migration run). */
async function database(): Promise<DatabaseSync> {
  const dir = await mkdtemp(join(tmpdir(), 'storycore-analysis-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'studio.db'));
  dbs.push(db);
  return db;
}

function transition(db: DatabaseSync, at: number, circuit: string, to: string): void {
  db.prepare('INSERT INTO circuit_history (at, circuit, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)').run(at, circuit, 'closed', to, 'seeded');
}

type Attempt = { stage: string; outcome: 'ok' | 'failed'; error?: string; slow?: boolean };
let jobs = 0;
function finishedJob(db: DatabaseSync, finishedAt: number, attempts: Attempt[]): void {
  const id = `job-${++jobs}`;
  const failed = attempts.at(-1)?.outcome === 'failed';
  const trace = { chaos: [], fanOut: 'parallel', interpolation: { requested: 'blend', used: 'blend' }, degradations: [], stageTimingsMs: {}, attempts: attempts.map((a, i) => ({ circuit: `video_${a.stage}`, attempt: i + 1, startedAt: finishedAt - 1000, elapsedMs: 100, ...a })) };
  db.prepare(
    `INSERT INTO jobs (id, project_name, shot_id, shot_json, quality, status, position, created_at, updated_at, finished_at, output, error, trace_json)
     VALUES (?, 'p', ?, '{}', 'draft', ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, id, failed ? 'failed' : 'done', jobs, finishedAt - 5000, finishedAt, finishedAt, failed ? null : `${id}.mp4`, failed ? 'failed' : null, JSON.stringify(trace));
}

const timedOut = (ms: number) => ({ stage: 'interpolation', outcome: 'failed' as const, error: `Circuit "video_interpolation" timed out the call after ${ms} ms` });

describe('circuitAnalysis over a real database', () => {
  it('counts opens per circuit per day, attempts by stage per day, and the causes of failure, over the span only', async () => {
    const db = await database();
    // Three days ago (outside a 3-day span, inside a 7-day one), two days ago, today.
    transition(db, NOW - 3 * DAY, 'video_export', 'open');
    transition(db, NOW - 2 * DAY, 'video_interpolation', 'open');
    transition(db, NOW - 2 * DAY + 60_000, 'video_interpolation', 'open');
    transition(db, NOW - 2 * DAY + 120_000, 'video_interpolation', 'half_open');
    transition(db, NOW - 1000, 'video_export', 'forced_open');
    finishedJob(db, NOW - 3 * DAY, [{ stage: 'export', outcome: 'failed', error: 'disk full' }]);
    finishedJob(db, NOW - 2 * DAY, [timedOut(1500), timedOut(1500), { stage: 'interpolation', outcome: 'ok', slow: true }, { stage: 'export', outcome: 'ok' }]);
    finishedJob(db, NOW - 500, [{ stage: 'frame_processing', outcome: 'ok' }, timedOut(4000), { stage: 'interpolation', outcome: 'failed', error: 'ffmpeg exited with code 1' }]);

    const week = circuitAnalysis(new AnalysisQueries(db), 7, NOW);
    expect(week.dayList).toHaveLength(7);
    expect(week.dayList.at(-1)).toBe('2026-11-30');
    expect(week.opens).toEqual([
      { day: '2026-11-27', circuit: 'video_export', opens: 1, forcedOpens: 0 },
      { day: '2026-11-28', circuit: 'video_interpolation', opens: 2, forcedOpens: 0 },
      { day: '2026-11-30', circuit: 'video_export', opens: 0, forcedOpens: 1 },
    ]);
    expect(week.stages).toContainEqual({ day: '2026-11-28', stage: 'interpolation', attempts: 3, failed: 2, timeouts: 2, slow: 1 });
    expect(week.stages).toContainEqual({ day: '2026-11-30', stage: 'interpolation', attempts: 2, failed: 2, timeouts: 1, slow: 0 });
    expect(week.stages).toContainEqual({ day: '2026-11-27', stage: 'export', attempts: 1, failed: 1, timeouts: 0, slow: 0 });
    // Timeouts after 1500 ms and after 4000 ms are one cause; the biggest first.
    expect(week.causes[0]).toMatchObject({ stage: 'interpolation', cause: 'Circuit "video_interpolation" timed out the call after # ms', count: 3, lastAt: NOW - 500 });
    expect(week.causes.map((c) => c.cause)).toEqual(expect.arrayContaining(['disk full', 'ffmpeg exited with code #']));
    expect(week).toMatchObject({ jobsScanned: 3, jobsCapped: false, historySince: NOW - 3 * DAY });

    // A 3-day span starts at midnight two days ago: the first day's events are not in it.
    const three = circuitAnalysis(new AnalysisQueries(db), 3, NOW);
    expect(three.since).toBe(Date.UTC(2026, 10, 28));
    expect(three.opens.map((o) => o.day)).toEqual(['2026-11-28', '2026-11-30']);
    expect(three.causes.find((c) => c.cause === 'disk full')).toBeUndefined();
  });

  it('reads at most maxJobs traces, the newest, and says it was capped', async () => {
    const db = await database();
    for (let i = 0; i < 30; i++) finishedJob(db, NOW - i * 60_000, [timedOut(1500)]);
    const rows = new AnalysisQueries(db).read(NOW - DAY, { maxJobs: 10, topCauses: 10 });
    expect(rows).toMatchObject({ jobsScanned: 10, jobsCapped: true });
    expect(rows.stages).toEqual([{ day: '2026-11-30', stage: 'interpolation', attempts: 10, failed: 10, timeouts: 10, slow: 0 }]);
    const empty = circuitAnalysis(new AnalysisQueries(await database()), 90, NOW);
    expect(empty).toMatchObject({ opens: [], stages: [], causes: [], historySince: null, jobsScanned: 0, jobsCapped: false });
    expect(empty.dayList).toHaveLength(90);
  });

  it('the command takes 1 to 90 whole days and nothing else', () => {
    expect(CommandSchema.safeParse({ type: 'analysis', days: 30 }).success).toBe(true);
    for (const days of [0, 91, 2.5, '7']) expect(CommandSchema.safeParse({ type: 'analysis', days }).success, String(days)).toBe(false);
  });
});
