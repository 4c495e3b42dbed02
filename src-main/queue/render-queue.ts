/**
 * The render queue: jobs in SQLite, moved through their states by guarded, single-statement
 * updates. Every method that changes a job returns it as it now is, for the host to stream.
 *
 * Synchronous by design: each operation is one prepared statement (a move, which is rare, takes a
 * few), by primary key or along the jobs_runnable / jobs_position indexes, so none scans the table
 * on the hot path (markRunning, setProgress, nextRunnable). `list` and `counts` read more, but only
 * for snapshots.
 *
 * Order: higher priority first, then position (new jobs go last; move() reorders within a
 * priority band), then age.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { type Shot, ShotSchema, describeIssues } from '../engine/model.ts';
import { type EnqueueItem, checkItem } from './enqueue-item.ts';
import { JOB_STATUSES, type Job, type JobStatus } from './job.ts';
import { rowToJob } from './job-row.ts';
import { type JobStatements, prepareJobStatements } from './job-statements.ts';
import { TRANSITIONS, type Transition, refused } from './job-transitions.ts';
import { QueueError } from './queue-error.ts';
import { transaction } from './transaction.ts';

export { QueueError, type QueueErrorCode } from './queue-error.ts';
export type { EnqueueItem } from './enqueue-item.ts';
export { NEXT_RUNNABLE_SQL } from './job-statements.ts';

export interface JobSpec {
  shot: Shot;
  baseDir: string | null;
}

export interface ListOptions {
  /** Only jobs in these statuses; all when left out. */
  statuses?: JobStatus[];
  /** At most this many (default 1000); running and waiting jobs come first, so they are never cut. */
  limit?: number;
}

export interface ProgressReport {
  stage: Job['stage'];
  /** 0–100 over the whole shot; clamped. */
  progress: number;
  etaSeconds: number | null;
}

export type MoveTo = 'top' | 'up' | 'down' | 'bottom';

export interface RenderQueueOptions {
  /** Epoch ms; tests pass a fake clock. */
  now?: () => number;
  /** Where problems that are reported rather than thrown go (a stored shot that no longer validates). */
  report?: (message: string) => void;
}

const DEFAULT_LIST_LIMIT = 1000;

export class RenderQueue {
  private readonly db: DatabaseSync;
  private readonly clock: () => number;
  private readonly report: (message: string) => void;
  private readonly sql: JobStatements;

  /** The queue takes ownership of the connection: `close()` closes it (the journal shares it). */
  constructor(db: DatabaseSync, options: RenderQueueOptions = {}) {
    this.db = db;
    this.clock = options.now ?? Date.now;
    this.report = options.report ?? ((message) => console.warn(message));
    this.sql = prepareJobStatements(db);
  }

  // ── adding and reading ──

  /** Adds the shots as queued jobs, last in their priority band, in one transaction: all or none. */
  enqueue(items: EnqueueItem[]): Job[] {
    const checked = items.map((item, i) => checkItem(item, i));
    return transaction(this.db, () => {
      let position = Number(this.sql.lastPosition.get()?.p ?? 0);
      const now = this.now();
      return checked.map(({ shot, ...item }) => {
        position += 1;
        const row = this.sql.insert.get({
          id: newJobId(),
          projectName: item.projectName,
          shotId: shot.id,
          shotJson: JSON.stringify(shot),
          baseDir: item.baseDir,
          quality: item.quality,
          priority: item.priority,
          estimateSeconds: item.estimateSeconds,
          position,
          now,
        });
        return rowToJob(row!);
      });
    });
  }

  get(id: string): Job | undefined {
    const row = this.sql.get.get({ id });
    return row ? rowToJob(row) : undefined;
  }

