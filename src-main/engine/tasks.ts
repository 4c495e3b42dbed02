/**
 * Stage tasks: what the host sends a worker, and what comes back. Both sides validate with these
 * schemas, since they cross a process boundary. Paths in tasks are absolute and were checked by the
 * host (inside the project folder for inputs, inside the run's output folder for outputs).
 */
import { z } from 'zod';
import { EASINGS, FORMATS, GENERATORS, INTERPOLATIONS, QUALITIES, TRANSITIONS } from './model.ts';

export const STAGES = ['frame_processing', 'interpolation', 'export'] as const;
export type StageName = (typeof STAGES)[number];
export const CHAOS_MODES = ['fail', 'hang', 'crash', 'slow'] as const;
export type ChaosMode = (typeof CHAOS_MODES)[number];

const Position = z.object({ x: z.number(), y: z.number(), zoom: z.number() });
const Size = { width: z.number().int().positive(), height: z.number().int().positive() };
const Chaos = z.object({ mode: z.enum(CHAOS_MODES) }).optional();

/** The bounds of a task's stall window, ms: under a second is jitter, over ten minutes is no watchdog at all. */
export const STALL_MS_MIN = 1000;
export const STALL_MS_MAX = 600_000;
/**
 * The stall window a worker applies when a task names none: how long an ffmpeg may go without a
 * new output frame before it is killed as hung. The slowest honest frame here (1080p final-quality
 * zoompan supersampling, or minterpolate at 1920×1080) takes ~0.6 s, and an encoder's drain after
 * the last frame (x264 slow, vp9 good, 1080p) ~3 s, so 20 s never kills honest work on a loaded
 * machine, yet ends a hang long before a stage's deadline (minutes, for long work).
 */
export const DEFAULT_STALL_MS = 20_000;
/** How long a task's ffmpeg may go without a new output frame (see DEFAULT_STALL_MS, applied when absent). */
const StallMs = z.number().min(STALL_MS_MIN).max(STALL_MS_MAX).optional();

export const FrameTaskSchema = z.object({
  stage: z.literal('frame_processing'),
  shotId: z.string(),
  segment: z.number().int().nonnegative(),
  keyframe: z.union([z.object({ image: z.string() }), z.object({ generator: z.enum(GENERATORS), seed: z.number().int(), color: z.string().optional() })]),
  ...Size,
  fps: z.number().int().positive(),
  frames: z.number().int().positive(),
  camera: z.object({ from: Position, to: Position, easing: z.enum(EASINGS), t0: z.number(), t1: z.number() }),
  /**
   * A chunk of a long segment: its `frames` are the segment's frames [offset, offset + frames) of
   * `segmentFrames`, so that the camera move and a moving generator go on where the previous chunk stopped.
   */
  range: z.object({ offset: z.number().int().nonnegative(), segmentFrames: z.number().int().min(2) }).optional(),
  /** What a picture's transparent areas become (the shot's background; black when unset). */
  background: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
  quality: z.enum(QUALITIES),
  output: z.string(),
  chaos: Chaos,
  stallMs: StallMs,
});

/**
 * A keyframe generator that does not change over time (mandelbrot, held still), rendered once to a
 * picture before the segment's chunks: each chunk then zooms over that picture. Rendered in every
 * chunk instead, its first frame (about 3 s at 1080p here; the generator reuses its previous frame
 * after that) was paid once per chunk: 29 of the long shot's 35 CPU-seconds of frame processing.
 */
export const StillTaskSchema = z.object({
  stage: z.literal('frame_processing'),
  kind: z.literal('still'),
  shotId: z.string(),
  segment: z.number().int().nonnegative(),
  keyframe: z.object({ generator: z.enum(GENERATORS), seed: z.number().int(), color: z.string().optional() }),
  ...Size,
  /** A lossless picture (.png). */
  output: z.string(),
  chaos: Chaos,
  stallMs: StallMs,
});

export const InterpolationTaskSchema = z.object({
  stage: z.literal('interpolation'),
  shotId: z.string(),
  inputs: z.array(z.string()).min(1),
  /** Duration in seconds of each input segment (all equal), for transition offsets. */
  segmentDuration: z.number().positive(),
  sourceFps: z.number().int().positive(),
  fps: z.number().int().positive(),
  frames: z.number().int().positive(),
  method: z.enum(INTERPOLATIONS),
  transition: z.enum(TRANSITIONS),
  overlap: z.number().nonnegative(),
  ...Size,
  quality: z.enum(QUALITIES),
  output: z.string(),
  chaos: Chaos,
  stallMs: StallMs,
});

