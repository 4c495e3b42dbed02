/**
 * The one adapter over ffmpeg. fluent-ffmpeg is archived upstream, so everything that knows about it
 * stays in this file: the rest of the engine speaks FfmpegSpec, StageError and plain promises, and
 * swapping fluent for a plain spawn() later touches nothing else.
 *
 * Arguments always travel as argv (fluent spawns without a shell), so paths are never parsed by a
 * shell. Filter graphs are parsed by ffmpeg, though, so every string that ends up inside one goes
 * through assertSafeFilterValue (or is a number formatted by filterNumber).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, isAbsolute, join } from 'node:path';
import Ffmpeg from 'fluent-ffmpeg';
import { FFMPEG_LOG_LINE_MAX, FFMPEG_LOG_LINES, StageError, type StageName } from './tasks.ts';

type StageLabel = StageName | 'unknown';

// ---------------------------------------------------------------------------------------------
// Binary resolution

export interface ResolvedBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where the ffmpeg binary came from. */
  source: 'env' | 'ffmpeg-static' | 'path';
}

export interface ResolveDeps {
  /** ffmpeg-static's exported path, or null when the package (or its binary) is absent. */
  ffmpegStaticPath?: () => string | null;
  exists?: (path: string) => boolean;
}

let staticPath: string | null | undefined;

/**
 * ffmpeg-static is an optionalDependency whose install fails offline, so its absence is normal.
 * Looked up once: a package does not come or go while the app runs.
 */
function loadFfmpegStaticPath(): string | null {
  if (staticPath !== undefined) return staticPath;
  try {
    const exported: unknown = createRequire(import.meta.url)('ffmpeg-static');
    staticPath = typeof exported === 'string' ? exported : null;
  } catch {
    staticPath = null;
  }
  return staticPath;
}

/**
 * FFMPEG_PATH, then ffmpeg-static (if its binary really exists), then `ffmpeg` on PATH.
 * ffprobe: FFPROBE_PATH, then an ffprobe beside the chosen ffmpeg, then `ffprobe` on PATH.
 */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env, deps: ResolveDeps = {}): ResolvedBinaries {
  const exists = deps.exists ?? existsSync;
  let ffmpeg = 'ffmpeg';
  let source: ResolvedBinaries['source'] = 'path';
  const fromStatic = (deps.ffmpegStaticPath ?? loadFfmpegStaticPath)();
  // Inside a packaged Electron app the binary cannot run from within the asar archive; the
  // packager unpacks it beside the archive, so point at the unpacked copy.
  const unpacked = fromStatic?.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  if (env.FFMPEG_PATH) {
    ffmpeg = env.FFMPEG_PATH;
    source = 'env';
  } else if (unpacked && exists(unpacked)) {
    ffmpeg = unpacked;
    source = 'ffmpeg-static';
  }
  let ffprobe = 'ffprobe';
  // A beside-ffmpeg lookup only makes sense for a path; a bare name is resolved by PATH anyway.
  const beside = ffmpeg.includes('/') || ffmpeg.includes('\\') ? join(dirname(ffmpeg), `ffprobe${extname(ffmpeg)}`) : null;
  if (env.FFPROBE_PATH) ffprobe = env.FFPROBE_PATH;
  else if (beside && exists(beside)) ffprobe = beside;
  return { ffmpeg, ffprobe, source };
}

// ---------------------------------------------------------------------------------------------
// Filter-graph safety

