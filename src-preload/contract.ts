/**
 * The contract between a studio client (the renderer, a browser in serve mode, tests) and the Studio
 * host: every command and event, typed, with zod schemas. The one source of truth for Electron IPC,
 * the WebSocket and the renderer. Pure data: nothing here touches Node or Electron.
 */
import { z } from 'zod';
import { ConfigPatchSchema } from '../src-main/breaker/config.ts';
import type { CircuitState, CircuitStats, ConfigSnapshot } from '../src-main/breaker/types.ts';
import { type ChaosRule, ChaosRuleSchema } from '../src-main/engine/chaos.ts';
import { ProjectSchema, QUALITIES, ShotSchema } from '../src-main/engine/model.ts';
import type { ResourceSample } from '../src-main/engine/resource-sample.ts';
import type { PipelineTrace } from '../src-main/engine/trace.ts';
import type { ShotEstimate } from '../src-main/engine/chunks/shot-estimate.ts';
import type { ThroughputFigure } from '../src-main/engine/chunks/throughput-learner.ts';
import type { ChunkStoreView } from '../src-main/engine/chunk-store/store-limit.ts';
import { ChunkStoreLimitSchema } from '../src-main/engine/chunk-store/store-limit.ts';
import { STAGES } from '../src-main/engine/tasks.ts';
import type { FleetView } from '../src-main/engine/fleet.ts';
import type { BadgedJob, JobDetail } from '../src-main/host/job-view.ts';
import type { CircuitAnalysis } from '../src-main/host/analysis.ts';
import type { AuditEntry, CircuitHistoryEntry } from '../src-main/queue/journal-entries.ts';
import type { NodesView } from '../src-main/engine/nodes-view.ts';
import type { QueueErrorCode } from '../src-main/queue/queue-error.ts';

// Each type is defined in the room that makes it (breaker, engine, queue, host); the contract gathers
// them, adds the wire's own (commands, replies, batches) and is the one place clients import from.
export type { CircuitState, CircuitStats, ConfigSnapshot, PipelineTrace };
/** The render farm's fleet, as the `fleet` command answers it. */
export type { FleetAckReport, FleetLatch, FleetNodeView, FleetOpenCircuit, FleetPhase, FleetView } from '../src-main/engine/fleet.ts';
/** The shot and project schemas, for clients that validate a shot before they send it (the renderer's form). */
export { EASINGS, FORMATS, GENERATORS, INTERPOLATIONS, KeyframeSchema, MOVEMENTS, ProjectSchema, QUALITIES, ShotSchema, TRANSITIONS, describeIssues, formatPath } from '../src-main/engine/model.ts';
export type { ProjectInput, Shot } from '../src-main/engine/model.ts';
export { cameraPath } from '../src-main/engine/shot-timeline.ts';
export { smallSourceWarning } from '../src-main/engine/source-size.ts';
/** A shot's expected render time, per stage, and a refusal when a stage cannot fit its circuit. */
export type { ShotEstimate, ShotRefusal, StageEstimate } from '../src-main/engine/chunks/shot-estimate.ts';
export { formatEstimate } from '../src-main/engine/chunks/shot-estimate.ts';

// ── jobs ───────────────────────────────────────────────────────────────────

export { JOB_STATUSES, type JobStatus } from '../src-main/queue/job.ts';
/** A job as the window gets it: the queue's job with the host's degradation badge. */
export type Job = BadgedJob;
export type { CircuitAnalysis } from '../src-main/host/analysis.ts';
export type { JobDegradation, JobDetail, JobMedia, ShotSummary } from '../src-main/host/job-view.ts';
/** The render farm's nodes (or that this machine renders alone): what the `nodes` command answers. */
export type { FleetNode, FleetNodeState, FleetQueueCounts, NodesView } from '../src-main/engine/nodes-view.ts';
export { EMBEDDED_MESSAGE, FLEET_NODE_STATES } from '../src-main/engine/nodes-view.ts';

// ── commands ───────────────────────────────────────────────────────────────

