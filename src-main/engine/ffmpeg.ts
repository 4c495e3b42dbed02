/**
 * The one adapter over fluent-ffmpeg: running a spec with progress, kill and a log tail, and the
 * SSIM/PSNR measurement built on it. fluent is archived upstream, so everything that knows about
 * it stays in this file: the rest of the engine speaks FfmpegSpec, StageError and plain promises,
 * and swapping fluent for a plain spawn() later touches nothing else.
 */
import Ffmpeg from 'fluent-ffmpeg';
import { resolveFfmpeg } from './ffmpeg-binaries.ts';
import { type FfmpegInput, type FfmpegSpec, plan } from './ffmpeg-spec.ts';
import { ERROR_TAIL_LINES, FFMPEG_LOG_LINE_MAX, FFMPEG_LOG_LINES, StageError, type StageLabel } from './tasks.ts';

export interface FfmpegProgress {
  percent: number;
  frames: number;
}

export interface FfmpegRunOptions {
  signal?: AbortSignal;
  /** Frames the run will produce: the preferred base for percent (lavfi inputs have no duration). */
  expectedFrames?: number;
  /** Seconds the output will last: the base for percent when frames are unknown. */
  durationS?: number;
  onProgress?(progress: FfmpegProgress): void;
  onSpawn?(pid: number): void;
  /**
   * Called once the run has ended (finished, failed or killed) with the last non-progress lines
   * ffmpeg wrote to stderr: what the job detail shows as the run's log tail.
   */
  onLog?(lines: string[]): void;
  /**
   * The stall window, ms: a run whose output frame count has not grown for this long (its first
   * frame too, counted from ffmpeg's start) is hung, is killed as an abort kills it, and fails
   * 'stalled'. Undefined: no watchdog, and only the caller's signal ends a run that hangs.
   */
  stallMs?: number;
}

export interface RunResult {
  elapsedMs: number;
}

const STATS_LINE = /^\s*(frame|size)=/;
/** What ffmpeg prints, yet exits 0, when its output could not be completed. */
const UNFINISHED_OUTPUT = /^Error (writing trailer of|closing file) /;

function progressFrom(line: string, options: FfmpegRunOptions): FfmpegProgress | null {
  const frameMatch = /frame=\s*(\d+)/.exec(line);
  const timeMatch = /time=\s*(\d+):(\d+):(\d+(?:\.\d+)?)/.exec(line);
  if (!frameMatch && !timeMatch) return null;
  const frames = frameMatch ? Number(frameMatch[1]) : 0;
  let percent = 0;
  if (options.expectedFrames && options.expectedFrames > 0) {
    percent = (frames / options.expectedFrames) * 100;
  } else if (timeMatch && options.durationS && options.durationS > 0) {
    const seconds = Number(timeMatch[1]) * 3600 + Number(timeMatch[2]) * 60 + Number(timeMatch[3]);
    percent = (seconds / options.durationS) * 100;
  }
  return { percent: Math.min(100, Math.max(0, percent)), frames };
}

function fluentCommand(spec: FfmpegSpec): Ffmpeg.FfmpegCommand {
  const { inputs, output, outputOptions } = plan(spec);
  const bins = resolveFfmpeg();
  const command = Ffmpeg({ stdoutLines: 100 }).setFfmpegPath(bins.ffmpeg).setFfprobePath(bins.ffprobe);
  for (const input of inputs) {
    command.input(input.source);
    if (input.lavfi) command.inputFormat('lavfi');
    if (input.options.length > 0) command.inputOptions(...input.options);
  }
  command.output(output);
  if (outputOptions.length > 0) command.outputOptions(...outputOptions);
  return command;
}

/**
 * What fluent itself would spawn ffmpeg with for a spec. It reads fluent's private
 * _getArguments(), so it exists only to check specToArgs against the real thing (tests, bench).
 */
export function fluentArgs(spec: FfmpegSpec): string[] {
  return (fluentCommand(spec) as unknown as { _getArguments(): string[] })._getArguments();
}

/** The log tail a run reports: its last lines, each cut to a length a screen can show. */
function logTail(lines: readonly string[]): string[] {
  return lines.slice(-FFMPEG_LOG_LINES).map((line) => (line.length > FFMPEG_LOG_LINE_MAX ? `${line.slice(0, FFMPEG_LOG_LINE_MAX - 1)}…` : line));
}

