/**
 * "Hung" means no progress: a chunk whose ffmpeg reports no new frame for its stall window is hung
 * and can be killed then, long before its deadline. Pure: it reads a monotonic clock it is given
 * (performance.now in the engine, a manual clock in tests) and keeps no timer; whoever owns the
 * chunk asks `check()` on its own tick (every progress line, and a periodic sweep).
 *
 * Before the first frame the window is `firstFrameMs`: a chunk first starts its process and, for
 * interpolation, makes its context frames, which ffmpeg does not count as output.
 */
export interface StallOptions {
  /** No new frame for this long (ms) after one has been seen: hung. */
  stallMs: number;
  /** No first frame for this long after start: hung. Default stallMs. */
  firstFrameMs?: number;
  /** The monotonic clock, ms. */
  now: () => number;
}

export interface StallState {
  hung: boolean;
  /** The highest frame number seen; null before the first. */
  frame: number | null;
  /** Milliseconds since the last new frame (or since start, before the first). */
  idleMs: number;
  /** The window that applies now. */
  windowMs: number;
}

export class StallDetector {
  private readonly stallMs: number;
  private readonly firstFrameMs: number;
  private readonly now: () => number;
  private lastProgressAt: number;
  private frame: number | null = null;

  constructor(options: StallOptions) {
    this.stallMs = positive(options.stallMs, 'stallMs');
    this.firstFrameMs = positive(options.firstFrameMs ?? options.stallMs, 'firstFrameMs');
    this.now = options.now;
    this.lastProgressAt = this.now();
  }

  /**
   * A progress report: ffmpeg's running count of frames written. Only a higher count is progress;
   * a repeated or lower one (ffmpeg repeats its last stats line) changes nothing. Returns whether
   * the report was progress.
   */
  report(frame: number): boolean {
    if (!Number.isFinite(frame) || (this.frame !== null && frame <= this.frame)) return false;
    // ffmpeg prints frame=0 while it starts: not yet a frame.
    if (this.frame === null && frame <= 0) return false;
    this.frame = frame;
    this.lastProgressAt = this.now();
    return true;
  }

  check(): StallState {
    const idleMs = Math.max(0, this.now() - this.lastProgressAt);
    const windowMs = this.frame === null ? this.firstFrameMs : this.stallMs;
    return { hung: idleMs >= windowMs, frame: this.frame, idleMs, windowMs };
  }

  /** Milliseconds until the chunk would count as hung if nothing new arrives: when to look again. */
  msUntilHung(): number {
    const { idleMs, windowMs } = this.check();
    return Math.max(0, windowMs - idleMs);
  }
}

function positive(value: number, what: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${what} must be a positive number of milliseconds, got ${value}`);
  return value;
}