const jobId = z.string({ error: 'jobId must be a string' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'jobId must be a job id from the queue');
const reason = z.string().max(500, 'reason must be at most 500 characters');
const stopEpoch = z.number({ error: 'epoch must be a stop number' }).int('epoch must be a whole number').nonnegative('epoch must not be negative');
const priority = z.number({ error: 'priority must be a number' }).int('priority must be a whole number').min(-100, 'priority must be at least -100').max(100, 'priority must be at most 100');

export const COMMAND_TYPES = [
  'enqueue',
  'cancel',
  'retry',
  'setPriority',
  'move',
  'pauseJob',
  'resumeJob',
  'pauseQueue',
  'resumeQueue',
  'emergencyStop',
  'reset',
  'resume',
  'configureCircuit',
  'setChaos',
  'snapshot',
  'jobDetail',
  'estimate',
  'pinThroughput',
  'analysis',
  'chunkStore',
  'clearChunkStore',
  'setChunkStoreLimit',
  'nodes',
  'fleet',
] as const;

/** Which shots of which project: the built-in demo, a project file on the host, or an inline project (generated keyframes only). */
const shotsOf = {
  demo: z.literal(true).optional(),
  projectPath: z.string().min(1).max(4096).optional(),
  project: ProjectSchema.optional(),
  /** Only these shots of the project; all when left out. */
  shotIds: z.array(ShotSchema.shape.id).min(1, 'shotIds must name at least one shot; leave it out to take them all').max(500).optional(),
  quality: z.enum(QUALITIES).optional(),
};
const oneProject = (type: string) => [
  (c: { demo?: unknown; projectPath?: unknown; project?: unknown }) => [c.demo, c.projectPath, c.project].filter((x) => x !== undefined).length === 1,
  { message: `${type} takes exactly one of demo, projectPath or project` },
] as const;
/** A throughput figure's key: the stage, its method (interpolation method, export format, 'zoompan'), the quality. */
const throughputKey = z
  .object({
    stage: z.enum(STAGES, { error: `stage must be one of: ${STAGES.join(', ')}` }),
    method: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'method must be an interpolation method, an export format or zoompan'),
    quality: z.enum(QUALITIES, { error: `quality must be one of: ${QUALITIES.join(', ')}` }),
  })
  .strict();

