/**
 * export: the interpolated intermediate is encoded to the delivery format under a temporary name,
 * checked with ffprobe against the shot, measured against the intermediate (SSIM/PSNR), and only
 * then renamed into place. Nothing at the final path is ever partial or unverified.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { measureQuality, type MediaRef } from '../ffmpeg.ts';
import type { FfmpegSpec } from '../ffmpeg-spec.ts';
import { probe } from '../ffprobe.ts';
import type { ExportFormat } from '../model.ts';
import { QUALITY_PRESETS } from '../quality.ts';
import { StageError, type ExportTask, type StageResult, type Verification } from '../tasks.ts';
import { concatJoinArgs, concatList } from '../chunks/export-chunk.ts';
import { specFromArgs } from './spec-from-args.ts';
import { logTo, requireFile, runStageFfmpeg, writeVia, type StageContext } from './common.ts';

const STAGE = 'export';
const PNG_PATTERN = 'frame_%05d.png';

/** What ffprobe must report as the codec of each format. */
export const EXPECTED_CODEC: Record<ExportFormat, string> = { mp4: 'h264', webm: 'vp9', mov: 'prores', png_sequence: 'png' };

/** The encoder's arguments for a format and quality, as the export (and each of its chunks) encodes. */
export function encoderArgs(task: Pick<ExportTask, 'format' | 'quality'>): string[] {
  return codecArgs(task);
}

function codecArgs(task: Pick<ExportTask, 'format' | 'quality'>): string[] {
  const q = QUALITY_PRESETS[task.quality];
  switch (task.format) {
    case 'mp4':
      // +faststart moves the index to the front so players can start before the download ends.
      return ['-c:v', 'libx264', '-preset', q.x264.preset, '-crf', String(q.x264.crf), '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];
    case 'webm':
      // -b:v 0 makes -crf a pure constant-quality target; row-mt lets vp9 use both cores.
      return ['-c:v', 'libvpx-vp9', '-b:v', '0', '-crf', String(q.vp9.crf), '-deadline', q.vp9.deadline, '-cpu-used', String(q.vp9.cpuUsed), '-row-mt', '1', '-pix_fmt', 'yuv420p'];
    case 'mov':
      return ['-c:v', 'prores_ks', '-profile:v', q.prores, '-pix_fmt', 'yuv422p10le'];
    case 'png_sequence':
      return ['-c:v', 'png', '-f', 'image2', '-start_number', '1'];
  }
}

/** The export as ffmpeg reads it: a file, or the sequence pattern at the shot's rate. */
function exportRef(task: ExportTask, partial: string): MediaRef {
  return task.format === 'png_sequence'
    ? { path: join(partial, PNG_PATTERN), options: ['-framerate', String(task.fps), '-start_number', '1'] }
    : partial;
}

/** Every reading that differs from the task, in words; empty when the export is right. */
export function verificationProblems(task: ExportTask, v: Verification): string[] {
  const problems: string[] = [];
  const frameS = 1 / task.fps;
  if (v.codec !== EXPECTED_CODEC[task.format]) problems.push(`codec is ${v.codec}, expected ${EXPECTED_CODEC[task.format]}`);
  if (v.width !== task.width || v.height !== task.height) problems.push(`size is ${v.width}x${v.height}, expected ${task.width}x${task.height}`);
  if (Math.abs(v.fps - task.fps) > 0.01) problems.push(`fps is ${v.fps.toFixed(3)}, expected ${task.fps}`);
  // Exact: every format we write stores one packet per frame, so no tolerance is needed.
  if (v.frames !== task.frames) problems.push(`frame count is ${v.frames}, expected ${task.frames}`);
  const expectedS = task.frames / task.fps;
  if (Math.abs(v.duration - expectedS) > frameS + 1e-3) problems.push(`duration is ${v.duration.toFixed(3)} s, expected ${expectedS.toFixed(3)} s (±1 frame)`);
  return problems;
}

/**
 * The encode's ffmpeg command, writing `output` (the temporary path in the stage; task.output for a
 * caller with no rename step, such as the render benchmark's plain baseline).
 */
export function exportEncodeSpec(task: ExportTask, output: string = task.output): FfmpegSpec {
  const target = task.format === 'png_sequence' ? join(output, PNG_PATTERN) : output;
  // No scaling or rate conversion here: an input that does not match the shot must fail
  // verification rather than be silently stretched into shape.
  return { stage: STAGE, inputs: [{ path: task.input }], output: target, outputOptions: ['-frames:v', String(task.frames), '-an', ...codecArgs(task)] };
}

export async function runExport(task: ExportTask, ctx: StageContext): Promise<StageResult> {
  requireFile(task.input, STAGE, 'interpolated intermediate');
  const chaos = task.chaos?.mode;
  return await writeVia(task.output, async (partial) => {
    if (task.format === 'png_sequence') await mkdir(partial, { recursive: true });
    const encode = task.chunks
      ? await joinChunks(task, task.chunks, partial, ctx)
      : await runStageFfmpeg(exportEncodeSpec(task, partial), ctx, chaos, { expectedFrames: task.frames, band: [0, 80], step: 'encode' });
    const ref = exportRef(task, partial);
    // Checks are timed apart from the encode, so that their cost can be told from the encode's.
    const verifyStart = performance.now();
    const probed = await probe(typeof ref === 'string' ? ref : ref.path, { signal: ctx.signal, stage: STAGE, inputOptions: typeof ref === 'string' ? [] : ref.options });
    const verification: Verification = { ...probed };
    const problems = verificationProblems(task, verification);
    if (problems.length > 0) {
      throw new StageError('verification_failed', STAGE, `export of ${basename(task.output)} failed verification: ${problems.join('; ')}`);
    }
    const measureStart = performance.now();
    const reading = await measureQuality(ref, task.input, {
      stage: STAGE,
      signal: ctx.signal,
      expectedFrames: task.frames,
      onSpawn: ctx.onSpawn,
      stallMs: ctx.stallMs,
      onProgress: ctx.onProgress && ((p) => ctx.onProgress?.({ percent: 80 + p.percent / 5, frames: p.frames })),
      ...logTo(ctx, 'quality'),
    });
    const measureEnd = performance.now();
    return {
      output: task.output,
      elapsedMs: encode.elapsedMs + Math.round(measureEnd - measureStart),
      timingsMs: { encode: encode.elapsedMs, verify: Math.round(measureStart - verifyStart), quality: Math.round(measureEnd - measureStart) },
      verification,
      quality: {
        compared: `${task.format} export (${verification.codec}, ${task.quality} quality) vs its lossless interpolated intermediate ${basename(task.input)}`,
        ...reading,
      },
    };
  });
}

/** A chunked export's encode: its chunks joined into `partial` with -c copy (verified after, as any encode). */
async function joinChunks(task: ExportTask, chunks: readonly string[], partial: string, ctx: StageContext) {
  if (task.format === 'png_sequence') throw new StageError('invalid_task', STAGE, 'a png sequence is written per frame and needs no join');
  chunks.forEach((path, i) => requireFile(path, STAGE, `export chunk ${i}`));
  const list = `${partial}.list.txt`;
  await writeFile(list, concatList(chunks));
  const spec = specFromArgs(STAGE, concatJoinArgs({ list, container: task.format, output: partial }));
  return await runStageFfmpeg(spec, ctx, task.chaos?.mode, { expectedFrames: task.frames, band: [0, 80], step: 'join' }).finally(() => rm(list, { force: true }));
}