export const ExportTaskSchema = z.object({
  stage: z.literal('export'),
  shotId: z.string(),
  input: z.string(),
  format: z.enum(FORMATS),
  ...Size,
  fps: z.number().int().positive(),
  frames: z.number().int().positive(),
  quality: z.enum(QUALITIES),
  /** Final path (a file, or a folder for png_sequence); written under a temporary name first. */
  output: z.string(),
  /**
   * A chunked export: the encoded chunks (ExportChunkTask outputs, in order), joined here without
   * re-encoding instead of encoding `input`, then verified and measured against `input` as a whole.
   */
  chunks: z.array(z.string()).min(2).optional(),
  chaos: Chaos,
  stallMs: StallMs,
});

/** One chunk of a chunked export: frames [start, end) of the intermediate, its own encode (a closed GOP at its start). */
export const ExportChunkTaskSchema = z.object({
  stage: z.literal('export'),
  kind: z.literal('encode_chunk'),
  shotId: z.string(),
  index: z.number().int().nonnegative(),
  input: z.string(),
  format: z.enum(['mp4', 'webm', 'mov']),
  fps: z.number().int().positive(),
  quality: z.enum(QUALITIES),
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  output: z.string(),
  chaos: Chaos,
  stallMs: StallMs,
});

/**
 * A chunked interpolation's first task: the shot's segments joined by the stage's own graph into one
 * lossless source at the source rate, timestamps kept (chunks/join-source.ts). The task carries the
 * whole-stage task's fields, since the join is that stage's graph without its retime.
 */
export const InterpolationJoinTaskSchema = InterpolationTaskSchema.extend({ kind: z.literal('join') });

const Frame = z.number().int().nonnegative();

/** One chunk of a chunked interpolation: output frames [start, end), read from the joined source (chunks/interpolation-chunk.ts). */
export const InterpolationChunkTaskSchema = z.object({
  stage: z.literal('interpolation'),
  kind: z.literal('chunk'),
  shotId: z.string(),
  index: Frame,
  source: z.string(),
  grid: z.object({ sourceFps: z.number().int().positive(), fps: z.number().int().positive(), sourceFrames: z.number().int().positive() }),
  method: z.enum(INTERPOLATIONS),
  quality: z.enum(QUALITIES),
  start: Frame,
  end: z.number().int().positive(),
  span: z.object({ start: Frame, end: z.number().int().positive(), firstOutput: Frame }),
  retimeTimeBase: z.number().int().positive(),
  output: z.string(),
  chaos: Chaos,
  stallMs: StallMs,
});

/** Chunk files joined into one without re-encoding (the concat demuxer, -c copy). */
export const ConcatTaskSchema = z.object({
  stage: z.enum(STAGES),
  kind: z.literal('concat'),
  shotId: z.string(),
  inputs: z.array(z.string()).min(1),
  container: z.enum(['mp4', 'webm', 'mov', 'mkv']),
  /** Frames the joined file must hold. */
  frames: z.number().int().positive(),
  output: z.string(),
  chaos: Chaos,
  stallMs: StallMs,
});

/** Every task a worker runs. Those with a `kind` come first: a whole-stage schema would take them and drop the kind. */
export const StageTaskSchema = z.union([
  StillTaskSchema,
  InterpolationJoinTaskSchema,
  InterpolationChunkTaskSchema,
  ExportChunkTaskSchema,
  ConcatTaskSchema,
  FrameTaskSchema,
  InterpolationTaskSchema,
  ExportTaskSchema,
]);
export type FrameTask = z.infer<typeof FrameTaskSchema>;
export type StillTask = z.infer<typeof StillTaskSchema>;
export type InterpolationJoinTask = z.infer<typeof InterpolationJoinTaskSchema>;
export type InterpolationChunkTask = z.infer<typeof InterpolationChunkTaskSchema>;
export type ConcatTask = z.infer<typeof ConcatTaskSchema>;
export type ExportChunkTask = z.infer<typeof ExportChunkTaskSchema>;
export type InterpolationTask = z.infer<typeof InterpolationTaskSchema>;
export type ExportTask = z.infer<typeof ExportTaskSchema>;
export type StageTask = z.infer<typeof StageTaskSchema>;

/** What ffprobe said of an export, and how it compares with the shot. */
export const VerificationSchema = z.object({
  codec: z.string(),
  width: z.number(),
  height: z.number(),
  fps: z.number(),
  frames: z.number(),
  duration: z.number(),
});
export type Verification = z.infer<typeof VerificationSchema>;

