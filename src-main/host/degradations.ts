/**
 * Which jobs degraded in their last run, and how, for the queue's badge. The queue's rows do not
 * hold it, so the host keeps it beside them: filled as degradations happen, cleared when a job runs
 * again, and rebuilt at start from the stored traces of finished jobs (a trace lists them all).
 */
import type { Job } from '../queue/job.ts';
import type { RenderQueue } from '../queue/render-queue.ts';
import type { BadgedJob, JobDegradation } from './job-view.ts';

/** As many finished jobs as a snapshot shows: the badge of an older one is never on screen. */
const SEED_LIMIT = 2000;

export class DegradationBook {
  private readonly latest = new Map<string, JobDegradation>();

  record(jobId: string, degradation: JobDegradation): void {
    this.latest.set(jobId, degradation);
  }

  /** A new run starts clean. */
  clear(jobId: string): void {
    this.latest.delete(jobId);
  }

  /** The job with its badge: the stream and snapshots carry jobs through here. */
  decorate(job: Job): BadgedJob {
    return { ...job, degraded: this.latest.get(job.id) ?? null };
  }

  /** Reads the last degradation of each finished job's stored trace; a trace that will not read is skipped. */
  seed(queue: RenderQueue): void {
    for (const job of queue.list({ statuses: ['done', 'failed'], limit: SEED_LIMIT })) {
      let trace: unknown;
      try {
        trace = queue.getTrace(job.id);
      } catch {
        continue;
      }
      const last = lastDegradation(trace);
      if (last) this.latest.set(job.id, last);
    }
  }
}

/** Only the field the badge needs is read, and checked, from the stored JSON. */
function lastDegradation(trace: unknown): JobDegradation | undefined {
  const list = (trace as { degradations?: unknown } | null | undefined)?.degradations;
  if (!Array.isArray(list)) return undefined;
  const d = list.at(-1) as Record<string, unknown> | undefined;
  if (!d || typeof d.from !== 'string' || typeof d.to !== 'string' || typeof d.reason !== 'string' || typeof d.at !== 'number') return undefined;
  // The trace names the stage; the live event names what degraded: the frame stage's only degradation is its fan-out.
  const what = d.stage === 'frame_processing' ? 'fan_out' : typeof d.stage === 'string' ? d.stage : 'render';
  return { what, from: d.from, to: d.to, reason: d.reason, at: d.at };
}