/** Characters that give a string structure in ffmpeg's filter-graph and option syntax. */
const FILTER_SYNTAX = /[[\];,:='\\\n\r]/;

/** Returns the value if it cannot change a filter graph's structure; throws otherwise. */
export function assertSafeFilterValue(value: string, what = 'filter value'): string {
  if (value.length === 0 || FILTER_SYNTAX.test(value)) {
    throw new StageError('invalid_task', 'unknown', `${what} ${JSON.stringify(value)} is not allowed in a filter graph (empty or contains filter syntax)`);
  }
  return value;
}

/** A finite number as plain decimal text (never exponent notation, which expressions mis-read). */
export function filterNumber(n: number, what = 'number'): string {
  if (!Number.isFinite(n) || Math.abs(n) > 1e9) {
    throw new StageError('invalid_task', 'unknown', `${what} ${n} cannot go into a filter graph`);
  }
  const text = n.toFixed(6).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

// ---------------------------------------------------------------------------------------------
// Running ffmpeg

export type FfmpegInput =
  | { path: string; options?: readonly string[] }
  /** A lavfi source graph (e.g. a generator), built from validated values only. */
  | { lavfi: string; options?: readonly string[] };

export interface FfmpegSpec {
  /** The stage the run belongs to, for error reports. */
  stage: StageLabel;
  inputs: readonly FfmpegInput[];
  /** A -filter_complex graph; pick its outputs with -map in outputOptions. */
  complexFilter?: string;
  /** A -vf chain, for single-input runs. */
  videoFilter?: string;
  /** An absolute path, or '-' together with outputOptions ['-f', 'null'] to discard the result. */
  output: string;
  outputOptions?: readonly string[];
}

export interface FfmpegProgress {
  percent: number;
  frames: number;
}

export interface RunOptions {
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
}

export interface RunResult {
  elapsedMs: number;
}

const STATS_LINE = /^\s*(frame|size)=/;
/** What ffmpeg prints, yet exits 0, when its output could not be completed. */
const UNFINISHED_OUTPUT = /^Error (writing trailer of|closing file) /;
const TAIL_LINES = 15;

function progressFrom(line: string, options: RunOptions): FfmpegProgress | null {
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

function checkPath(path: string, stage: StageLabel, allowDash: boolean): string {
  // Absolute paths cannot be mistaken for options ("-x") or protocols ("concat:"), which is
  // what keeps a crafted file name from changing what ffmpeg does.
  if ((allowDash && path === '-') || isAbsolute(path)) return path;
  throw new StageError('invalid_task', stage, `ffmpeg paths must be absolute, got ${JSON.stringify(path)}`);
}

/** fluent splits a lone "a b" option string in two; several arguments are always taken verbatim. */
function verbatim(options: readonly string[]): string[] {
  if (options.length === 1 && options[0]!.includes(' ')) throw new Error(`option ${JSON.stringify(options[0])} must be split into separate arguments`);
  return [...options];
}

/** Flags every run carries; they ride in front of the first input (fluent has no public global-options slot). */
const GLOBAL_FLAGS: readonly string[] = ['-nostdin', '-hide_banner', '-y'];

/** A spec checked and laid out as ffmpeg will get it: the one place that decides the arguments. */
interface ArgPlan {
  inputs: { source: string; lavfi: boolean; options: string[] }[];
  output: string;
  outputOptions: string[];
}

function plan(spec: FfmpegSpec): ArgPlan {
  const { stage } = spec;
  const inputs = spec.inputs.map((input, i) => {
    const options = verbatim([...(i === 0 ? GLOBAL_FLAGS : []), ...(input.options ?? [])]);
    return 'lavfi' in input ? { source: input.lavfi, lavfi: true, options } : { source: checkPath(input.path, stage, false), lavfi: false, options };
  });
  const output = checkPath(spec.output, stage, true);
  const outputOptions = verbatim([
    ...(spec.complexFilter ? ['-filter_complex', spec.complexFilter] : []),
    ...(spec.videoFilter ? ['-vf', spec.videoFilter] : []),
    ...(spec.outputOptions ?? []),
  ]);
  return { inputs, output, outputOptions };
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
 * The argv ffmpeg gets for a spec, without fluent, so that a plain spawn() (the render benchmark's
 * baseline, or a later fluent-free runner) runs exactly the command our stages run. It follows
 * fluent's layout: per input `-f lavfi` (from inputFormat), its options, `-i`; then the `-y` fluent
 * adds for every file output (every output of ours, '-' included: it has no protocol prefix);
 * then the output options and the output. fluent's only other rewrite, `-strict experimental`
 * after an experimental `-vcodec`, never applies: we always write `-c:v`.
 */
export function specToArgs(spec: FfmpegSpec): string[] {
  const { inputs, output, outputOptions } = plan(spec);
  return [...inputs.flatMap((input) => [...(input.lavfi ? ['-f', 'lavfi'] : []), ...input.options, '-i', input.source]), '-y', ...outputOptions, output];
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

/** Internal run that also hands back stderr's non-progress lines (for measureQuality). */
async function execute(spec: FfmpegSpec, options: RunOptions): Promise<{ elapsedMs: number; lines: string[] }> {
  const { signal } = options;
  const { stage } = spec;
  if (signal?.aborted) throw new StageError('canceled', stage, `${stage}: canceled before ffmpeg started`);
  if (spec.inputs.length === 0) throw new StageError('invalid_task', stage, `${stage}: ffmpeg needs at least one input`);
  const command = fluentCommand(spec);

  const lines: string[] = [];
  const started = performance.now();
  return await new Promise((resolve, reject) => {
    let aborted = false;
    const proc = () => (command as unknown as { ffmpegProc?: { pid?: number } }).ffmpegProc;
    // SIGKILL is the whole tree: in our usage ffmpeg runs codecs and filters in-process and never
    // forks helpers (no external protocols, no pipes to other programs), so it has no children.
    const onAbort = () => {
      aborted = true;
      if (proc()) command.kill('SIGKILL');
      // else fluent is still probing capabilities; 'start' below kills it the moment it exists.
    };
    const finish = () => {
      signal?.removeEventListener('abort', onAbort);
      options.onLog?.(logTail(lines));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    command.on('start', () => {
      const pid = proc()?.pid;
      if (pid !== undefined) options.onSpawn?.(pid);
      if (aborted) command.kill('SIGKILL');
    });
    command.on('stderr', (line: string) => {
      if (STATS_LINE.test(line)) {
        const progress = progressFrom(line, options);
        if (progress) options.onProgress?.(progress);
      } else if (line.trim()) {
        lines.push(line);
        if (lines.length > 200) lines.shift();
      }
    });
    // fluent emits 'error' (never 'end') for a kill, and only after the process has exited and
    // its stderr closed, so a settled promise means the ffmpeg process is really gone.
    command.on('error', (err: Error) => {
      finish();
      if (aborted || signal?.aborted) {
        reject(new StageError('canceled', stage, `${stage}: canceled; ffmpeg was killed`));
        return;
      }
      const tail = lines.slice(-TAIL_LINES).join('\n');
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
        const tail = lines.slice(-TAIL_LINES).join('\n');
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

/** Runs one ffmpeg command to completion; rejects with StageError 'canceled' or 'ffmpeg_failed'. */
export async function runFfmpeg(spec: FfmpegSpec, options: RunOptions = {}): Promise<RunResult> {
  const { elapsedMs } = await execute(spec, options);
  return { elapsedMs };
}

// ---------------------------------------------------------------------------------------------
// Probing

export interface ProbeResult {
  codec: string;
  width: number;
  height: number;
  fps: number;
  /** Packets read from the first video stream: one per frame for the codecs we write. */
  frames: number;
  duration: number;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  stage?: StageLabel;
  /** Options before the input, e.g. ['-framerate', '24'] for an image sequence pattern. */
  inputOptions?: readonly string[];
}

function parseRate(rate: unknown): number | null {
  if (typeof rate !== 'string') return null;
  const [num, den] = rate.split('/').map(Number);
  if (!num || !den || !Number.isFinite(num / den)) return null;
  return num / den;
}

/** Reads the first video stream with ffprobe (our own spawn, so that it can be aborted). */
export async function probe(path: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const stage = options.stage ?? 'unknown';
  const { signal } = options;
  if (signal?.aborted) throw new StageError('canceled', stage, `${stage}: canceled before ffprobe started`);
  const args = [
    '-v', 'error', ...(options.inputOptions ?? []),
    // -count_packets reads the whole file, but without decoding: cheap, and it works for
    // containers (mkv, webm) that store no frame count.
    '-count_packets', '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,width,height,r_frame_rate,avg_frame_rate,nb_read_packets,duration:format=duration',
    '-of', 'json', checkPath(path, stage, false),
  ];
  const child = spawn(resolveFfmpeg().ffprobe, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | string>((resolve) => {
    child.on('error', (e) => resolve(e.message));
    child.on('close', (c, sig) => resolve(c ?? sig ?? -1));
  }).finally(() => signal?.removeEventListener('abort', onAbort));
  if (signal?.aborted) throw new StageError('canceled', stage, `${stage}: canceled; ffprobe was killed`);
  const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-TAIL_LINES).join('\n');
  if (code !== 0) throw new StageError('ffmpeg_failed', stage, `${stage}: ffprobe failed (${code}) on ${path}${stderr ? `\n${stderr}` : ''}`);
  const json = JSON.parse(Buffer.concat(out).toString('utf8')) as { streams?: Record<string, unknown>[]; format?: { duration?: string } };
  const s = json.streams?.[0];
  if (!s) throw new StageError('verification_failed', stage, `${stage}: ${path} has no video stream`);
  // avg_frame_rate is what was actually written; r_frame_rate is the fallback when it is 0/0.
  const fps = parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate) ?? 0;
  // mkv often has no per-stream duration; the container's is then the answer.
  const duration = [s.duration, json.format?.duration].map(Number).find(Number.isFinite) ?? 0;
  return {
    codec: String(s.codec_name ?? 'unknown'),
    width: Number(s.width ?? 0),
    height: Number(s.height ?? 0),
    fps,
    frames: Number(s.nb_read_packets ?? 0),
    duration,
  };
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

export interface QualityOptions extends RunOptions {
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
