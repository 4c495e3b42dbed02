import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-main/queue/job.ts';
import { type Quality, ShotSchema } from '../../src-main/engine/model.ts';
import { openDatabase } from '../../src-main/queue/database.ts';
import { NEXT_RUNNABLE_SQL, QueueError, RenderQueue } from '../../src-main/queue/render-queue.ts';

let dir: string;
let file: string;
let db: DatabaseSync;
let queue: RenderQueue;
let clock: number;
let reports: string[];

function open(): void {
  db = openDatabase(file);
  queue = new RenderQueue(db, { now: () => clock, report: (m) => reports.push(m) });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-queue-'));
  file = join(dir, 'studio.db');
  clock = 1_000_000;
  reports = [];
  open();
});

afterEach(() => {
  queue.close();
  rmSync(dir, { recursive: true, force: true });
});

const shot = (id: string) => ShotSchema.parse({ id, duration: 2, keyframes: [{ generator: 'testsrc2' }] });

function add(id: string, priority?: number, quality: Quality = 'draft'): Job {
  clock += 10;
  return queue.enqueue([{ projectName: 'demo', shot: shot(id), baseDir: null, quality, ...(priority === undefined ? {} : { priority }) }])[0]!;
}

/** Shot ids of the queued jobs, in the order nextRunnable would hand them out. */
function runOrder(): string[] {
  return queue.list({ statuses: ['queued'] }).map((j) => j.shotId);
}

function refusal(action: () => unknown): QueueError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(QueueError);
    return error as QueueError;
  }
  throw new Error('expected the queue to refuse');
}

