/**
 * A shot's pipeline trace, kept in its sidecar and in the queue: what ran, how often, what degraded
 * and why, and the tail of each attempt's ffmpeg log. PipelineTraceSchema reads a stored trace back
 * (the queue keeps it as JSON, so it is checked like any input before a screen shows it).
 */
import { z } from 'zod';
import type { ChaosRule } from './chaos.ts';
import { CHAOS_MODES, FfmpegRunLogSchema, STAGES, type FfmpegRunLog, type StageName } from './tasks.ts';

export interface AttemptRecord {
  stage: StageName;
  circuit: string;
  attempt: number;
  detail?: string;
  startedAt: number;
  elapsedMs: number;
  outcome: 'ok' | 'failed';
  /** What the attempt was expected to take (its chunk's cost), when that was reckoned. */
  expectedMs?: number;
  /** It ended ok but slower than expected × the circuit's slowCallFactor: counted slow, not failed. */
  slow?: boolean;
  error?: string;
  chaos?: string;
  /** The log tail of each ffmpeg run of the attempt; absent when the worker reported none (it crashed). */
  ffmpegLog?: FfmpegRunLog[];
  /** The farm node that ran the attempt (the last to take it, when a lost node handed it on); absent: this machine. */
  node?: string;
}

/** A chunk the store could have held: reused from it, rendered (and offered to it), or found corrupt there and redone. */
export interface ChunkRecord {
  stage: StageName;
  detail: string;
  /** The chunk's key, its first 16 hex digits. */
  key: string;
  outcome: 'reused' | 'rendered' | 'corrupt';
  /** Reused: the render time the stored chunk stood for; rendered: its own (the worker's ffmpeg time), ms. */
  workMs?: number;
  /** Rendered: whether the store kept it. */
  stored?: boolean;
  /** Why a corrupt chunk was refused, or why a rendered one was not stored. */
  reason?: string;
}

/** What a shot took from the chunk store and gave it, in counts. */
export interface ReuseSummary {
  /** Whether the store was read (false: --no-reuse, or no store). */
  read: boolean;
  reused: number;
  rendered: number;
  corrupt: number;
  /** Render time the reused chunks stood for, ms. */
  savedMs: number;
}

export interface Degradation {
  stage: StageName;
  from: string;
  to: string;
  reason: string;
  at: number;
}

export class ShotTrace {
  readonly chaos: ChaosRule[];
  readonly attempts: AttemptRecord[] = [];
  readonly degradations: Degradation[] = [];
  fanOut: 'parallel' | 'sequential' = 'parallel';
  interpolation: { requested: string; used: string };
  /** Set when a chunk store is attached: every chunk it could have held (chunk-store/shot-chunks.ts). */
  chunks: ChunkRecord[] | undefined = undefined;
  storeRead = false;

  constructor(chaos: ChaosRule[], requested: string) {
    this.chaos = chaos;
    this.interpolation = { requested, used: requested };
  }

  /** Records an attempt and returns the record, so a log that arrives later can still be added to it. */
  attempt(record: AttemptRecord): AttemptRecord {
    this.attempts.push(record);
    return record;
  }

  /** Wall time spent in each stage's attempts, ms (parallel segments overlap, so this is summed work). */
  stageTimings(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.attempts) out[a.stage] = (out[a.stage] ?? 0) + a.elapsedMs;
    return out;
  }

  /** Summed time of every attempt, ms. */
  attemptMs(): number {
    return this.attempts.reduce((sum, a) => sum + a.elapsedMs, 0);
  }

  reuse(): ReuseSummary | undefined {
    if (!this.chunks) return undefined;
    const count = (outcome: ChunkRecord['outcome']) => this.chunks!.filter((c) => c.outcome === outcome).length;
    const savedMs = this.chunks.reduce((sum, c) => sum + (c.outcome === 'reused' ? (c.workMs ?? 0) : 0), 0);
    return { read: this.storeRead, reused: count('reused'), rendered: count('rendered'), corrupt: count('corrupt'), savedMs };
  }

  toJSON(): PipelineTrace {
    const reuse = this.reuse();
    return {
      chaos: this.chaos,
      fanOut: this.fanOut,
      interpolation: this.interpolation,
      degradations: this.degradations,
      attempts: this.attempts,
      stageTimingsMs: this.stageTimings(),
      ...(reuse ? { reuse, chunks: this.chunks } : {}),
    };
  }
}

const stage = z.enum(STAGES);

/** The trace as stored (sidecar, queue): what toJSON writes. Unknown fields are dropped, not refused, so older and newer builds can read each other's traces. */
export const PipelineTraceSchema = z.object({
  chaos: z.array(z.object({ stage, mode: z.enum(CHAOS_MODES), times: z.number().optional() })),
  fanOut: z.enum(['parallel', 'sequential']),
  interpolation: z.object({ requested: z.string(), used: z.string() }),
  degradations: z.array(z.object({ stage, from: z.string(), to: z.string(), reason: z.string(), at: z.number() })),
  attempts: z.array(
    z.object({
      stage,
      circuit: z.string(),
      attempt: z.number(),
      detail: z.string().optional(),
      startedAt: z.number(),
      elapsedMs: z.number(),
      outcome: z.enum(['ok', 'failed']),
      expectedMs: z.number().optional(),
      slow: z.boolean().optional(),
      error: z.string().optional(),
      chaos: z.string().optional(),
      ffmpegLog: z.array(FfmpegRunLogSchema).optional(),
      node: z.string().optional(),
    }),
  ),
  stageTimingsMs: z.record(z.string(), z.number()),
  /** Absent from traces of renders without a chunk store (and of builds before it). */
  reuse: z.object({ read: z.boolean(), reused: z.number(), rendered: z.number(), corrupt: z.number(), savedMs: z.number() }).optional(),
  chunks: z
    .array(
      z.object({
        stage,
        detail: z.string(),
        key: z.string(),
        outcome: z.enum(['reused', 'rendered', 'corrupt']),
        workMs: z.number().optional(),
        stored: z.boolean().optional(),
        reason: z.string().optional(),
      }),
    )
    .optional(),
});
export type PipelineTrace = z.infer<typeof PipelineTraceSchema>;
