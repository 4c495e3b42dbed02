/** What the engine tells its listeners while rendering: progress, waits, retries, degradations. */
import type { ChaosMode, StageName } from './tasks.ts';

export type EngineEvent =
  | { type: 'shot_started'; shotId: string; at: number }
  | { type: 'progress'; shotId: string; stage: StageName; percent: number; shotPercent: number; etaSeconds: number | null; chaos?: ChaosMode }
  | { type: 'stage_started'; shotId: string; stage: StageName; circuit: string; attempt: number; detail?: string; chaos?: ChaosMode }
  | { type: 'stage_finished'; shotId: string; stage: StageName; circuit: string; attempt: number; elapsedMs: number; detail?: string; chaos?: ChaosMode }
  | { type: 'stage_failed'; shotId: string; stage: StageName; circuit: string; attempt: number; error: string; code: string; chaos?: ChaosMode }
  | { type: 'retry'; shotId: string; stage: StageName; attempt: number; delayMs: number; reason: string; chaos?: ChaosMode }
  | { type: 'waiting'; shotId: string; stage: StageName; circuit: string; reason: string; until: number | null }
  | { type: 'degradation'; shotId: string | null; kind: 'interpolation' | 'fan_out' | 'parallelism'; from: string; to: string; reason: string }
  /** A chunk the store could hold: reused from it, rendered (and offered to it), or found corrupt there (it is then rendered). */
  | { type: 'chunk'; shotId: string; stage: StageName; detail: string; outcome: 'reused' | 'rendered' | 'corrupt'; key: string; workMs?: number; stored?: boolean; reason?: string }
  | { type: 'shot_done'; shotId: string; output: string; sidecar: string; elapsedMs: number }
  | { type: 'shot_failed'; shotId: string; error: string; elapsedMs: number };

export type EngineListener = (event: EngineEvent) => void;
