/**
 * The coordinator's WorkerLeaser in farm mode: the engine leases "a worker" before each chunk enters
 * its circuit, as it always has; here a lease is a place on the farm, and running on it queues the
 * chunk in BullMQ for the nodes. The farm's places are the live nodes' workers, so a chunk waits
 * for a place here (queueing, not its circuit's time) rather than inside BullMQ, and the engine
 * plans as many lanes as the farm has.
 *
 * This machine's own pool renders: while no node is live (as today); a chunk whose files are not
 * all inside the shared folder; a chunk that every live node is blocklisted for or has its stage's
 * circuit open; and a chunk the farm gave back (chunk-dispatcher.ts).
 */
import { currentJob } from '../engine/job-scope.ts';
import { STAGE_CIRCUITS } from '../engine/chunks/shot-estimate.ts';
import type { StageName, StageResult, StageTask } from '../engine/tasks.ts';
import { type StageRunOptions, type WorkerLease, type WorkerLeaser, canceledBy } from '../engine/worker-lease.ts';
import type { WorkerPool } from '../engine/worker-pool.ts';
import type { Blocklist } from './blocklist.ts';
import type { ChunkDispatcher } from './chunk-dispatcher.ts';
import { outsideShared } from './chunk-files.ts';
import type { NodeHeartbeat } from './farm-messages.ts';
import type { NodeRegistry } from './node-registry.ts';

export interface FarmLeaserParts {
  pool: WorkerPool;
  dispatcher: ChunkDispatcher;
  registry: NodeRegistry;
  blocklist: Blocklist;
  shared: string;
  /** Ends the coordinator's side of the farm (connections, timers). */
  close: () => Promise<void>;
}

interface Waiter {
  resolve: (where: 'farm' | 'local') => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

/** Whether a node may take a chunk of this stage: not blocklisted for it, and its circuit for the stage not open. */
export function mayTake(node: NodeHeartbeat, stage: StageName, avoid: readonly string[]): boolean {
  const state = node.circuits[STAGE_CIRCUITS[stage]!];
  return !avoid.includes(node.name) && state !== 'open' && state !== 'forced_open';
}

export class FarmLeaser implements WorkerLeaser {
  private readonly parts: FarmLeaserParts;
  private readonly waiters: Waiter[] = [];
  private inUse = 0;
  private closed = false;

  constructor(parts: FarmLeaserParts) {
    this.parts = parts;
  }

  /** The farm's places while a node is live, else this machine's workers. */
  get size(): number {
    const capacity = this.parts.registry.capacity();
    return capacity > 0 ? capacity : this.parts.pool.size;
  }

  async lease(signal?: AbortSignal): Promise<WorkerLease> {
    // Read here, in the caller's scope: the job this chunk belongs to.
    const job = currentJob();
    if (this.closed || this.parts.registry.capacity() === 0) return this.parts.pool.lease(signal);
    const where = await this.place(signal);
    return where === 'local' ? this.parts.pool.lease(signal) : this.farmLease(job);
  }

  /** Hands out places to waiters, in order; while no node is live, waiters go to the local pool. */
  pump(): void {
    const capacity = this.closed ? 0 : this.parts.registry.capacity();
    while (this.waiters.length > 0) {
      if (capacity === 0) this.serve('local');
      else if (this.inUse < capacity) {
        this.inUse++;
        this.serve('farm');
      } else break;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pump();
    await this.parts.close();
  }

  private serve(where: 'farm' | 'local'): void {
    const waiter = this.waiters.shift()!;
    waiter.detach();
    waiter.resolve(where);
  }

  private place(signal: AbortSignal | undefined): Promise<'farm' | 'local'> {
    if (signal?.aborted) return Promise.reject(canceledBy(signal, 'unknown', 'while waiting for a place on the farm'));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(canceledBy(signal!, 'unknown', 'while waiting for a place on the farm'));
      };
      const waiter: Waiter = { resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private farmLease(job: string | undefined): WorkerLease {
    let running: Promise<unknown> | undefined;
    let released = false;
    const free = () => {
      this.inUse--;
      this.pump();
    };
    return {
      pid: undefined,
      run: (task, options = {}) => {
        if (released) return Promise.reject(new Error('this lease was released; lease a worker again'));
        const run = this.runOnFarm(task, job ?? `shot:${task.shotId}`, options);
        running = run;
        return run;
      },
      release: () => {
        if (released) return;
        released = true;
        // The place is free once the chunk has really ended on the farm, as a pool worker is.
        if (running) running.then(free, free);
        else free();
      },
    };
  }

  private async runOnFarm(task: StageTask, job: string, options: StageRunOptions): Promise<StageResult> {
    const { pool, dispatcher, registry, blocklist, shared } = this.parts;
    if (outsideShared(task, shared) !== undefined) return pool.run(task, options);
    const avoid = await blocklist.nodes(job, task.stage);
    if (!registry.live().some((node) => mayTake(node, task.stage, avoid))) return pool.run(task, options);
    const result = await dispatcher.dispatch(task, { job, avoid, signal: options.signal, onProgress: options.onProgress, onNode: options.onNode });
    return result === 'local' ? pool.run(task, options) : result;
  }
}

