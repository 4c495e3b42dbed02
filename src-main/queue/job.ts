/**
 * A render job as the queue keeps it. Types and constants only, no Node: the contract re-exports
 * them to the window, which compiles without Node's types.
 */
import type { Quality } from '../engine/model.ts';
import type { StageName } from '../engine/tasks.ts';

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
  quality: Quality;
  stage: StageName | null;
  /** 0–100 over the whole shot. */
  progress: number;
  etaSeconds: number | null;
  /** Expected wall seconds of the whole shot, reckoned when it was queued; null for jobs from before estimates. */
  estimateSeconds: number | null;
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
}