  /**
   * What to render. Undefined when the job does not exist, or its stored shot no longer validates
   * (written by an older build, or edited): that is reported, and the host fails the job.
   */
  getSpec(id: string): JobSpec | undefined {
    const row = this.sql.spec.get({ id });
    if (!row) return undefined;
    let parsed;
    try {
      parsed = ShotSchema.safeParse(JSON.parse(String(row.shot_json)));
    } catch (error) {
      this.report(`job ${id}: its stored shot is not valid JSON (${error instanceof Error ? error.message : String(error)}); the job cannot run`);
      return undefined;
    }
    if (!parsed.success) {
      this.report(`job ${id}: its stored shot no longer validates (${describeIssues(parsed.error, 'shot').join('; ')}); the job cannot run`);
      return undefined;
    }
    return { shot: parsed.data, baseDir: row.base_dir === null ? null : String(row.base_dir) };
  }

  /** The pipeline trace stored by markDone / markFailed, or undefined when there is none. */
  getTrace(id: string): unknown {
    const value = this.sql.trace.get({ id })?.trace_json;
    return typeof value === 'string' ? JSON.parse(value) : undefined;
  }

  /**
   * For display: running and blocked jobs first (oldest start first), then waiting ones, queued and
   * paused together in run order (a paused job keeps its place in line), then finished ones, newest first.
   */
  list(options: ListOptions = {}): Job[] {
    const limit = options.limit === undefined ? DEFAULT_LIST_LIMIT : Math.max(0, Math.floor(options.limit));
    const statuses = options.statuses;
    return this.sql.list
      .all({ all: statuses === undefined ? 1 : 0, statuses: JSON.stringify(statuses ?? []), limit })
      .map(rowToJob);
  }

