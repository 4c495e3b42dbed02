/**
 * What a node does with one chunk BullMQ hands it: check it (a Redis message is a boundary), hand it
 * back if this node must not run it, run it in the node's pool under the node's own circuit for the
 * stage, in the attempt's own output folder, watched by the lease watchdog, and say how it ended.
 *
 * How a chunk leaves the node:
 * - an outcome (the processor's return value): done, failed or cancelled. BullMQ stores it only if
 *   the node still holds the chunk's lock, so the coordinator never hears from an attempt that lost it;
 * - handed back to wait (WaitingError): its lock was lost (the ffmpeg is killed first) or the node is
 *   shutting down; if the lock is already gone the stalled check hands it on anyway;
 * - handed back for later (DelayedError, half a second): this node is blocklisted for the chunk's
 *   job and stage, or its circuit for the stage is open. Another node takes it; if none may, the
 *   coordinator takes it back and renders it itself (chunk-dispatcher.ts).
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Job, DelayedError, WaitingError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CircuitManager } from '../breaker/index.ts';
import { isRejection, waitForAdmission } from '../engine/admission.ts';
import { STAGE_CIRCUITS } from '../engine/chunks/shot-estimate.ts';
import { CircuitTimeoutError } from '../breaker/index.ts';
import { StageError, type StageResult, type StageTask } from '../engine/tasks.ts';
import type { WorkerPool } from '../engine/worker-pool.ts';
import { attemptOutput, forAttempt, outsideShared } from './chunk-files.ts';
import { blockEntry, farmKeys } from './farm-keys.ts';
import { type ChunkOutcome, ChunkIdSchema, ChunkJobSchema, type ChunkProgress, firstIssue } from './farm-messages.ts';
import type { FleetProbes } from './fleet-probes.ts';
import type { LeaseWatchdog } from './lease-watchdog.ts';

/** How long a chunk handed back for another node waits before it can be taken again. */
const GIVE_BACK_MS = 500;
/** Progress goes to Redis at most this often per chunk. */
const PROGRESS_EVERY_MS = 250;

/** Why a running chunk is stopped from outside its run. */
export type StopWhy = 'canceled' | 'lost' | 'shutdown' | 'stopped';

export type NodeLogEvent =
  | { type: 'taken'; chunk: string; attempt: number; stage: string; kind: string; output: string }
  | { type: 'ffmpeg'; chunk: string; pid: number }
  | { type: 'done'; chunk: string; attempt: number; output: string; elapsedMs: number }
  | { type: 'failed'; chunk: string; attempt: number; output: string; code: string; message: string }
  | { type: 'stopped'; chunk: string; attempt: number; output: string; why: StopWhy; detail: string }
  | { type: 'gave_back'; chunk: string; why: string };

/** What the processor needs of its node. */
export interface NodeRuntime {
  name: string;
  shared: string;
  pool: Pick<WorkerPool, 'run'>;
  circuits: CircuitManager;
  watchdog: LeaseWatchdog;
  probe: Redis;
  /** The fleet's one half-open probe per circuit. */
  probes: FleetProbes;
  /** The chunks running now, by id: the cancel broadcast and shutdown stop them. */
  running: Map<string, (why: StopWhy, detail: string) => void>;
  log(event: NodeLogEvent): void;
}

type FailureCode = Extract<ChunkOutcome, { ok: false }>['code'];
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function processChunk(job: Job, token: string | undefined, node: NodeRuntime): Promise<ChunkOutcome> {
  const attempt = Math.max(1, job.attemptsStarted);
  const failed = (code: FailureCode, message: string): ChunkOutcome => ({ ok: false, node: node.name, attempt, code, message });
  const id = ChunkIdSchema.safeParse(job.id);
  const data = ChunkJobSchema.safeParse(job.data);
  if (!id.success) return failed('invalid_task', `node ${node.name}: a chunk's id must be a UUID, not ${JSON.stringify(job.id)}`);
  if (!data.success) return failed('invalid_task', `node ${node.name}: not a chunk: ${firstIssue(data.error)}`);
  const chunkId = id.data;
  const { task, job: studioJob, avoid } = data.data;
  const outside = outsideShared(task, node.shared);
  if (outside !== undefined) return failed('invalid_task', `node ${node.name}: ${outside} is outside the shared folder ${node.shared}: every machine must see the chunk's files at the same path`);

  const refusal = await whyNot(node, studioJob, task, avoid);
  if (refusal) return giveBackLater(job, token, chunkId, refusal, node);
  // A half-open circuit (or an open one past its recovery time) runs this chunk as a probe: one per circuit across the fleet.
  const breaker = node.circuits.getBreaker(STAGE_CIRCUITS[task.stage]!);
  const probing = breaker.state === 'half_open' || breaker.state === 'open';
  if (probing && !(await node.probes.acquire(breaker.name, breaker.config.timeoutMs + 1000))) {
    return giveBackLater(job, token, chunkId, `node ${node.name}'s ${breaker.name} is half-open and another holds the fleet's probe`, node);
  }

  const output = task.output;
  const attemptTask = forAttempt(task, chunkId, attempt);
  const controller = new AbortController();
  let stopped: { why: StopWhy; detail: string } | undefined;
  const stop = (why: StopWhy, detail: string) => {
    stopped ??= { why, detail };
    controller.abort(new Error(detail));
  };
  node.running.set(chunkId, stop);
  const unwatch = node.watchdog.watch(chunkId, token ?? '', job.processedOn ?? Date.now(), {
    lost: (why) => stop('lost', `lease lost: ${why}`),
    canceled: () => stop('canceled', 'canceled by the coordinator'),
  });
  const progress = progressRelay(job, node.name, attempt);
  node.log({ type: 'taken', chunk: chunkId, attempt, stage: task.stage, kind: 'kind' in task ? task.kind : 'whole', output });
  const started = performance.now();
  try {
    progress(0, 0, true);
    await mkdir(dirname(attemptTask.output), { recursive: true });
    const result = await runUnderCircuit(node, attemptTask, controller.signal, progress, (pid) => node.log({ type: 'ffmpeg', chunk: chunkId, pid }));
    node.log({ type: 'done', chunk: chunkId, attempt, output, elapsedMs: Math.round(performance.now() - started) });
    return { ok: true, node: node.name, attempt, result };
  } catch (error) {
    await rm(dirname(attemptOutput(output, chunkId, attempt)), { recursive: true, force: true });
    if (stopped) {
      node.log({ type: 'stopped', chunk: chunkId, attempt, output, ...stopped });
      if (stopped.why === 'canceled') return failed('canceled', `node ${node.name}: ${stopped.detail}`);
      // Lost, shutting down or stopped with the fleet: back to wait for another attempt (or, if the lock is gone, for the stalled check to hand on).
      await job.moveToWait(token).catch(() => undefined);
      throw new WaitingError();
    }
    if (isRejection(error)) return giveBackLater(job, token, chunkId, `node ${node.name}'s ${error.circuit} is ${error.reason}`, node);
    const outcome = outcomeOf(error, node.name, attempt);
    node.log({ type: 'failed', chunk: chunkId, attempt, output, code: outcome.ok ? '' : outcome.code, message: outcome.ok ? '' : outcome.message });
    return outcome;
  } finally {
    unwatch();
    node.running.delete(chunkId);
    if (probing) await node.probes.release(breaker.name);
  }
}

