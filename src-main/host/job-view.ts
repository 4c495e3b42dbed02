/**
 * What the host shows of a job besides the queue's row: its degradation badge (degradations.ts)
 * and the job detail view (job-detail.ts). Types only, no Node: the contract re-exports them to the
 * window, which compiles without Node's types.
 */
import type { Quality } from '../engine/model.ts';
import type { PipelineTrace } from '../engine/trace.ts';
import type { Job } from '../queue/job.ts';

export interface JobDegradation {
  what: string;
  from: string;
  to: string;
  reason: string;
  at: number;
}

/** A queue job with its badge: how the stream, snapshots and command results carry a job. */
export interface BadgedJob extends Job {
  /**
   * The latest degradation of the job's last run (a cheaper interpolation, a sequential fan-out), for
   * the queue's badge; null or absent when it ran as asked. The trace in jobDetail has every one.
   */
  degraded?: JobDegradation | null;
  /**
   * While the job runs (and in the update that ends it): the chunks its run took from the chunk
   * store and those it rendered, and the render time the reused ones stood for. Absent in
   * snapshots; the stored trace (jobDetail) has every chunk.
   */
  chunks?: JobChunkCounts;
}

export interface JobChunkCounts {
  reused: number;
  rendered: number;
  /** Stored chunks found corrupt (deleted and rendered again). */
  corrupt: number;
  savedSeconds: number;
}

/** What the job detail view shows: the job, what it renders, how the render went, and its output to play. */
export interface JobDetail {
  job: BadgedJob;
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
  /** Each keyframe in words: "mandelbrot (seed 6)", "image keys/a.png", "picture beach.jpg" (an upload). */
  keyframes: string[];
  camera: { movement: string; easing: string };
  interpolation: { method: string; sourceFps: number; transition: string; transitionDuration: number };
  format: string;
  quality: Quality;
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
