/**
 * Every statement the render queue runs, prepared once per connection. State changes are guarded
 * UPDATEs (`WHERE id = :id AND status IN (...)`, from job-transitions.ts) with RETURNING, so the
 * check, the change and the read-back are one atomic statement by primary key.
 */
import type { DatabaseSync } from 'node:sqlite';
import { JOB_COLUMNS } from './job-row.ts';
import { TRANSITIONS as T, type Transition, statusIn } from './job-transitions.ts';

/** Exported so a test can ask SQLite for its plan: it must read jobs_runnable in order, no sort. */
export const NEXT_RUNNABLE_SQL = `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = 'queued' ORDER BY priority DESC, position ASC, created_at ASC LIMIT 1`;

const ACTIVE = "('running', 'blocked')";
const WAITING = "('queued', 'paused')";
const FINISHED = "('done', 'failed', 'canceled')";
/** Columns a job leaves behind when it stops running: no stage timing, no wait. */
const IDLE = 'eta_seconds = NULL, blocked_by = NULL, blocked_until = NULL';

export type JobStatements = ReturnType<typeof prepareJobStatements>;

export function prepareJobStatements(db: DatabaseSync) {
  const update = (transition: Transition, set: string) =>
    db.prepare(`UPDATE jobs SET ${set}, updated_at = :now WHERE id = :id AND ${statusIn(transition)} RETURNING ${JOB_COLUMNS}`);
  return {
    insert: db.prepare(
      `INSERT INTO jobs (id, project_name, shot_id, shot_json, base_dir, quality, status, priority, position, estimate_seconds, created_at, updated_at)
       VALUES (:id, :projectName, :shotId, :shotJson, :baseDir, :quality, 'queued', :priority, :position, :estimateSeconds, :now, :now)
       RETURNING ${JOB_COLUMNS}`,
    ),
    lastPosition: db.prepare('SELECT coalesce(max(position), 0) AS p FROM jobs'),
    firstPosition: db.prepare('SELECT coalesce(min(position), 0) AS p FROM jobs'),
    get: db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = :id`),
    spec: db.prepare('SELECT shot_json, base_dir FROM jobs WHERE id = :id'),
    trace: db.prepare('SELECT trace_json FROM jobs WHERE id = :id'),
    list: db.prepare(
      `SELECT ${JOB_COLUMNS} FROM jobs
       WHERE :all = 1 OR status IN (SELECT value FROM json_each(:statuses))
       ORDER BY
         CASE WHEN status IN ${ACTIVE} THEN 0 WHEN status IN ${WAITING} THEN 1 ELSE 2 END,
         CASE WHEN status IN ${ACTIVE} THEN started_at END ASC,
         CASE WHEN status IN ${WAITING} THEN priority END DESC,
         CASE WHEN status IN ${WAITING} THEN position END ASC,
         CASE WHEN status IN ${FINISHED} THEN coalesce(finished_at, updated_at) END DESC,
         created_at ASC, id ASC
       LIMIT :limit`,
    ),
    counts: db.prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status'),
    next: db.prepare(NEXT_RUNNABLE_SQL),
    markRunning: update(
      T.markRunning,
      `status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, :now), stage = NULL, progress = 0, error = NULL, ${IDLE}`,
    ),
    progress: update(T.report, 'stage = :stage, progress = :progress, eta_seconds = :eta'),
    block: update(T.report, "status = 'blocked', blocked_by = :blockedBy, blocked_until = :blockedUntil"),
    unblock: update(T.markUnblocked, "status = 'running', blocked_by = NULL, blocked_until = NULL"),
    done: update(
      T.markDone,
      `status = 'done', progress = 100, stage = NULL, output = :output, sidecar = :sidecar, trace_json = :trace, error = NULL, finished_at = :now, ${IDLE}`,
    ),
    failed: update(T.markFailed, `status = 'failed', error = :error, trace_json = coalesce(:trace, trace_json), finished_at = :now, ${IDLE}`),
    requeue: update(T.requeue, `status = 'queued', progress = 0, stage = NULL, error = :reason, ${IDLE}`),
    recover: db.prepare(
      `UPDATE jobs SET status = 'queued', progress = 0, stage = NULL, error = :reason, ${IDLE}, updated_at = :now
       WHERE status IN ${ACTIVE} RETURNING ${JOB_COLUMNS}`,
    ),
    pause: update(T.pause, `status = 'paused', progress = 0, stage = NULL, ${IDLE}`),
    resume: update(T.resume, "status = 'queued'"),
    cancel: update(T.cancel, `status = 'canceled', finished_at = :now, ${IDLE}`),
    retry: update(
      T.retry,
      `status = 'queued', position = (SELECT coalesce(max(position), 0) + 1 FROM jobs), progress = 0, stage = NULL, error = NULL,
       output = NULL, sidecar = NULL, trace_json = NULL, started_at = NULL, finished_at = NULL, ${IDLE}`,
    ),
    setPriority: update(
      T.setPriority,
      'position = CASE WHEN priority = :priority THEN position ELSE (SELECT coalesce(max(position), 0) + 1 FROM jobs) END, priority = :priority',
    ),
    setPosition: db.prepare(`UPDATE jobs SET position = :position, updated_at = :now WHERE id = :id RETURNING ${JOB_COLUMNS}`),
    above: db.prepare(
      `SELECT id, position FROM jobs WHERE status IN ${WAITING} AND priority = :priority AND position < :position ORDER BY position DESC LIMIT 1`,
    ),
    below: db.prepare(
      `SELECT id, position FROM jobs WHERE status IN ${WAITING} AND priority = :priority AND position > :position ORDER BY position ASC LIMIT 1`,
    ),
  };
}
