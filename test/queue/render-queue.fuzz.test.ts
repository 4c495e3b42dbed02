/**
 * The render queue against a model of its state machine: random sequences of every operation, on
 * real and unknown ids, with the database closed and reopened between some of them. Nothing is lost,
 * every refusal is a QueueError with the code the model predicts and changes nothing, positions stay
 * unique, and the next job to run is always the one the ordering rule names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job, JobStatus } from '../../src-main/queue/job.ts';
import { ShotSchema } from '../../src-main/engine/model.ts';
import { openDatabase } from '../../src-main/queue/database.ts';
import { QueueError, RenderQueue } from '../../src-main/queue/render-queue.ts';
import { TRANSITIONS } from '../../src-main/queue/job-transitions.ts';
import { fuzzParams as params } from '../fuzz-settings.ts';

type Op =
  | { op: 'enqueue'; count: number; priority: number }
  | { op: 'start' }
  | { op: 'reopen' }
  | { op: 'recover' }
  | { op: 'job'; action: JobAction; pick: number; unknown: boolean; priority: number; to: 'top' | 'up' | 'down' | 'bottom' };
type JobAction = 'block' | 'progress' | 'unblock' | 'done' | 'fail' | 'requeue' | 'pause' | 'resume' | 'cancel' | 'retry' | 'setPriority' | 'move';

/** Where each action leads, and which statuses it may start from (the queue's own table). */
const NEXT: Record<JobAction, { from: readonly JobStatus[]; to: JobStatus | null }> = {
  block: { from: TRANSITIONS.report.from, to: 'blocked' },
  progress: { from: TRANSITIONS.report.from, to: null },
  unblock: { from: TRANSITIONS.markUnblocked.from, to: 'running' },
  done: { from: TRANSITIONS.markDone.from, to: 'done' },
  fail: { from: TRANSITIONS.markFailed.from, to: 'failed' },
  requeue: { from: TRANSITIONS.requeue.from, to: 'queued' },
  pause: { from: TRANSITIONS.pause.from, to: 'paused' },
  resume: { from: TRANSITIONS.resume.from, to: 'queued' },
  cancel: { from: TRANSITIONS.cancel.from, to: 'canceled' },
  retry: { from: TRANSITIONS.retry.from, to: 'queued' },
  setPriority: { from: TRANSITIONS.setPriority.from, to: null },
  move: { from: TRANSITIONS.move.from, to: null },
};
/** Reports from running work (progress, blocked) on a job no longer running are dropped, not refused. */
const OBSERVATIONS: JobAction[] = ['block', 'progress'];

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('enqueue' as const), count: fc.integer({ min: 1, max: 3 }), priority: fc.integer({ min: -2, max: 2 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'start' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'recover' as const }) },
  {
    weight: 12,
    arbitrary: fc.record({
      op: fc.constant('job' as const),
      action: fc.constantFrom(...(Object.keys(NEXT) as JobAction[])),
      pick: fc.nat(),
      unknown: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      priority: fc.integer({ min: -2, max: 2 }),
      to: fc.constantFrom('top', 'up', 'down', 'bottom'),
    }),
  },
);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-queue-fuzz-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const shot = ShotSchema.parse({ id: 'shot', duration: 1, keyframes: [{ generator: 'testsrc2' }] });