export const CommandSchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({ type: z.literal('enqueue'), ...shotsOf, priority: priority.optional() })
      .strict()
      .refine(...oneProject('enqueue')),
    /** The shots' estimates as enqueue would reckon them; queues nothing. */
    z
      .object({ type: z.literal('estimate'), ...shotsOf })
      .strict()
      .refine(...oneProject('estimate')),
    /** Fixes a throughput figure (seconds per megapixel-frame) for estimates and deadlines, or unpins it with null. */
    z
      .object({
        type: z.literal('pinThroughput'),
        key: throughputKey,
        secondsPerMpf: z.number({ error: 'secondsPerMpf must be a number or null' }).positive('secondsPerMpf must be more than 0').max(1000, 'secondsPerMpf must be at most 1000').nullable(),
        reason: reason.optional(),
      })
      .strict(),
    z.object({ type: z.literal('cancel'), jobId }).strict(),
    z.object({ type: z.literal('retry'), jobId }).strict(),
    z.object({ type: z.literal('setPriority'), jobId, priority }).strict(),
    z.object({ type: z.literal('move'), jobId, to: z.enum(['top', 'up', 'down', 'bottom'], { error: 'to must be top, up, down or bottom' }) }).strict(),
    z.object({ type: z.literal('pauseJob'), jobId }).strict(),
    z.object({ type: z.literal('resumeJob'), jobId }).strict(),
    z.object({ type: z.literal('pauseQueue') }).strict(),
    z.object({ type: z.literal('resumeQueue') }).strict(),
    z.object({ type: z.literal('emergencyStop'), scope: z.enum(['immediate', 'after_current']).default('immediate'), reason: reason.default('emergency stop') }).strict(),
    /** `epoch`: the stop this answers (FleetView's stop.epoch); a stale one is refused. */
    z.object({ type: z.literal('reset'), reason: reason.optional(), epoch: stopEpoch.optional() }).strict(),
    z.object({ type: z.literal('resume'), reason: reason.optional(), epoch: stopEpoch.optional() }).strict(),
    z.object({ type: z.literal('configureCircuit'), circuit: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'circuit must be a circuit name'), patch: ConfigPatchSchema }).strict(),
    z.object({ type: z.literal('setChaos'), rules: z.array(ChaosRuleSchema).max(3) }).strict(),
    z.object({ type: z.literal('snapshot') }).strict(),
    /** Answers with a JobDetail. */
    z.object({ type: z.literal('jobDetail'), jobId }).strict(),
    /** Circuit behaviour over the last `days` UTC days from the stored history; answers with a CircuitAnalysis. */
    /** The render farm's nodes: live, stale or gone, with their circuits in trouble and blocklists; in embedded mode, says so. */
    z.object({ type: z.literal('nodes') }).strict(),
    /** The render farm's nodes, their circuits, what is open fleet-wide and the stop's acknowledgements; null without a farm. */
    z.object({ type: z.literal('fleet') }).strict(),
    z.object({ type: z.literal('analysis'), days: z.number({ error: 'days must be a whole number from 1 to 90' }).int('days must be a whole number from 1 to 90').min(1, 'days must be at least 1').max(90, 'days must be at most 90') }).strict(),
    /** The chunk store's space used, entries and limit; answers with a ChunkStoreView. */
    z.object({ type: z.literal('chunkStore') }).strict(),
    /** Deletes every stored chunk no queued, paused or running job holds; audited. */
    z.object({ type: z.literal('clearChunkStore'), reason: reason.optional() }).strict(),
    /** The chunk store's size limit in bytes (null: the default, 20 GiB or half the free disk); audited, applied at once. */
    z
      .object({
        type: z.literal('setChunkStoreLimit'),
        limitBytes: ChunkStoreLimitSchema.nullable(),
        reason: reason.optional(),
      })
      .strict(),
  ],
  { error: (issue): string | undefined => (issue.code === 'invalid_union' ? `unknown command type; known: ${COMMAND_TYPES.join(', ')}` : undefined) },
);
export type Command = z.input<typeof CommandSchema>;
export type ParsedCommand = z.output<typeof CommandSchema>;
export type CommandType = Command['type'];
/** Every command type must be listed in COMMAND_TYPES, and nothing else. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const commandTypesComplete: Same<(typeof COMMAND_TYPES)[number], CommandType> = true;
void commandTypesComplete;

/** What each command answers with when it succeeds: `send` returns the result of the command it was given. */
export interface CommandResults {
  enqueue: Job[];
  cancel: Job;
  retry: Job;
  setPriority: Job;
  move: Job;
  pauseJob: Job;
  resumeJob: Job;
  pauseQueue: QueueState;
  resumeQueue: QueueState;
  emergencyStop: QueueState;
  reset: QueueState;
  resume: QueueState;
  configureCircuit: CircuitStats;
  setChaos: ChaosRuleView[];
  snapshot: Snapshot;
  jobDetail: JobDetail;
  estimate: ShotEstimate[];
  pinThroughput: ThroughputFigureView;
  analysis: CircuitAnalysis;
  chunkStore: ChunkStoreView;
  clearChunkStore: ChunkStoreView & { removedEntries: number; removedBytes: number };
  setChunkStoreLimit: ChunkStoreView;
  nodes: NodesView;
  fleet: FleetView | null;
}

export type { ChunkStoreView };

/** A throughput figure now in force, with its key: what pinThroughput answers. */
export type ThroughputFigureView = ThroughputFigure & { key: string };
/** Every command type has its result type, and nothing else. */
const commandResultsComplete: Same<keyof CommandResults, CommandType> = true;
void commandResultsComplete;

export interface CommandFailure {
  code: CommandErrorCode;
  message: string;
  field?: string;
}
/** What a command answers: ok with its result, or an error naming the field and the fix. */
export type CommandReply<T extends CommandType = CommandType> = { ok: true; result: CommandResults[T] } | { ok: false; error: CommandFailure };
/** The queue's refusals, and the doors' own. */
export type CommandErrorCode = QueueErrorCode | 'unauthorized' | 'internal';

