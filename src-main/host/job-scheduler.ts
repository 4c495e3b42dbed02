/**
 * The scheduler: starts queued jobs by priority, then position, then age (the queue's order), as
 * many at once as allowed, and keeps the jobs it started until they end. The circuits pace their
 * stages further; this only decides which jobs are in flight.
 */
import type { Job, StudioEvent } from '../../src-preload/contract.ts';
import type { RenderQueue } from '../queue/render-queue.ts';
import type { DegradationBook } from './degradations.ts';
import { type Interruption, type JobRunnerDeps, RunningJob } from './job-runner.ts';

export interface JobSchedulerDeps {
  queue: RenderQueue;
  engine: JobRunnerDeps['engine'];
  dataDir: string;
  maxRunningJobs: number;
  degradations: DegradationBook;
  /** Whether new work may start now: not while the queue is paused or stopped, nor once closing. */
  mayStart: () => boolean;
  /** Streams a job (decorated with its badge). */
  changed: (job: Job) => void;
  publish: (event: StudioEvent) => void;
}

export class JobScheduler {
  private readonly running = new Map<string, RunningJob>();
  private readonly deps: JobSchedulerDeps;

  constructor(deps: JobSchedulerDeps) {
    this.deps = deps;
  }

  /** Starts what may start; called whenever a slot or a job may have become free. */
  pump(): void {
    const { queue, degradations } = this.deps;
    if (!this.deps.mayStart()) return;
    while (this.running.size < this.deps.maxRunningJobs) {
      const next = queue.nextRunnable();
      if (!next) return;
      const spec = queue.getSpec(next.id);
      const job = queue.markRunning(next.id);
      degradations.clear(job.id); // a new run starts clean
      this.deps.changed(job);
      if (!spec) {
        this.deps.changed(queue.markFailed(next.id, { error: 'the job record has no shot (database damaged?)' }));
        continue;
      }
      const runner = new RunningJob(job, spec, job.quality, {
        engine: this.deps.engine,
        queue,
        dataDir: this.deps.dataDir,
        jobChanged: (j) => this.deps.changed(j),
        publish: (e) => {
          if (e.kind === 'degradation' && e.jobId !== null) degradations.record(e.jobId, { what: e.what, from: e.from, to: e.to, reason: e.reason, at: e.at });
          this.deps.publish(e);
        },
      });
      this.running.set(job.id, runner);
      void runner.done.finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
    }
  }

  /** The running job, if this job is running. */
  runningJob(jobId: string): RunningJob | undefined {
    return this.running.get(jobId);
  }

  runningIds(): string[] {
    return [...this.running.keys()];
  }

  interruptAll(why: Interruption): void {
    for (const job of this.running.values()) job.interrupt(why);
  }

  /** Interrupts every running job and waits until each has ended (back in the queue, partials deleted). */
  async drain(why: Interruption): Promise<void> {
    this.interruptAll(why);
    await Promise.all([...this.running.values()].map((job) => job.done));
  }
}
