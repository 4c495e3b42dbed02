/**
 * Everything that crosses Redis between the coordinator and the nodes, as zod schemas. Redis is a
 * boundary like a worker's IPC channel: each side validates what it reads, whoever wrote it.
 */
import { z } from 'zod';
import { FLEET_PHASES, type FleetLatch, type FleetPhase } from '../engine/fleet.ts';
import { FFMPEG_LOG_RUNS, FfmpegRunLogSchema, STAGE_ERROR_CODES, StageResultSchema, StageTaskSchema } from '../engine/tasks.ts';

/** A node's name: also part of Redis keys and of folder names, so plain characters only. */
export const NodeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a node name is 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit');

/** A chunk's BullMQ job id: a UUID the coordinator makes, so it is also safe in a folder name. */
export const ChunkIdSchema = z.uuid();

/** What the coordinator queues: one stage task, the studio job it belongs to, and who must not run it. */
export const ChunkJobSchema = z.object({
  v: z.literal(1),
  task: StageTaskSchema,
  /** The studio job (blocklists are per job). */
  job: z.string().min(1).max(200),
  /** Nodes blocklisted for this job's chunks of this stage when it was queued: they hand it back. */
  avoid: z.array(NodeNameSchema).max(256),
});
export type ChunkJob = z.infer<typeof ChunkJobSchema>;

/** A node's progress on a chunk; the first report (0 %) says who took it, as each later one does. */
export const ChunkProgressSchema = z.object({
  node: NodeNameSchema,
  attempt: z.number().int().positive(),
  percent: z.number().min(0).max(100),
  frames: z.number().int().nonnegative(),
});
export type ChunkProgress = z.infer<typeof ChunkProgressSchema>;

const FfmpegLog = z.array(FfmpegRunLogSchema).max(FFMPEG_LOG_RUNS);

/**
 * How a chunk ended on a node: BullMQ stores it as the job's return value only if the node still
 * held the chunk's lock at that moment (its completion script checks the token), so a stored
 * outcome is the outcome of the attempt that owned the chunk. `attempt` is BullMQ's count of takes,
 * which names the attempt's own output folder.
 */
export const ChunkOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), node: NodeNameSchema, attempt: z.number().int().positive(), result: StageResultSchema }),
  z.object({
    ok: z.literal(false),
    node: NodeNameSchema,
    attempt: z.number().int().positive(),
    code: z.enum(STAGE_ERROR_CODES),
    message: z.string().max(8000),
    ffmpegLog: FfmpegLog.optional(),
  }),
]);
export type ChunkOutcome = z.infer<typeof ChunkOutcomeSchema>;

/** A live node, as its heartbeat key says (renewed every beat, expiring after three). */
export const NodeHeartbeatSchema = z.object({
  v: z.literal(1),
  name: NodeNameSchema,
  /** This process's own id: a second node started under a taken name is refused. */
  instance: z.string().min(1).max(64),
  host: z.string().max(255),
  pid: z.number().int().positive(),
  workers: z.number().int().min(1).max(64),
  tags: z.array(z.string().max(64)).max(32),
  startedAt: z.number(),
  at: z.number(),
  /** The node's BullMQ timings: how long the coordinator may have to wait for a cancelled chunk to end. */
  lockDurationMs: z.number().int().positive(),
  stalledIntervalMs: z.number().int().positive(),
  /** How often it beats: the coordinator calls it stale after a missed beat (absent from an older node). */
  heartbeatMs: z.number().int().positive().optional(),
  /** Chunks running on the node now. */
  running: z.number().int().nonnegative(),
  /** The node's circuits that are not closed (a node with a stage's circuit open is no candidate for it). */
  circuits: z.record(z.string(), z.string()),
});
export type NodeHeartbeat = z.infer<typeof NodeHeartbeatSchema>;

/** The first issue of a failed parse, as one line naming the field. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
}

/** The latched stop as it lies in Redis and crosses the stop channel (the host's record: engine/fleet.ts). */
export const FleetLatchSchema = z.object({
  v: z.literal(1),
  epoch: z.number().int().nonnegative(),
  phase: z.enum(FLEET_PHASES),
  scope: z.enum(['immediate', 'after_current']),
  reason: z.string().max(500).nullable(),
  at: z.number(),
});
export type FleetLatchMessage = z.infer<typeof FleetLatchSchema>;

/** The latch as the host's seam types it. */
export const toLatch = (m: FleetLatchMessage): FleetLatch => ({ epoch: m.epoch, phase: m.phase, scope: m.scope, reason: m.reason, at: m.at });

/** A node's acknowledgement: the latch it applied. */
export const FleetAckSchema = z.object({ epoch: z.number().int().nonnegative(), phase: z.enum(FLEET_PHASES), at: z.number() });
export type FleetAck = z.infer<typeof FleetAckSchema>;

/** Parses a Redis value as JSON through a schema; undefined when it is not one. */
export function parseStored<T>(schema: z.ZodType<T>, text: string | null | undefined): T | undefined {
  if (text === null || text === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const RANK: Record<FleetPhase, number> = { stopped: 0, reset: 1, running: 2 };
/** Whether latch a is newer than b: a later epoch, or the same epoch further on (stopped → reset → running). */
export function newerLatch(a: { epoch: number; phase: FleetPhase }, b: { epoch: number; phase: FleetPhase } | undefined): boolean {
  if (!b) return true;
  return a.epoch > b.epoch || (a.epoch === b.epoch && RANK[a.phase] > RANK[b.phase]);
}
