/**
 * The contract between a studio client (the renderer, a browser in serve mode, tests) and the Studio
 * host: every command and event, typed, with zod schemas. The one source of truth for Electron IPC,
 * the WebSocket and the renderer. Pure data: nothing here touches Node or Electron.
 */
import { z } from 'zod';
import type { CircuitState, CircuitStats, ConfigSnapshot } from '../src-main/breaker/types.ts';
import { ProjectSchema, QUALITIES, ShotSchema } from '../src-main/engine/model.ts';
import { CHAOS_MODES, STAGES } from '../src-main/engine/tasks.ts';
import type { PipelineTrace } from '../src-main/engine/trace.ts';

export type { CircuitState, CircuitStats, ConfigSnapshot, PipelineTrace };
/** The shot and project schemas, for clients that validate a shot before they send it (the renderer's form). */
export { EASINGS, FORMATS, GENERATORS, INTERPOLATIONS, KeyframeSchema, MOVEMENTS, ProjectSchema, QUALITIES, ShotSchema, TRANSITIONS, describeIssues, formatPath } from '../src-main/engine/model.ts';
export type { ProjectInput } from '../src-main/engine/model.ts';

// ── jobs ───────────────────────────────────────────────────────────────────

export const JOB_STATUSES = ['queued', 'running', 'paused', 'blocked', 'done', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface Job {
  id: string;
  projectName: string;
  shotId: string;
  status: JobStatus;
  /** Higher runs first; ties go by position, then age. */
  priority: number;
  position: number;
  attempts: number;
  quality: (typeof QUALITIES)[number];
  stage: (typeof STAGES)[number] | null;
  /** 0–100 over the whole shot. */
  progress: number;
  etaSeconds: number | null;
  /** Why and until when (epoch ms) a blocked job waits. */
  blockedBy: string | null;
  blockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  output: string | null;
  sidecar: string | null;
  error: string | null;
  /**
   * The latest degradation of the job's last run (a cheaper interpolation, a sequential fan-out), for
   * the queue's badge; null or absent when it ran as asked. The trace in jobDetail has every one.
   */
  degraded?: JobDegradation | null;
}

export interface JobDegradation {
  what: string;
  from: string;
  to: string;
  reason: string;
  at: number;
}

/** What the job detail view shows: the job, what it renders, how the render went, and its output to play. */
export interface JobDetail {
  job: Job;
  /** The shot, summarised; null when its stored record no longer validates. */
  spec: ShotSummary | null;
  /** The pipeline trace, once the job has finished (done or failed); null before. */
  trace: PipelineTrace | null;
  /** Why a stored trace could not be shown, when it could not. */
  traceProblem?: string;
  media: JobMedia | null;
  /** Why a done job has no media to play (its file is gone, say). */
  mediaProblem?: string;
}

export interface ShotSummary {
  shotId: string;
  title: string | null;
  durationS: number;
  fps: number;
  frames: number;
  width: number;
  height: number;
  /** Each keyframe in words: "mandelbrot (seed 6)", "image keys/a.png". */
  keyframes: string[];
  camera: { movement: string; easing: string };
  interpolation: { method: string; sourceFps: number; transition: string; transitionDuration: number };
  format: string;
  quality: (typeof QUALITIES)[number];
}

/** A done job's output, as the window can load it. */
export interface JobMedia {
  kind: 'video' | 'image';
  /** The file inside the job's render folder, '/'-separated (a png sequence: its first frame). */
  file: string;
  mimeType: string;
  /**
   * Where the window loads it from, filled in by the door the command came through: a
   * storycore-media: URL in the desktop app, a same-origin /media/ path in serve mode; null when
   * that door serves no media.
   */
  url: string | null;
}

// ── commands ───────────────────────────────────────────────────────────────

const jobId = z.string({ error: 'jobId must be a string' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'jobId must be a job id from the queue');
const reason = z.string().max(500, 'reason must be at most 500 characters');
const priority = z.number({ error: 'priority must be a number' }).int('priority must be a whole number').min(-100, 'priority must be at least -100').max(100, 'priority must be at most 100');

export const ChaosRuleInputSchema = z
  .object({
    stage: z.enum(STAGES, { error: `stage must be one of ${STAGES.join(', ')}` }),
    mode: z.enum(CHAOS_MODES, { error: `mode must be one of ${CHAOS_MODES.join(', ')}` }),
    times: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const CircuitPatchSchema = z
  .object({
    failureThreshold: z.number().optional(),
    recoveryTimeoutMs: z.number().optional(),
    successThreshold: z.number().optional(),
    timeoutMs: z.number().optional(),
    maxConcurrent: z.number().optional(),
    halfOpenMaxProbes: z.number().optional(),
    abandonAfterMs: z.number().optional(),
  })
  .strict();

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
] as const;

export const CommandSchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({
        type: z.literal('enqueue'),
        /** One of: the built-in demo, a project file on the host, or an inline project (generated keyframes only). */
        demo: z.literal(true).optional(),
        projectPath: z.string().min(1).max(4096).optional(),
        project: ProjectSchema.optional(),
        /** Only these shots of the project; all when left out. */
        shotIds: z.array(ShotSchema.shape.id).min(1, 'shotIds must name at least one shot; leave it out to queue them all').max(500).optional(),
        quality: z.enum(QUALITIES).optional(),
        priority: priority.optional(),
      })
      .strict()
      .refine((c) => [c.demo, c.projectPath, c.project].filter((x) => x !== undefined).length === 1, {
        message: 'enqueue takes exactly one of demo, projectPath or project',
      }),
    z.object({ type: z.literal('cancel'), jobId }).strict(),
    z.object({ type: z.literal('retry'), jobId }).strict(),
    z.object({ type: z.literal('setPriority'), jobId, priority }).strict(),
    z.object({ type: z.literal('move'), jobId, to: z.enum(['top', 'up', 'down', 'bottom'], { error: 'to must be top, up, down or bottom' }) }).strict(),
    z.object({ type: z.literal('pauseJob'), jobId }).strict(),
    z.object({ type: z.literal('resumeJob'), jobId }).strict(),
    z.object({ type: z.literal('pauseQueue') }).strict(),
    z.object({ type: z.literal('resumeQueue') }).strict(),
    z.object({ type: z.literal('emergencyStop'), scope: z.enum(['immediate', 'after_current']).default('immediate'), reason: reason.default('emergency stop') }).strict(),
    z.object({ type: z.literal('reset'), reason: reason.optional() }).strict(),
    z.object({ type: z.literal('resume'), reason: reason.optional() }).strict(),
    z.object({ type: z.literal('configureCircuit'), circuit: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'circuit must be a circuit name'), patch: CircuitPatchSchema }).strict(),
    z.object({ type: z.literal('setChaos'), rules: z.array(ChaosRuleInputSchema).max(3) }).strict(),
    z.object({ type: z.literal('snapshot') }).strict(),
    /** Answers with a JobDetail. */
    z.object({ type: z.literal('jobDetail'), jobId }).strict(),
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
}
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
export type CommandErrorCode = 'invalid' | 'not_found' | 'conflict' | 'unauthorized' | 'internal';

// ── events ─────────────────────────────────────────────────────────────────

export interface AuditEntry {
  id: number;
  at: number;
  /** OS user (desktop, CLI) or token name (serve mode). */
  actor: string;
  action: string;
  reason: string | null;
  detail: Record<string, unknown>;
}

export interface CircuitHistoryEntry {
  at: number;
  circuit: string;
  from: CircuitState;
  to: CircuitState;
  reason: string;
}

export interface QueueState {
  paused: boolean;
  /** Set by an emergency stop until reset; `resume` refuses while it is set. */
  stopped: { at: number; scope: 'immediate' | 'after_current'; reason: string } | null;
}

export interface ResourceSampleView {
  at: number;
  machine: { availablePercent: number; cpuPercent: number | null; cores: number; availableBytes: number; totalBytes: number } | null;
  processes: { pid: number; role: 'host' | 'worker' | 'ffmpeg'; cpuPercent: number | null; rssBytes: number | null; missing?: string }[];
  missing?: string;
}

export interface ChaosRuleView {
  stage: (typeof STAGES)[number];
  mode: (typeof CHAOS_MODES)[number];
  times?: number;
}

export interface Snapshot {
  at: number;
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
}

declare global {
  interface Window {
    studio?: StudioApi;
  }
}