export const QualitySchema = z.object({
  /** What was compared with what, in words. */
  compared: z.string(),
  ssim: z.number().nullable(),
  psnr: z.number().nullable(),
});
export type QualityMeasurement = z.infer<typeof QualitySchema>;

/** How much of each ffmpeg run's stderr a trace keeps: enough to see why, small enough to store per attempt. */
export const FFMPEG_LOG_LINES = 20;
export const FFMPEG_LOG_LINE_MAX = 400;
/** Lines of ffmpeg's or ffprobe's stderr that a failed run's error message ends with. */
export const ERROR_TAIL_LINES = 15;
/** Most ffmpeg runs one task reports (an export runs two: the encode and the quality measurement). */
export const FFMPEG_LOG_RUNS = 8;

/** One ffmpeg run's log tail: which step of the stage it was, and its last non-progress stderr lines. */
export const FfmpegRunLogSchema = z.object({
  step: z.string().max(40),
  lines: z.array(z.string().max(FFMPEG_LOG_LINE_MAX)).max(FFMPEG_LOG_LINES),
});
export type FfmpegRunLog = z.infer<typeof FfmpegRunLogSchema>;
const FfmpegLogSchema = z.array(FfmpegRunLogSchema).max(FFMPEG_LOG_RUNS);

export const StageResultSchema = z.object({
  output: z.string(),
  /** ffmpeg wall time inside the worker, ms. */
  elapsedMs: z.number(),
  /** The export's parts, ms: its encode, its ffprobe verification and its SSIM/PSNR measurement. */
  timingsMs: z.object({ encode: z.number(), verify: z.number(), quality: z.number() }).optional(),
  verification: VerificationSchema.optional(),
  quality: QualitySchema.optional(),
  /** The log tail of every ffmpeg run of the task, in order. */
  ffmpegLog: FfmpegLogSchema.optional(),
});
export type StageResult = z.infer<typeof StageResultSchema>;

/**
 * Why a stage failed, as a code, so that retry and circuit decisions never read message text.
 * - ffmpeg_failed: ffmpeg exited non-zero (message carries the tail of its stderr)
 * - verification_failed: the output exists but ffprobe disagrees with the shot
 * - worker_crashed: the worker process died or stopped answering
 * - stalled: ffmpeg produced no new frame for the task's stall window and was killed as hung
 * - canceled: aborted on request (timeout, emergency stop, caller)
 * - invalid_task: the task itself is wrong; retrying cannot help
 */
export const STAGE_ERROR_CODES = ['ffmpeg_failed', 'verification_failed', 'worker_crashed', 'stalled', 'canceled', 'invalid_task'] as const;
export type StageErrorCode = (typeof STAGE_ERROR_CODES)[number];

/** A stage's name, or 'unknown' for work not yet tied to one (a lease, a filter value, a probe). */
export type StageLabel = StageName | 'unknown';

export class StageError extends Error {
  readonly code: StageErrorCode;
  readonly stage: StageLabel;
  /** The log tail of the task's ffmpeg runs, when the worker reported them (a crashed worker reports none). */
  readonly ffmpegLog: FfmpegRunLog[] | undefined;
  constructor(code: StageErrorCode, stage: StageLabel, message: string, ffmpegLog?: FfmpegRunLog[]) {
    super(message);
    this.name = 'StageError';
    this.code = code;
    this.stage = stage;
    this.ffmpegLog = ffmpegLog;
  }
  get retryable(): boolean {
    return this.code !== 'invalid_task' && this.code !== 'canceled';
  }
}

/** Host → worker. */
export const ToWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), seq: z.number().int().nonnegative() }),
  z.object({ type: z.literal('run'), id: z.number().int().nonnegative(), task: StageTaskSchema }),
  z.object({ type: z.literal('cancel'), id: z.number().int().nonnegative() }),
  z.object({ type: z.literal('shutdown') }),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

/** Worker → host. */
export const FromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('pong'), seq: z.number().int(), pid: z.number().int(), rss: z.number(), heapUsed: z.number(), channel: z.string() }),
  z.object({ type: z.literal('spawned'), id: z.number().int(), pid: z.number().int() }),
  z.object({ type: z.literal('progress'), id: z.number().int(), percent: z.number().min(0).max(100), frames: z.number().int().nonnegative() }),
  z.object({ type: z.literal('done'), id: z.number().int(), result: StageResultSchema }),
  z.object({ type: z.literal('failed'), id: z.number().int(), code: z.enum(STAGE_ERROR_CODES), message: z.string(), ffmpegLog: FfmpegLogSchema.optional() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;