  counts(): Record<JobStatus, number> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of this.sql.counts.all()) counts[row.status as JobStatus] = Number(row.n);
    return counts;
  }

  /** The job to start next: queued, highest priority, then lowest position, then oldest. */
  nextRunnable(): Job | undefined {
    const row = this.sql.next.get();
    return row ? rowToJob(row) : undefined;
  }

  // ── what the running work reports ──

  /** queued → running: counts the attempt; started_at keeps the first start across requeues. */
  markRunning(id: string): Job {
    return this.change(this.sql.markRunning, TRANSITIONS.markRunning, { id });
  }

  /**
   * Cheap (one UPDATE by primary key); called often. Progress from work that is being torn down
   * (the job was canceled or stopped meanwhile) is dropped and the job returned as it is, since it
   * is expected, not a bug; an unknown id still throws.
   */
  setProgress(id: string, report: ProgressReport): Job {
    const progress = Number.isFinite(report.progress) ? Math.min(100, Math.max(0, report.progress)) : 0;
    const eta = report.etaSeconds !== null && Number.isFinite(report.etaSeconds) && report.etaSeconds >= 0 ? report.etaSeconds : null;
    return this.observe(this.sql.progress, { id, stage: report.stage, progress, eta });
  }

  /** A running job waits for a circuit. Like setProgress, dropped when the job is no longer active. */
  markBlocked(id: string, block: { blockedBy: string; blockedUntil: number | null }): Job {
    const until = block.blockedUntil === null || !Number.isFinite(block.blockedUntil) ? null : Math.round(block.blockedUntil);
    return this.observe(this.sql.block, { id, blockedBy: block.blockedBy, blockedUntil: until });
  }

  markUnblocked(id: string): Job {
    return this.change(this.sql.unblock, TRANSITIONS.markUnblocked, { id });
  }

  /** The job rendered: output is required, since a job is never done without its file. */
  markDone(id: string, result: { output: string; sidecar: string | null; trace?: unknown }): Job {
    if (typeof result.output !== 'string' || result.output.trim() === '') {
      throw new QueueError('invalid', `job ${id} cannot be marked done without its output file (output was ${JSON.stringify(result.output)})`, id);
    }
    return this.change(this.sql.done, TRANSITIONS.markDone, { id, output: result.output, sidecar: result.sidecar ?? null, trace: toJson(result.trace) });
  }

  /** Keeps the stage and progress it reached, to show where it failed. */
  markFailed(id: string, failure: { error: string; trace?: unknown }): Job {
    return this.change(this.sql.failed, TRANSITIONS.markFailed, { id, error: failure.error, trace: toJson(failure.trace) });
  }

  /**
   * running/blocked → queued, keeping its place in line (so it runs again first) and the attempt it
   * used; for emergency stop, shutdown and pause-while-running. The reason shows as the job's error
   * until it runs again. The caller deletes the partial files.
   */
  requeue(id: string, reason: string): Job {
    return this.change(this.sql.requeue, TRANSITIONS.requeue, { id, reason: `interrupted: ${reason}` });
  }

  /**
   * At host start: jobs a dead host left running or blocked go back to the queue (their attempt was
   * counted when they started). Returns them, for the host to delete their partial files.
   */
  recoverInterrupted(): Job[] {
    const rows = this.sql.recover.all({ now: this.now(), reason: 'interrupted: the host stopped while this job ran' });
    return rows.map(rowToJob).sort((a, b) => b.priority - a.priority || a.position - b.position);
  }

  // ── what operators ask ──

  /** queued/blocked → paused. A running job is the host's to interrupt first (requeue, then pause). */
  pause(id: string): Job {
    return this.change(this.sql.pause, TRANSITIONS.pause, { id });
  }

  /** paused → queued, in the place in line it had. */
  resume(id: string): Job {
    return this.change(this.sql.resume, TRANSITIONS.resume, { id });
  }

  /** Ends a job that has not finished; the host aborts running work itself. */
  cancel(id: string): Job {
    return this.change(this.sql.cancel, TRANSITIONS.cancel, { id });
  }

  /** failed/canceled → queued at the end of its band, error and results cleared; attempts are kept. */
  retry(id: string): Job {
    return this.change(this.sql.retry, TRANSITIONS.retry, { id });
  }

  /** A new priority puts the job last in its new band; the same priority changes nothing. */
  setPriority(id: string, priority: number): Job {
    if (!Number.isSafeInteger(priority)) throw new QueueError('invalid', `priority must be a whole number (got ${priority})`, id);
    return this.change(this.sql.setPriority, TRANSITIONS.setPriority, { id, priority });
  }

  /** Reorders a waiting (queued or paused) job within its priority band. At the edge already: unchanged. */
  move(id: string, to: MoveTo): Job {
    return transaction(this.db, () => {
      const job = this.get(id);
      if (!job || !(TRANSITIONS.move.from as readonly JobStatus[]).includes(job.status)) throw refused(id, job?.status, TRANSITIONS.move);
      if (to === 'top') return this.setPosition(id, Number(this.sql.firstPosition.get()?.p ?? 0) - 1);
      if (to === 'bottom') return this.setPosition(id, Number(this.sql.lastPosition.get()?.p ?? 0) + 1);
      const neighbour = (to === 'up' ? this.sql.above : this.sql.below).get({ priority: job.priority, position: job.position });
      if (!neighbour) return job;
      this.setPosition(String(neighbour.id), job.position);
      return this.setPosition(id, Number(neighbour.position));
    });
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  // ── helpers ──

  private now(): number {
    return Math.round(this.clock());
  }

  private setPosition(id: string, position: number): Job {
    return rowToJob(this.sql.setPosition.get({ id, position, now: this.now() })!);
  }

  /** One guarded UPDATE; when its guard refuses, a second look says why (not found, or which status). */
  private change(statement: StatementSync, transition: Transition, params: Record<string, SQLInputValue> & { id: string }): Job {
    const row = statement.get({ ...params, now: this.now() });
    if (row) return rowToJob(row);
    throw refused(params.id, this.get(params.id)?.status, transition);
  }

  private observe(statement: StatementSync, params: Record<string, SQLInputValue> & { id: string }): Job {
    const row = statement.get({ ...params, now: this.now() });
    if (row) return rowToJob(row);
    const job = this.get(params.id);
    if (!job) throw refused(params.id, undefined, TRANSITIONS.report);
    return job;
  }
}

/** Short, random and url-safe: 12 characters of base64url, 72 bits. */
function newJobId(): string {
  return randomBytes(9).toString('base64url');
}

function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