// ── events ─────────────────────────────────────────────────────────────────

export type { AuditEntry, CircuitHistoryEntry };

export interface QueueState {
  paused: boolean;
  /** Set by an emergency stop until reset; `resume` refuses while it is set. */
  stopped: { at: number; scope: 'immediate' | 'after_current'; reason: string } | null;
}

/** One resource sample, as the monitor takes it. */
export type ResourceSampleView = ResourceSample;

/** A drill's rule, as the engine takes it. */
export type ChaosRuleView = ChaosRule;

export interface Snapshot {
  at: number;
  /** Epoch ms the host started: what the window knows nothing about before (absent from an older host). */
  hostStartedAt?: number;
  jobs: Job[];
  circuits: Record<string, CircuitStats>;
  queue: QueueState;
  audit: AuditEntry[];
  history: CircuitHistoryEntry[];
  resources: ResourceSampleView | null;
  chaos: ChaosRuleView[];
}

/** Discrete things that happened; state (jobs, circuit stats) travels as latest values instead. */
export type StudioEvent =
  | { kind: 'circuit_transition'; entry: CircuitHistoryEntry }
  | { kind: 'circuit_config'; circuit: string; from: ConfigSnapshot; to: ConfigSnapshot; at: number }
  | { kind: 'degradation'; jobId: string | null; shotId: string | null; what: string; from: string; to: string; reason: string; at: number }
  | { kind: 'audit'; entry: AuditEntry }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; jobId: string | null; message: string; at: number };

/**
 * What a subscriber receives, at most ~20 times a second: the latest state of every circuit and job
 * that changed since the last batch, the discrete events in order, and, when the subscriber fell
 * behind (or just joined), a full snapshot instead of a backlog.
 */
export interface EventBatch {
  seq: number;
  at: number;
  snapshot?: Snapshot;
  circuits: Record<string, CircuitStats>;
  jobs: Job[];
  queue?: QueueState;
  resources?: ResourceSampleView;
  events: StudioEvent[];
  /** Discrete events dropped because this subscriber fell behind; the snapshot covers the state. */
  dropped: number;
}

// ── the wire (WebSocket and IPC share these envelopes) ─────────────────────

export const ClientMessageSchema = z
  .object({
    id: z.number({ error: 'id must be a number' }).int('id must be a whole number').nonnegative('id must not be negative'),
    command: z.unknown(),
  })
  .strict();
export type ClientMessage = { id: number; command: Command };

export type ServerMessage = ({ type: 'reply'; id: number | null } & CommandReply) | { type: 'batch'; batch: EventBatch } | { type: 'hello'; version: number; actor: string };

export const PROTOCOL_VERSION = 1;

/** What `window.studio` offers the renderer, in the desktop app and in a browser alike. */
export interface StudioApi {
  readonly appName: string;
  readonly host: 'electron' | 'browser';
  send<C extends Command>(command: C): Promise<CommandReply<C['type']>>;
  /** Receives every batch; returns the unsubscribe function. */
  subscribe(listener: (batch: EventBatch) => void): () => void;
  /** Desktop only: the circuit whose notification the user clicked, to bring into view; returns the unsubscribe function. */
  onFocusCircuit?(listener: (circuit: string) => void): () => void;
  /** Desktop only: the native open dialog; each picked picture checked and kept by the host, or refused with why. */
  pickImages?(): Promise<PickedPicture[]>;
}

/** A picture the studio keeps (uploaded, or picked in the desktop's dialog): what a keyframe names as "asset:<id>". */
export interface UploadedPicture {
  id: string;
  name: string;
  width: number;
  height: number;
  hasAlpha: boolean;
  /** A small JPEG for the form: a serve-mode URL, or a data: URL on the desktop. */
  thumbnailUrl: string;
}
export type PickedPicture = UploadedPicture | { name: string; problem: string };

declare global {
  interface Window {
    studio?: StudioApi;
  }
}