describe('enqueue and read', () => {
  it('stores the job with a short url-safe id and returns it queued', () => {
    const job = add('a', 3, 'final');
    expect(job).toMatchObject({ projectName: 'demo', shotId: 'a', status: 'queued', priority: 3, quality: 'final', attempts: 0, progress: 0, stage: null, error: null });
    expect(job.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(queue.get(job.id)).toEqual(job);
    expect(queue.get('nope')).toBeUndefined();
    expect(queue.getSpec(job.id)).toEqual({ shot: shot('a'), baseDir: null });
  });

  it('enqueues a batch in one transaction: one bad item adds none', () => {
    const bad = { projectName: 'demo', shot: { id: 'x' } as never, baseDir: null, quality: 'draft' as const };
    const error = refusal(() => queue.enqueue([{ projectName: 'demo', shot: shot('ok'), baseDir: '/projects/a', quality: 'draft' }, bad]));
    expect(error.code).toBe('invalid');
    expect(error.message).toContain('enqueue item 1');
    expect(queue.list()).toEqual([]);
  });

  it('reports, and does not hand out, a stored shot that no longer validates', () => {
    const job = add('a');
    db.prepare('UPDATE jobs SET shot_json = ? WHERE id = ?').run(JSON.stringify({ id: 'a', duration: -1 }), job.id);
    expect(queue.getSpec(job.id)).toBeUndefined();
    expect(reports.join('\n')).toContain(`job ${job.id}`);
    expect(reports.join('\n')).toContain('duration');
  });

  it('counts every status, zero included', () => {
    add('a');
    const b = add('b');
    queue.markRunning(b.id);
    expect(queue.counts()).toEqual({ queued: 1, running: 1, paused: 0, blocked: 0, done: 0, failed: 0, canceled: 0 });
  });
});

describe('order', () => {
  it('runs higher priority first, then by position, then by age', () => {
    add('low', -5);
    add('first');
    add('urgent', 10);
    add('second');
    expect(queue.nextRunnable()?.shotId).toBe('urgent');
    expect(runOrder()).toEqual(['urgent', 'first', 'second', 'low']);
  });

  it('breaks a position tie by age', () => {
    const a = add('older');
    const b = add('newer');
    db.prepare('UPDATE jobs SET position = 7 WHERE id IN (?, ?)').run(a.id, b.id);
    expect(runOrder()).toEqual(['older', 'newer']);
  });

  it('finds the next job along the index, without sorting or scanning', () => {
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${NEXT_RUNNABLE_SQL}`)
      .all()
      .map((row) => String(row.detail))
      .join('\n');
    expect(plan).toContain('USING INDEX jobs_runnable');
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it('moves a job within its priority band', () => {
    const [a, , c] = [add('a'), add('b'), add('c')];
    add('vip', 5);

    expect(queue.move(c.id, 'up').shotId).toBe('c');
    expect(runOrder()).toEqual(['vip', 'a', 'c', 'b']);
    queue.move(c.id, 'top');
    expect(runOrder()).toEqual(['vip', 'c', 'a', 'b']);
    // Top of its band, not above a higher priority.
    expect(queue.move(c.id, 'up')).toMatchObject({ id: c.id, position: queue.get(c.id)!.position });
    expect(runOrder()).toEqual(['vip', 'c', 'a', 'b']);
    queue.move(c.id, 'bottom');
    expect(runOrder()).toEqual(['vip', 'a', 'b', 'c']);
    queue.move(a.id, 'down');
    expect(runOrder()).toEqual(['vip', 'b', 'a', 'c']);
  });

  it('moves past paused jobs too: a paused job keeps its place in line', () => {
    const [a, b] = [add('a'), add('b')];
    queue.pause(a.id);
    queue.move(b.id, 'up');
    queue.resume(a.id);
    expect(runOrder()).toEqual(['b', 'a']);
  });

  it('refuses to move a job that is not waiting', () => {
    const a = add('a');
    queue.markRunning(a.id);
    const error = refusal(() => queue.move(a.id, 'top'));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(`job ${a.id} is running; only queued or paused jobs can be moved`);
    expect(refusal(() => queue.move('missing', 'top')).code).toBe('not_found');
  });

  it('puts a job last in its new band when its priority changes, and leaves it be when not', () => {
    const a = add('a');
    add('b', 2);
    add('c', 2);
    expect(queue.setPriority(a.id, 2).priority).toBe(2);
    expect(runOrder()).toEqual(['b', 'c', 'a']);
    const position = queue.get(a.id)!.position;
    expect(queue.setPriority(a.id, 2).position).toBe(position);
    expect(refusal(() => queue.setPriority(a.id, 1.5)).code).toBe('invalid');
  });

  it('lists running and blocked first, then waiting jobs in run order, then finished ones newest first', () => {
    const [done1, running, blocked, , paused, q2, done2] = ['done1', 'running', 'blocked', 'q1', 'paused', 'q2', 'done2'].map((id) => add(id));
    for (const job of [done1!, running!, blocked!, done2!]) queue.markRunning(job.id);
    clock += 10;
    queue.markDone(done1!.id, { output: 'one.mp4', sidecar: null });
    clock += 10;
    queue.markDone(done2!.id, { output: 'two.mp4', sidecar: null });
    queue.markBlocked(blocked!.id, { blockedBy: 'video_export: open', blockedUntil: clock + 1000 });
    queue.pause(paused!.id);
    queue.setPriority(q2!.id, 1);

    expect(queue.list().map((j) => j.shotId)).toEqual(['running', 'blocked', 'q2', 'q1', 'paused', 'done2', 'done1']);
    expect(queue.list({ limit: 3 }).map((j) => j.shotId)).toEqual(['running', 'blocked', 'q2']);
    expect(queue.list({ statuses: ['done', 'paused'] }).map((j) => j.shotId)).toEqual(['paused', 'done2', 'done1']);
  });
});

describe('the state machine', () => {
  it('runs a job: running, progress, blocked, unblocked, done', () => {
    const job = add('a');
    clock += 100;
    const running = queue.markRunning(job.id);
    expect(running).toMatchObject({ status: 'running', attempts: 1, startedAt: clock });

    clock += 100;
    const progressed = queue.setProgress(job.id, { stage: 'interpolation', progress: 140, etaSeconds: 12 });
    expect(progressed).toMatchObject({ stage: 'interpolation', progress: 100, etaSeconds: 12, updatedAt: clock });

    const blocked = queue.markBlocked(job.id, { blockedBy: 'video_export: open', blockedUntil: clock + 30_000 });
    expect(blocked).toMatchObject({ status: 'blocked', blockedBy: 'video_export: open', blockedUntil: clock + 30_000 });
    expect(queue.markUnblocked(job.id)).toMatchObject({ status: 'running', blockedBy: null, blockedUntil: null });

    const done = queue.markDone(job.id, { output: 'out/a.mp4', sidecar: 'out/a.json', trace: { attempts: [1, 2] } });
    expect(done).toMatchObject({ status: 'done', progress: 100, output: 'out/a.mp4', sidecar: 'out/a.json', finishedAt: clock, stage: null });
    expect(queue.getTrace(job.id)).toEqual({ attempts: [1, 2] });
  });

  it('never marks a job done without its output', () => {
    const job = add('a');
    queue.markRunning(job.id);
    for (const output of ['', '   ', undefined, null]) {
      const error = refusal(() => queue.markDone(job.id, { output: output as never, sidecar: null }));
      expect(error.code).toBe('invalid');
      expect(error.message).toContain('without its output file');
    }
    expect(queue.get(job.id)?.status).toBe('running');
    // The table refuses it as well, whoever writes.
    expect(() => db.prepare("UPDATE jobs SET status = 'done' WHERE id = ?").run(job.id)).toThrow(/CHECK constraint/);
  });

  it('pauses and resumes only the jobs it can, with messages that say which can', () => {
    const job = add('a');
    expect(queue.pause(job.id).status).toBe('paused');
    expect(refusal(() => queue.pause(job.id)).message).toBe(`job ${job.id} is paused; only queued or blocked jobs can be paused`);
    expect(queue.resume(job.id).status).toBe('queued');
    expect(refusal(() => queue.resume(job.id)).message).toBe(`job ${job.id} is queued; only paused jobs can be resumed`);

    queue.markRunning(job.id);
    const error = refusal(() => queue.pause(job.id));
    expect(error.code).toBe('conflict');
    expect(error.jobId).toBe(job.id);
  });

  it('cancels unfinished jobs only', () => {
    const [queued, paused, running] = [add('q'), add('p'), add('r')];
    queue.pause(paused.id);
    queue.markRunning(running.id);
    for (const job of [queued, paused, running]) expect(queue.cancel(job.id)).toMatchObject({ status: 'canceled', finishedAt: clock });
    expect(refusal(() => queue.cancel(queued.id)).message).toBe(`job ${queued.id} is canceled; only queued, paused, blocked or running jobs can be canceled`);
  });

  it('retries failed and canceled jobs only, clearing the error and keeping the attempt count', () => {
    const job = add('a');
    add('b');
    queue.markRunning(job.id);
    queue.setProgress(job.id, { stage: 'export', progress: 80, etaSeconds: 3 });
    const failed = queue.markFailed(job.id, { error: 'ffmpeg exited with 1', trace: { why: 'x' } });
    // A failed job keeps the stage and progress it reached, to show where it failed.
    expect(failed).toMatchObject({ status: 'failed', error: 'ffmpeg exited with 1', stage: 'export', progress: 80 });

    const retried = queue.retry(job.id);
    expect(retried).toMatchObject({ status: 'queued', error: null, attempts: 1, progress: 0, stage: null, finishedAt: null, startedAt: null });
    expect(runOrder()).toEqual(['b', 'a']);
    expect(queue.getTrace(job.id)).toBeUndefined();

    const error = refusal(() => queue.retry(job.id));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(`job ${job.id} is queued; only failed or canceled jobs can be retried`);

    queue.markRunning(job.id);
    queue.markDone(job.id, { output: 'a.mp4', sidecar: null });
    expect(refusal(() => queue.retry(job.id)).message).toBe(`job ${job.id} is done; only failed or canceled jobs can be retried`);
    expect(queue.cancel(add('c').id).status).toBe('canceled');
  });

  it('says not_found for an unknown job, whatever the action', () => {
    for (const action of [
      () => queue.markRunning('ghost'),
      () => queue.setProgress('ghost', { stage: null, progress: 1, etaSeconds: null }),
      () => queue.markBlocked('ghost', { blockedBy: 'x', blockedUntil: null }),
      () => queue.cancel('ghost'),
      () => queue.retry('ghost'),
      () => queue.setPriority('ghost', 1),
    ]) {
      const error = refusal(action);
      expect(error.code).toBe('not_found');
      expect(error.message).toContain('ghost');
    }
  });

  it('drops progress and waits reported by work that was canceled meanwhile', () => {
    const job = add('a');
    queue.markRunning(job.id);
    const canceled = queue.cancel(job.id);
    expect(queue.setProgress(job.id, { stage: 'export', progress: 50, etaSeconds: 1 })).toEqual(canceled);
    expect(queue.markBlocked(job.id, { blockedBy: 'x', blockedUntil: null })).toEqual(canceled);
  });

  it('requeues interrupted work in its place in line, with the attempt counted and the reason shown', () => {
    const job = add('a');
    add('b');
    queue.markRunning(job.id);
    queue.setProgress(job.id, { stage: 'frame_processing', progress: 30, etaSeconds: 9 });
    const requeued = queue.requeue(job.id, 'emergency_stop');
    expect(requeued).toMatchObject({ status: 'queued', progress: 0, stage: null, etaSeconds: null, attempts: 1, error: 'interrupted: emergency_stop' });
    expect(queue.nextRunnable()?.id).toBe(job.id);
    expect(refusal(() => queue.requeue(job.id, 'again')).code).toBe('conflict');

    const rerun = queue.markRunning(job.id);
    expect(rerun).toMatchObject({ attempts: 2, error: null, startedAt: requeued.startedAt });
  });
});

describe('after a restart', () => {
  it('keeps every job and its order across close and reopen', () => {
    add('a');
    add('b', 4);
    const c = add('c');
    queue.markRunning(c.id);
    queue.markDone(c.id, { output: 'c.mp4', sidecar: 'c.json' });
    const before = queue.list();

    queue.close();
    open();
    expect(queue.list()).toEqual(before);
    expect(runOrder()).toEqual(['b', 'a']);
  });

  it('puts jobs a dead host left running or blocked back in the queue, attempts kept', () => {
    const [running, blocked, queued, paused, done] = [add('running'), add('blocked'), add('queued'), add('paused'), add('done')];
    queue.markRunning(running.id);
    queue.setProgress(running.id, { stage: 'export', progress: 60, etaSeconds: 4 });
    queue.markRunning(blocked.id);
    queue.markBlocked(blocked.id, { blockedBy: 'parallel_processing: open', blockedUntil: clock + 5000 });
    queue.pause(paused.id);
    queue.markRunning(done.id);
    queue.markDone(done.id, { output: 'done.mp4', sidecar: null });

    // The host dies without a word: no requeue, no close. A new host opens the same file.
    db.close();
    open();
    const recovered = queue.recoverInterrupted();
    expect(recovered.map((j) => j.shotId)).toEqual(['running', 'blocked']);
    for (const job of recovered) {
      expect(job).toMatchObject({ status: 'queued', progress: 0, stage: null, blockedBy: null, blockedUntil: null, attempts: 1 });
      expect(job.error).toContain('interrupted');
    }
    expect(queue.get(queued.id)?.status).toBe('queued');
    expect(queue.get(paused.id)?.status).toBe('paused');
    expect(queue.get(done.id)?.status).toBe('done');
    expect(queue.recoverInterrupted()).toEqual([]);
  });
});