/** Why this node must not run the chunk now, if it must not. */
async function whyNot(node: NodeRuntime, studioJob: string, task: StageTask, avoid: string[]): Promise<string | undefined> {
  if (avoid.includes(node.name)) return `node ${node.name} is blocklisted for job ${studioJob}'s ${task.stage} chunks`;
  // Blocklisted since the chunk was queued? (Unanswered, the coordinator's list at queueing time stands.)
  const listed = await node.probe.sismember(farmKeys.blocklist(studioJob), blockEntry(node.name, task.stage)).catch(() => 0);
  if (listed === 1) return `node ${node.name} is blocklisted for job ${studioJob}'s ${task.stage} chunks`;
  const circuit = node.circuits.getBreaker(STAGE_CIRCUITS[task.stage]!);
  const blocked = circuit.peekAdmission();
  if (blocked === 'open' || blocked === 'forced_open') return `node ${node.name}'s ${circuit.name} is ${blocked}`;
  return undefined;
}

async function giveBackLater(job: Job, token: string | undefined, chunkId: string, why: string, node: NodeRuntime): Promise<never> {
  node.log({ type: 'gave_back', chunk: chunkId, why });
  await job.moveToDelayed(Date.now() + GIVE_BACK_MS, token).catch(() => undefined);
  throw new DelayedError();
}

/** One run of the task in the pool, under the node's circuit for its stage: a full circuit is queued for, an open one refuses (the caller hands the chunk back). */
async function runUnderCircuit(node: NodeRuntime, task: StageTask, signal: AbortSignal, onProgress: (percent: number, frames: number) => void, onSpawn: (pid: number) => void): Promise<StageResult> {
  const breaker = node.circuits.getBreaker(STAGE_CIRCUITS[task.stage]!);
  for (;;) {
    const blocked = breaker.peekAdmission();
    if (blocked === 'concurrency_limit' || blocked === 'half_open_full') {
      await waitForAdmission(breaker, blocked, signal);
      continue;
    }
    try {
      return await breaker.execute((ctx) => node.pool.run(task, { signal: ctx.signal, onProgress: (p) => onProgress(p.percent, p.frames), onSpawn }), { signal });
    } catch (error) {
      if (isRejection(error) && (error.reason === 'concurrency_limit' || error.reason === 'half_open_full')) continue;
      throw error;
    }
  }
}

function outcomeOf(error: unknown, node: string, attempt: number): ChunkOutcome {
  if (error instanceof StageError) return { ok: false, node, attempt, code: error.code, message: error.message.slice(0, 8000), ...(error.ffmpegLog ? { ffmpegLog: error.ffmpegLog } : {}) };
  // The node's own circuit cut it short: ffmpeg was killed, as for any failed run, and a retry may help.
  if (error instanceof CircuitTimeoutError) return { ok: false, node, attempt, code: 'ffmpeg_failed', message: `node ${node}: ${describe(error)}` };
  return { ok: false, node, attempt, code: 'worker_crashed', message: `node ${node}: unexpected error: ${describe(error)}` };
}

/** Relays a chunk's progress to Redis, a few times a second at most; each report names the node and attempt. */
function progressRelay(job: Job, node: string, attempt: number): (percent: number, frames: number, force?: boolean) => void {
  let last = -Infinity;
  return (percent, frames, force = false) => {
    const now = performance.now();
    if (!force && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    const report: ChunkProgress = { node, attempt, percent: Math.min(100, Math.max(0, percent)), frames: Math.max(0, Math.floor(frames)) };
    job.updateProgress(report).catch(() => undefined);
  };
}
