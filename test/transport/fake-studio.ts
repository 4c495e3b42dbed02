/** A StudioPort for transport tests: records commands, answers from the contract's schema, emits batches on demand. */
import { CommandSchema, type CircuitStats, type CommandReply, type EventBatch, type Job, JOB_STATUSES, type JobStatus } from '../../src-preload/contract.ts';
import type { RetryStats } from '../../src-main/engine/retry-tally.ts';
import type { StudioPort } from '../../src-main/transport/studio-port.ts';

export interface FakeSubscriber {
  listener: (batch: EventBatch) => void;
  isBackedUp: () => boolean;
}

export class FakeStudio implements StudioPort {
  readonly commands: { command: unknown; actor: string }[] = [];
  readonly subscribers = new Set<FakeSubscriber>();
  circuits: () => Record<string, CircuitStats> = () => ({});
  counts: Partial<Record<JobStatus, number>> = {};
  retries: RetryStats = {};
  private seq = 0;

  async execute(command: unknown, actor: string): Promise<CommandReply> {
    this.commands.push({ command, actor });
    const parsed = CommandSchema.safeParse(command);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      return { ok: false, error: { code: 'invalid', message: issue?.message ?? 'invalid command', ...(field ? { field } : {}) } };
    }
    const c = parsed.data;
    if ('jobId' in c && c.jobId === 'missing') return { ok: false, error: { code: 'not_found', message: 'no job missing', field: 'jobId' } };
    if (c.type === 'resume') return { ok: false, error: { code: 'conflict', message: 'the studio is stopped: reset first' } };
    if (c.type === 'retry' && c.jobId === 'explode') throw new Error('a broken promise');
    // Not a real result: these tests check the doors, which pass results through untouched.
    return { ok: true, result: { did: c.type } as unknown as Job };
  }

  subscribe(listener: (batch: EventBatch) => void, options?: { isBackedUp?: () => boolean }): () => void {
    const subscriber = { listener, isBackedUp: options?.isBackedUp ?? (() => false) };
    this.subscribers.add(subscriber);
    listener(this.batch({ snapshot: { at: 0, jobs: [], circuits: {}, queue: { paused: false, stopped: null }, audit: [], history: [], resources: null, chaos: [] } }));
    return () => this.subscribers.delete(subscriber);
  }

  circuitStats(): Record<string, CircuitStats> {
    return this.circuits();
  }

  queueCounts(): Record<JobStatus, number> {
    return Object.fromEntries(JOB_STATUSES.map((s) => [s, this.counts[s] ?? 0])) as Record<JobStatus, number>;
  }

  retryStats(): RetryStats {
    return this.retries;
  }

  /** Sends one batch to every subscriber, as the bus would (without its holding back). */
  emit(extra: Partial<EventBatch> = {}): EventBatch {
    const batch = this.batch(extra);
    for (const s of this.subscribers) s.listener(batch);
    return batch;
  }

  private batch(extra: Partial<EventBatch>): EventBatch {
    return { seq: ++this.seq, at: Date.now(), circuits: {}, jobs: [], events: [], dropped: 0, ...extra };
  }
}
