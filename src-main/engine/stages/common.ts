/**
 * What every stage shares: the context a caller passes in, temporary-then-rename outputs, and
 * chaos drills applied to an ffmpeg run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { runFfmpeg, type FfmpegProgress, type FfmpegRunOptions, type RunResult } from '../ffmpeg.ts';
import type { FfmpegSpec } from '../ffmpeg-spec.ts';
import { StageError, type ChaosMode, type FfmpegRunLog, type StageName } from '../tasks.ts';

export interface StageContext {
  signal: AbortSignal;
  onProgress?(progress: FfmpegProgress): void;
  /** Called with each ffmpeg process id as soon as it is known (for monitoring and kill checks). */
  onSpawn?(pid: number): void;
  /** Called with each ffmpeg run's log tail once that run has ended, whatever its outcome. */
  onFfmpegLog?(log: FfmpegRunLog): void;
  /** The stall window for every ffmpeg run of the task (see FfmpegRunOptions.stallMs); none when undefined. */
  stallMs?: number;
}

/** Runs options that hand a run's log tail to the stage context, labelled with its step. */
export function logTo(ctx: StageContext, step: string): Pick<FfmpegRunOptions, 'onLog'> {
  return ctx.onFfmpegLog ? { onLog: (lines) => ctx.onFfmpegLog?.({ step, lines }) } : {};
}

/**
 * Where an output is written before it is complete: a hidden sibling, so that a crash or kill
 * never leaves something at the final path that looks finished (a later run could trust it).
 * The extension stays last because ffmpeg picks the container from it.
 */
export function partialPath(output: string): string {
  const ext = extname(output);
  return join(dirname(output), `.${basename(output, ext)}.partial${ext}`);
}

export async function discard(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Moves a finished temporary output to its final path, replacing whatever was there. */
export async function commit(partial: string, output: string): Promise<void> {
  const isDir = statSync(partial).isDirectory();
  if (!isDir || !existsSync(output)) {
    // rename() replaces an existing file in one step.
    await rename(partial, output);
    return;
  }
  // A folder cannot be renamed onto a non-empty folder: move the old one aside first, so the
  // final path is without a complete sequence only for the instant between the two renames.
  const aside = join(dirname(output), `.${basename(output)}.old-${randomBytes(4).toString('hex')}`);
  await rename(output, aside);
  try {
    await rename(partial, output);
  } catch (err) {
    await rename(aside, output).catch(() => undefined);
    throw err;
  }
  await discard(aside);
}

/** Prepares a stage's temporary output: its folder exists and no stale partial is left in it. */
export async function preparePartial(output: string): Promise<string> {
  const partial = partialPath(output);
  await mkdir(dirname(output), { recursive: true });
  // A crashed earlier attempt may have left frames behind; a png sequence would count them.
  await discard(partial);
  return partial;
}

/**
 * Runs work that writes to a temporary path, then moves the result into place. On any failure
 * or abort the temporary output is deleted, so only complete outputs ever exist.
 */
export async function writeVia<T>(output: string, work: (partial: string) => Promise<T>): Promise<T> {
  const partial = await preparePartial(output);
  try {
    const result = await work(partial);
    await commit(partial, output);
    return result;
  } catch (err) {
    await discard(partial);
    throw err;
  }
}

export function requireFile(path: string, stage: StageName, what: string): void {
  if (!existsSync(path)) throw new StageError('invalid_task', stage, `${stage}: ${what} not found: ${path}`);
}

/**
 * Chaos drills make ffmpeg itself misbehave, so a drill exercises the real failure paths:
 * - fail: an option ffmpeg does not know, so ffmpeg exits non-zero with its own message;
 * - hang: a realtime null source with no end, which only an abort stops. It is not a stall: it
 *   makes a frame a second, so the stall watchdog leaves it be and it ends at its deadline (a
 *   frozen or blocked ffmpeg, which the watchdog does end, is drilled by the chaos tests);
 * - slow: the real work, with every input read at its native rate (-re) and a -vf chain held
 *   to real time too (a still image is read once and looped inside the graph, so -re alone
 *   would not slow it).
 * 'crash' kills the worker process, which the worker does itself; here it changes nothing.
 */
export function applyChaos(spec: FfmpegSpec, mode: ChaosMode | undefined): FfmpegSpec {
  switch (mode) {
    case 'fail':
      return { ...spec, outputOptions: ['-storycore_chaos_fail', '1', ...(spec.outputOptions ?? [])] };
    case 'hang':
      return { stage: spec.stage, inputs: [{ lavfi: 'nullsrc=s=16x16:r=1', options: ['-re'] }], output: '-', outputOptions: ['-f', 'null'] };
    case 'slow':
      return {
        ...spec,
        inputs: spec.inputs.map((input) => ({ ...input, options: ['-re', ...(input.options ?? [])] })),
        videoFilter: spec.videoFilter && `${spec.videoFilter},realtime`,
      };
    default:
      return spec;
  }
}

/** Runs a stage's ffmpeg command with the task's chaos drill applied and progress scaled into a band. */
export async function runStageFfmpeg(
  spec: FfmpegSpec,
  ctx: StageContext,
  chaos: ChaosMode | undefined,
  options: Pick<FfmpegRunOptions, 'expectedFrames' | 'durationS'> & { band?: [number, number]; step?: string } = {},
): Promise<RunResult> {
  const [lo, hi] = options.band ?? [0, 100];
  return await runFfmpeg(applyChaos(spec, chaos), {
    signal: ctx.signal,
    expectedFrames: chaos === 'hang' ? undefined : options.expectedFrames,
    durationS: chaos === 'hang' ? undefined : options.durationS,
    onSpawn: ctx.onSpawn,
    stallMs: ctx.stallMs,
    onProgress: ctx.onProgress && ((p) => ctx.onProgress?.({ percent: lo + ((hi - lo) * p.percent) / 100, frames: p.frames })),
    // A drilled run's log is the drill's own command (a hang's null source, a fail's bad option): label it so.
    ...logTo(ctx, chaos && chaos !== 'crash' ? `${options.step ?? spec.stage} [chaos: ${chaos}]` : (options.step ?? spec.stage)),
  });
}
