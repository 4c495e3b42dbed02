/**
 * The coordinator's side of one farmed chunk: queue it, follow it, accept its outcome once, or
 * cancel it. The chunk's end is heard from BullMQ's event stream and, in case an event is missed
 * (the stream is trimmed, a connection blinks), read back from the job itself every poll.
 *
 * Accepting: BullMQ stored the outcome only if the node held the chunk's lock when it finished
 * (its completion script checks the lock's token), so there is one outcome per chunk, from the
 * attempt that owned it. Its output is in that attempt's own folder, named by the attempt number the
 * outcome carries; only now is it renamed to the chunk's final path, and the chunk's other attempts
 * (a cut-off node's leftovers) removed. A chunk the coordinator cancelled is never accepted.
 *
 * Cancelling: a key the node's watchdog checks with its lock, a broadcast for nodes listening, and
 * the job removed if no node holds it. The call settles when the node reports the cancel, or once a
 * node that is gone or cut off has certainly killed its ffmpeg (its lock expired and the chunk was
 * freed: cancelWaitMs).
 *
 * A waiting chunk that no live node may take any more (they left, or are blocklisted for it) is
 * taken back and answered 'local': the caller renders it itself.
 */
import { randomUUID } from 'node:crypto';
import { Job, type Queue, type QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { NodeFaultError } from '../engine/node-fault.ts';
import { StageError, type StageResult, type StageTask } from '../engine/tasks.ts';
import { canceledBy, type StageRunOptions } from '../engine/worker-lease.ts';
import type { Blocklist } from './blocklist.ts';
import { acceptAttempt, discardAttempts } from './chunk-files.ts';
import { CANCEL_CHANNEL, farmKeys } from './farm-keys.ts';
import { type ChunkJob, type ChunkOutcome, ChunkOutcomeSchema, ChunkProgressSchema, firstIssue } from './farm-messages.ts';
import { cancelWaitMs, type FarmTimings } from './farm-timings.ts';

/** How often every chunk in flight is read back from Redis. */
const POLL_MS = 500;
/** Finished chunks stay readable this long (the coordinator reads each one within a poll). */
const KEEP_FINISHED = { age: 3600, count: 10_000 };
/** Outcomes that say something about the node (a cancel or a bad task says nothing). */
const NODE_FAULTS: ReadonlySet<string> = new Set(['ffmpeg_failed', 'verification_failed', 'stalled', 'worker_crashed']);

export type FarmEvent =
  | { type: 'blocklisted'; node: string; job: string; stage: string }
  | { type: 'stalled'; chunk: string; node: string | undefined }
  | { type: 'taken_back'; chunk: string; why: string };

export interface DispatchOptions extends Pick<StageRunOptions, 'signal' | 'onProgress' | 'onNode'> {
  /** The studio job the chunk is for. */
  job: string;
  /** Nodes blocklisted for it now. */
  avoid: string[];
}

interface Pending {
  id: string;
  task: StageTask;
  options: DispatchOptions;
  /** The highest attempt heard of, and its node. */
  attempt: number;
  node: string | undefined;
  queued: boolean;
  canceledAt: number | undefined;
  settling: boolean;
  resolve: (result: StageResult | 'local') => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

export interface DispatcherParts {
  queue: Queue;
  events: QueueEvents;
  probe: Redis;
  blocklist: Blocklist;
  timings: () => FarmTimings;
  /** Whether some live node may take a chunk of this stage, avoiding these nodes. */
  eligible: (stage: StageTask['stage'], avoid: string[]) => boolean;
  /** Whether a stage's circuit is open on a quorum of the nodes: only then do a node's failures count on the coordinator's circuits. */
  fleetWide: (stage: StageTask['stage']) => boolean;
  onEvent: (event: FarmEvent) => void;
}

export class ChunkDispatcher {
  private readonly parts: DispatcherParts;
  private readonly pending = new Map<string, Pending>();
  private readonly timer: NodeJS.Timeout;

  constructor(parts: DispatcherParts) {
    this.parts = parts;
    const { events } = parts;
    events.on('progress', ({ jobId, data }) => this.progressed(jobId, data));
    events.on('completed', ({ jobId }) => this.pending.has(jobId) && void this.refresh(this.pending.get(jobId)!));
    events.on('failed', ({ jobId }) => this.pending.has(jobId) && void this.refresh(this.pending.get(jobId)!));
    events.on('stalled', ({ jobId }) => {
      const p = this.pending.get(jobId);
      if (p) parts.onEvent({ type: 'stalled', chunk: jobId, node: p.node });
    });
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** Runs the task on the farm: its result, or 'local' when the farm could not take it. */
  dispatch(task: StageTask, options: DispatchOptions): Promise<StageResult | 'local'> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(canceledBy(signal, task.stage, 'before it was queued'));
    return new Promise((resolve, reject) => {
      const onAbort = () => this.cancel(p);
      const p: Pending = { id: randomUUID(), task, options, attempt: 0, node: undefined, queued: false, canceledAt: undefined, settling: false, resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      this.pending.set(p.id, p);
      signal?.addEventListener('abort', onAbort, { once: true });
      const data: ChunkJob = { v: 1, task, job: options.job, avoid: options.avoid };
      this.parts.queue.add('chunk', data, { jobId: p.id, attempts: 1, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED }).then(
        () => (p.queued = true),
        // Redis would not take it: render it here rather than fail the shot.
        () => this.settle(p, () => p.resolve('local')),
      );
    });
  }

  close(): void {
    clearInterval(this.timer);
  }

  private progressed(chunkId: string, data: unknown): void {
    const p = this.pending.get(chunkId);
    const report = ChunkProgressSchema.safeParse(data);
    // A report from an earlier attempt (a node cut off, its messages arriving late) is stale.
    if (!p || !report.success || report.data.attempt < p.attempt) return;
    if (report.data.attempt > p.attempt || report.data.node !== p.node) {
      p.attempt = report.data.attempt;
      p.node = report.data.node;
      p.options.onNode?.(report.data.node);
    }
    p.options.onProgress?.({ percent: report.data.percent, frames: report.data.frames });
  }

  private poll(): void {
    for (const p of this.pending.values()) void this.refresh(p);
  }

  /** Reads the chunk back from Redis and acts on its state. */
  private async refresh(p: Pending): Promise<void> {
    if (p.settling || !p.queued) return;
    const { queue } = this.parts;
    const state = await queue.getJobState(p.id).catch(() => undefined);
    if (p.settling) return;
    if (state === 'completed' || state === 'failed') return this.finished(p);
    if (p.canceledAt !== undefined) {
      // Past the wait, the chunk's node has killed its ffmpeg whatever it heard (even with Redis out of reach).
      const gone = state !== undefined && (await this.takeBack(p));
      if (gone || performance.now() - p.canceledAt > cancelWaitMs(this.parts.timings())) this.settle(p, () => p.reject(canceledBy(p.options.signal!, p.task.stage, 'on the farm')));
      return;
    }
    if (state === undefined) return;
    if (state === 'unknown') {
      this.settle(p, () => p.reject(new StageError('worker_crashed', p.task.stage, `chunk ${p.id} vanished from the farm's queue`)));
      return;
    }
    if ((state === 'waiting' || state === 'delayed' || state === 'prioritized') && !this.parts.eligible(p.task.stage, await this.parts.blocklist.nodes(p.options.job, p.task.stage))) {
      if (await this.takeBack(p)) {
        this.parts.onEvent({ type: 'taken_back', chunk: p.id, why: 'no live node may take it' });
        this.settle(p, () => p.resolve('local'));
      }
    }
  }

  /** Removes the chunk from the queue if no node holds its lock; true if it is gone. */
  private async takeBack(p: Pending): Promise<boolean> {
    const removed = await this.parts.queue.remove(p.id).catch(() => 0);
    return removed === 1;
  }

  private async finished(p: Pending): Promise<void> {
    if (p.settling) return;
    p.settling = true;
    const job = await Job.fromId(this.parts.queue, p.id).catch(() => undefined);
    if (!job) {
      p.settling = false;
      return;
    }
    const { task } = p;
    const final = task.output;
    if (job.returnvalue === null || job.returnvalue === undefined) {
      // BullMQ failed it: stalled too often, or the node's processor threw unexpectedly.
      await discardAttempts(final, p.id);
      return this.end(p, () => p.reject(new StageError('worker_crashed', task.stage, `the farm gave up on chunk ${p.id}: ${job.failedReason || 'no outcome'}`)));
    }
    const parsed = ChunkOutcomeSchema.safeParse(job.returnvalue);
    if (!parsed.success) {
      await discardAttempts(final, p.id);
      return this.end(p, () => p.reject(new StageError('worker_crashed', task.stage, `a node answered chunk ${p.id} with no outcome: ${firstIssue(parsed.error)}`)));
    }
    const outcome = parsed.data;
    if (outcome.node !== p.node) p.options.onNode?.(outcome.node);
    if (p.canceledAt !== undefined) {
      await discardAttempts(final, p.id);
      return this.end(p, () => p.reject(canceledBy(p.options.signal!, task.stage, `on node ${outcome.node}`)));
    }
    if (!outcome.ok) return this.failed(p, outcome);
    try {
      await acceptAttempt(final, p.id, outcome.attempt);
    } catch (error) {
      await discardAttempts(final, p.id);
      const why = error instanceof Error ? error.message : String(error);
      return this.end(p, () => p.reject(new StageError('ffmpeg_failed', task.stage, `node ${outcome.node}'s output of chunk ${p.id} could not be moved into place: ${why}`)));
    }
    this.end(p, () => p.resolve({ ...outcome.result, output: final }));
  }

  private async failed(p: Pending, outcome: Extract<ChunkOutcome, { ok: false }>): Promise<void> {
    const { task, options } = p;
    await discardAttempts(task.output, p.id);
    const nodeFault = NODE_FAULTS.has(outcome.code);
    if (nodeFault) {
      const listed = await this.parts.blocklist.failed(options.job, task.stage, outcome.node).catch(() => false);
      if (listed) this.parts.onEvent({ type: 'blocklisted', node: outcome.node, job: options.job, stage: task.stage });
    }
    const error =
      nodeFault && !this.parts.fleetWide(task.stage)
        ? new NodeFaultError(outcome.node, outcome.code, task.stage, outcome.message, outcome.ffmpegLog)
        : new StageError(outcome.code, task.stage, outcome.message, outcome.ffmpegLog);
    this.end(p, () => p.reject(error));
  }

  private cancel(p: Pending): void {
    if (p.canceledAt !== undefined || p.settling) return;
    p.canceledAt = performance.now();
    const { probe } = this.parts;
    void probe.set(farmKeys.cancel(p.id), '1', 'PX', cancelWaitMs(this.parts.timings()) * 2).catch(() => undefined);
    void probe.publish(CANCEL_CHANNEL, p.id).catch(() => undefined);
    void this.refresh(p);
  }

  private settle(p: Pending, how: () => void): void {
    p.settling = true;
    this.end(p, how);
  }

  private end(p: Pending, how: () => void): void {
    if (!this.pending.delete(p.id)) return;
    p.detach();
    how();
  }
}
