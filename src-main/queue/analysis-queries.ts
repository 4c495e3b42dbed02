/**
 * Circuit behaviour over days, aggregated in SQL from what the queue already stores: circuit
 * transitions (opens per circuit per day) and finished jobs' pipeline traces (attempts, failures and
 * timeouts per stage per day, and the causes of failed attempts). Every query is bounded: the
 * transitions are read through their `at` index and grouped before they leave SQLite, the traces
 * of at most `maxJobs` finished jobs (newest first, through the status index) are unpacked with
 * json_each, and each result has a row cap. Days are UTC days.
 */
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import type { AnalysisRows, FailureCause } from './analysis-rows.ts';

const DEFAULT_MAX_JOBS = 100;

export interface AnalysisLimits {
  /**
   * Finished jobs whose traces are read; default 100. The query runs on the host's event loop
   * (node:sqlite is synchronous) and json_each parses each whole trace, ffmpeg log tails included:
   * measured here, 5,000 jobs of 30 attempts held the loop ~5 s, 100 jobs ~0.1 s. The answer says
   * when the cap was hit. More history wants a per-attempt summary written as each job finishes.
   */
  maxJobs?: number;
  /** Causes returned; default 10. */
  topCauses?: number;
}

const MAX_GROUP_ROWS = 5_000;
/** Distinct raw error texts read before figures are folded: failures repeat, so this holds far more than 10 causes. */
const MAX_RAW_CAUSES = 500;
const TIMEOUT_LIKE = '%timed out the call%';

const num = (v: SQLOutputValue | undefined): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0);
const str = (v: SQLOutputValue | undefined): string => (typeof v === 'string' ? v : String(v ?? ''));

export class AnalysisQueries {
  private readonly sql;

  constructor(db: DatabaseSync) {
    // The newest finished jobs in the span, by the status index, capped: the traces the other queries unpack.
    const recentJobs = `SELECT finished_at, trace_json FROM jobs
      WHERE status IN ('done', 'failed') AND finished_at >= :since AND trace_json IS NOT NULL
      ORDER BY finished_at DESC LIMIT :maxJobs`;
    const attempts = `SELECT j.finished_at AS finished_at, a.value AS attempt FROM (${recentJobs}) AS j, json_each(j.trace_json, '$.attempts') AS a`;
    this.sql = {
      opens: db.prepare(`SELECT date(at / 1000, 'unixepoch') AS day, circuit,
          sum(to_state = 'open') AS opens, sum(to_state = 'forced_open') AS forced
        FROM circuit_history WHERE at >= :since AND to_state IN ('open', 'forced_open')
        GROUP BY day, circuit ORDER BY day, circuit LIMIT ${MAX_GROUP_ROWS}`),
      historySince: db.prepare('SELECT min(at) AS at FROM circuit_history'),
      jobs: db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM jobs WHERE status IN ('done', 'failed') AND finished_at >= :since AND trace_json IS NOT NULL LIMIT :probe)`),
      stages: db.prepare(`SELECT date(finished_at / 1000, 'unixepoch') AS day, json_extract(attempt, '$.stage') AS stage,
          count(*) AS attempts,
          sum(json_extract(attempt, '$.outcome') = 'failed') AS failed,
          sum(json_extract(attempt, '$.outcome') = 'failed' AND json_extract(attempt, '$.error') LIKE '${TIMEOUT_LIKE}') AS timeouts,
          sum(coalesce(json_extract(attempt, '$.slow'), 0) = 1) AS slow
        FROM (${attempts}) GROUP BY day, stage ORDER BY day, stage LIMIT ${MAX_GROUP_ROWS}`),
      causes: db.prepare(`SELECT json_extract(attempt, '$.stage') AS stage, substr(coalesce(json_extract(attempt, '$.error'), 'no error given'), 1, 240) AS error,
          count(*) AS n, max(finished_at) AS last_at
        FROM (${attempts}) WHERE json_extract(attempt, '$.outcome') = 'failed'
        GROUP BY stage, error ORDER BY n DESC LIMIT ${MAX_RAW_CAUSES}`),
    };
  }

  /** The figures of the span from `since` (epoch ms) to now. */
  read(since: number, limits: AnalysisLimits = {}): AnalysisRows {
    const maxJobs = Math.max(1, Math.floor(limits.maxJobs ?? DEFAULT_MAX_JOBS));
    const jobsInSpan = num(this.sql.jobs.get({ since, probe: maxJobs + 1 })?.n);
    const opens = this.sql.opens.all({ since }).map((r) => ({ day: str(r.day), circuit: str(r.circuit), opens: num(r.opens), forcedOpens: num(r.forced) }));
    const stages = this.sql.stages.all({ since, maxJobs }).map((r) => ({ day: str(r.day), stage: str(r.stage), attempts: num(r.attempts), failed: num(r.failed), timeouts: num(r.timeouts), slow: num(r.slow) }));
    const raw = this.sql.causes.all({ since, maxJobs }).map((r) => ({ stage: str(r.stage), error: str(r.error), count: num(r.n), lastAt: num(r.last_at) }));
    const oldest = this.sql.historySince.get()?.at;
    return {
      opens,
      stages,
      causes: foldCauses(raw, Math.max(1, Math.floor(limits.topCauses ?? 10))),
      historySince: oldest === null || oldest === undefined ? null : num(oldest),
      jobsScanned: Math.min(jobsInSpan, maxJobs),
      jobsCapped: jobsInSpan > maxJobs,
    };
  }
}

/** Error texts that differ only in their figures (a timeout's milliseconds, a pid, a frame number) as one cause; the biggest first. */
export function foldCauses(raw: readonly { stage: string; error: string; count: number; lastAt: number }[], top: number): FailureCause[] {
  const byKey = new Map<string, FailureCause>();
  for (const r of raw) {
    const cause = r.error.replace(/\d+(\.\d+)?/g, '#');
    const key = `${r.stage}\u0000${cause}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.count += r.count;
      seen.lastAt = Math.max(seen.lastAt, r.lastAt);
    } else byKey.set(key, { stage: r.stage, cause, count: r.count, lastAt: r.lastAt });
  }
  return [...byKey.values()].sort((a, b) => b.count - a.count || b.lastAt - a.lastAt).slice(0, top);
}