/**
 * The stall watchdog: one timer per run, re-armed lazily. A new frame only moves a timestamp; the
 * timer, when it fires, sleeps again for what is left of the window since the last new frame, so
 * a run costs one timer whatever the number of progress lines. Monotonic (performance.now), so a
 * wall-clock jump neither fires it nor holds it back.
 */
function stallWatchdog(stallMs: number, onStall: (quietMs: number) => void) {
  let frames = 0;
  let lastNewFrameAt = performance.now();
  const check = () => {
    const quietMs = performance.now() - lastNewFrameAt;
    if (quietMs >= stallMs) onStall(quietMs);
    else timer = setTimeout(check, stallMs - quietMs);
  };
  let timer = setTimeout(check, stallMs);
  return {
    get frames() {
      return frames;
    },
    /** ffmpeg exists now: its first frame gets a whole window, whatever fluent's probing before it took. */
    sawStart() {
      lastNewFrameAt = performance.now();
    },
    sawFrames(count: number) {
      if (count <= frames) return;
      frames = count;
      lastNewFrameAt = performance.now();
    },
    stop: () => clearTimeout(timer),
  };
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Internal run that also hands back stderr's non-progress lines (for measureQuality). */
async function execute(spec: FfmpegSpec, options: FfmpegRunOptions): Promise<{ elapsedMs: number; lines: string[] }> {
  const { signal } = options;
  const { stage } = spec;
  if (signal?.aborted) throw new StageError('canceled', stage, `${stage}: canceled before ffmpeg started`);
  if (spec.inputs.length === 0) throw new StageError('invalid_task', stage, `${stage}: ffmpeg needs at least one input`);
  const command = fluentCommand(spec);

  const lines: string[] = [];
  const started = performance.now();
  return await new Promise((resolve, reject) => {
    let killedFor: 'abort' | 'stall' | undefined;
    const proc = () => (command as unknown as { ffmpegProc?: { pid?: number } }).ffmpegProc;
    // SIGKILL is the whole tree: in our usage ffmpeg runs codecs and filters in-process and never
    // forks helpers (no external protocols, no pipes to other programs), so it has no children.
    const kill = (why: 'abort' | 'stall') => {
      killedFor ??= why;
      if (proc()) command.kill('SIGKILL');
      // else fluent is still probing capabilities; 'start' below kills it the moment it exists.
    };
    const onAbort = () => kill('abort');
    let stalledMessage = '';
    const watchdog =
      options.stallMs === undefined
        ? undefined
        : stallWatchdog(options.stallMs, (quietMs) => {
            const of = options.expectedFrames ? ` of ${options.expectedFrames}` : '';
            stalledMessage = `${stage}: ffmpeg made no progress for ${seconds(quietMs)} (frame ${watchdog?.frames ?? 0}${of}): killed as hung`;
            kill('stall');
          });
    const finish = () => {
      watchdog?.stop();
      signal?.removeEventListener('abort', onAbort);
      options.onLog?.(logTail(lines));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    command.on('start', () => {
      const pid = proc()?.pid;
      watchdog?.sawStart();
      if (pid !== undefined) options.onSpawn?.(pid);
      if (killedFor) command.kill('SIGKILL');
    });
    command.on('stderr', (line: string) => {
      if (STATS_LINE.test(line)) {
        const progress = progressFrom(line, options);
        if (progress) {
          watchdog?.sawFrames(progress.frames);
          options.onProgress?.(progress);
        }
      } else if (line.trim()) {
        lines.push(line);
        if (lines.length > 200) lines.shift();
      }
    });
    // fluent emits 'error' (never 'end') for a kill, and only after the process has exited and
    // its stderr closed, so a settled promise means the ffmpeg process is really gone.
    command.on('error', (err: Error) => {
      finish();
      const tail = lines.slice(-ERROR_TAIL_LINES).join('\n');
      // A stop asked for wins over a stall seen first: the caller ended the run either way.
      if (killedFor === 'abort' || signal?.aborted) {
        reject(new StageError('canceled', stage, `${stage}: canceled; ffmpeg was killed`));
        return;
      }
      if (killedFor === 'stall') {
        reject(new StageError('stalled', stage, `${stalledMessage}${tail ? `\n${tail}` : ''}`));
        return;
      }
      // fluent appends its own digest of stderr after a colon; our tail below is fuller.
      const why = /^ffmpeg (exited with code -?\d+|was killed with signal \w+)/.exec(err.message)?.[0] ?? err.message;
      reject(new StageError('ffmpeg_failed', stage, `${stage}: ${why}${outOfSpace(why, lines)}${tail ? `\n${tail}` : ''}`));
    });
    command.on('end', () => {
      finish();
      // ffmpeg 5.1 exits 0 when only its trailer or the final close failed (a disk that filled at
      // the very end; /dev/full): the file is incomplete, so this "end" is a failure.
      const unwritten = lines.find((line) => UNFINISHED_OUTPUT.test(line));
      if (unwritten) {
        const tail = lines.slice(-ERROR_TAIL_LINES).join('\n');
        reject(new StageError('ffmpeg_failed', stage, `${stage}: ffmpeg exited with code 0 but could not finish writing its output${outOfSpace('', lines)}\n${tail}`));
        return;
      }
      resolve({ elapsedMs: Math.round(performance.now() - started), lines });
    });
    try {
      command.run();
    } catch (err) {
      finish();
      reject(new StageError('ffmpeg_failed', stage, `${stage}: could not start ffmpeg: ${(err as Error).message}`));
    }
  });
}

/**
 * A full disk or a file-size limit shows as a signal name (SIGXFSZ) or an errno line somewhere in
 * ffmpeg's output; the first line of the error says it in words, with what to do. Wording only:
 * the code stays ffmpeg_failed, and no decision reads this text.
 */
function outOfSpace(why: string, lines: readonly string[]): string {
  if (/signal SIGXFSZ/.test(why) || lines.some((line) => /File too large/.test(line))) {
    return ' (an output file reached the file-size limit: raise the limit (ulimit -f) or free disk space, then retry)';
  }
  if (lines.some((line) => /No space left on device/.test(line))) return ' (the disk is full: free space on the output disk, then retry)';
  return '';
}

/** Runs one ffmpeg command to completion; rejects with StageError 'canceled', 'stalled' or 'ffmpeg_failed'. */
export async function runFfmpeg(spec: FfmpegSpec, options: FfmpegRunOptions = {}): Promise<RunResult> {
  const { elapsedMs } = await execute(spec, options);
  return { elapsedMs };
}

// ---------------------------------------------------------------------------------------------
// Quality

export interface QualityReading {
  /** ffmpeg's SSIM "All" figure, 0..1. */
  ssim: number | null;
  /**
   * ffmpeg's PSNR "average" in dB. null when ffmpeg printed no finite figure: identical inputs
   * make it print "inf", which JSON cannot carry, and we never substitute a made-up number.
   */
  psnr: number | null;
}

export interface QualityOptions extends FfmpegRunOptions {
  stage: StageLabel;
}

/** A file, or a file plus input options (an image-sequence pattern needs -framerate). */
export type MediaRef = string | { path: string; options?: readonly string[] };

export async function measureQuality(distorted: MediaRef, reference: MediaRef, options: QualityOptions): Promise<QualityReading> {
  const asInput = (m: MediaRef): FfmpegInput => (typeof m === 'string' ? { path: m } : { path: m.path, options: m.options ?? [] });
  // Frames are paired by index (setpts=N), not by timestamp: containers round timestamps
  // differently (1/1000 in mkv and webm, 1/fps elsewhere), which would pair the wrong frames.
  const prep = 'settb=1,setpts=N,format=yuv420p';
  const graph = [
    `[0:v]${prep},split[d0][d1]`,
    `[1:v]${prep},split[r0][r1]`,
    '[d0][r0]ssim=shortest=1[ssim]',
    '[d1][r1]psnr=shortest=1[psnr]',
  ].join(';');
  const { lines } = await execute(
    {
      stage: options.stage,
      inputs: [asInput(distorted), asInput(reference)],
      complexFilter: graph,
      output: '-',
      outputOptions: ['-map', '[ssim]', '-map', '[psnr]', '-f', 'null'],
    },
    // setpts=N makes the timemark count frames, not seconds: only a frame count gives a percent.
    { ...options, durationS: undefined },
  );
  const ssimLine = lines.findLast((l) => / SSIM .*All:/.test(l));
  const psnrLine = lines.findLast((l) => / PSNR .*average:/.test(l));
  const ssim = ssimLine ? Number(/All:([0-9.]+)/.exec(ssimLine)?.[1]) : NaN;
  const psnr = psnrLine ? Number(/average:([0-9.]+)/.exec(psnrLine)?.[1]) : NaN;
  return { ssim: Number.isFinite(ssim) ? ssim : null, psnr: Number.isFinite(psnr) ? psnr : null };
}