describe('the render queue under random operations', () => {
  it('keeps every job, refuses exactly what its state machine forbids, and always offers the right next job', () => {
    let run = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const file = join(dir, `run-${run++}.db`);
        let queue = new RenderQueue(openDatabase(file), { report: () => {} });
        const model = new Map<string, JobStatus>();
        try {
          for (const step of ops) {
            const label = JSON.stringify(step);
            if (step.op === 'enqueue') {
              const jobs = queue.enqueue(Array.from({ length: step.count }, () => ({ projectName: 'fuzz', shot, baseDir: null, quality: 'draft' as const, priority: step.priority })));
              for (const job of jobs) model.set(job.id, 'queued');
            } else if (step.op === 'start') {
              const next = queue.nextRunnable();
              const queued = [...model].filter(([, s]) => s === 'queued');
              expect(next === undefined, label).toBe(queued.length === 0);
              if (next) {
                expect(queue.markRunning(next.id).status).toBe('running');
                model.set(next.id, 'running');
              }
            } else if (step.op === 'reopen') {
              queue.close();
              queue = new RenderQueue(openDatabase(file), { report: () => {} });
            } else if (step.op === 'recover') {
              const back = queue.recoverInterrupted().map((j) => j.id).sort();
              const expected = [...model].filter(([, s]) => s === 'running' || s === 'blocked').map(([id]) => id).sort();
              expect(back, label).toEqual(expected);
              for (const id of back) model.set(id, 'queued');
            } else {
              const ids = [...model.keys()];
              const id = step.unknown || ids.length === 0 ? 'no-such-job' : ids[step.pick % ids.length]!;
              const before = model.get(id);
              const rule = NEXT[step.action];
              const allowed = before !== undefined && rule.from.includes(before);
              const snapshot = JSON.stringify(queue.list({ limit: 100_000 }));
              let result: Job | undefined;
              let error: unknown;
              try {
                result = act(queue, id, step);
              } catch (e) {
                error = e;
              }
              if (before === undefined) {
                expect(error, label).toBeInstanceOf(QueueError);
                expect((error as QueueError).code).toBe('not_found');
              } else if (!allowed && OBSERVATIONS.includes(step.action)) {
                expect(error, label).toBeUndefined();
                expect(result?.status).toBe(before);
              } else if (!allowed) {
                expect(error, label).toBeInstanceOf(QueueError);
                expect((error as QueueError).code, label).toBe('conflict');
              } else {
                if (error) throw new Error(`${label} on a ${before} job: ${String(error)}`);
                expect(result?.status, label).toBe(rule.to ?? before);
                model.set(id, rule.to ?? before);
              }
              if (error) expect(JSON.stringify(queue.list({ limit: 100_000 })), `${label}: a refusal changed the queue`).toBe(snapshot);
            }
            checkInvariants(queue, model, label);
          }
        } finally {
          queue.close();
        }
      }),
      params(150),
    );
  }, 120_000);
});

function act(queue: RenderQueue, id: string, step: Extract<Op, { op: 'job' }>): Job {
  switch (step.action) {
    case 'block':
      return queue.markBlocked(id, { blockedBy: 'video_export: open', blockedUntil: Date.now() + 1000 });
    case 'progress':
      return queue.setProgress(id, { stage: 'export', progress: 50, etaSeconds: 1 });
    case 'unblock':
      return queue.markUnblocked(id);
    case 'done':
      return queue.markDone(id, { output: `/renders/${id}.mp4`, sidecar: null });
    case 'fail':
      return queue.markFailed(id, { error: 'fuzz' });
    case 'requeue':
      return queue.requeue(id, 'fuzz');
    case 'pause':
      return queue.pause(id);
    case 'resume':
      return queue.resume(id);
    case 'cancel':
      return queue.cancel(id);
    case 'retry':
      return queue.retry(id);
    case 'setPriority':
      return queue.setPriority(id, step.priority);
    case 'move':
      return queue.move(id, step.to);
  }
}

function checkInvariants(queue: RenderQueue, model: Map<string, JobStatus>, label: string): void {
  const jobs = queue.list({ limit: 100_000 });
  // Nothing lost, nothing invented, every status as the model says.
  expect(new Map(jobs.map((j) => [j.id, j.status])), label).toEqual(model);
  expect(new Set(jobs.map((j) => j.position)).size, `${label}: positions collide`).toBe(jobs.length);
  for (const job of jobs) {
    if (job.status === 'done') expect(job.output, `${label}: done without output`).toBeTruthy();
    expect(job.progress).toBeGreaterThanOrEqual(0);
    expect(job.progress).toBeLessThanOrEqual(100);
  }
  const queued = jobs.filter((j) => j.status === 'queued').sort((a, b) => b.priority - a.priority || a.position - b.position || a.createdAt - b.createdAt);
  expect(queue.nextRunnable()?.id, `${label}: next runnable`).toBe(queued[0]?.id);
  const counts = queue.counts();
  expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(model.size);
}
