/**
 * The worker's side of chunked stages: the joined source of a chunked interpolation, one chunk of
 * it, and the concat of chunk files. Each writes under a temporary name and renames into place
 * (writeVia), as every stage does; the argument lists come from chunks/ (built from checked
 * numbers and absolute paths) and run through the one ffmpeg adapter, with its stall watchdog.
 */
import { rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { concatJoinArgs, concatList, exportChunkArgs } from '../chunks/export-chunk.ts';
import { interpolationChunkArgs } from '../chunks/interpolation-chunk.ts';
import { joinSourceArgs } from '../chunks/join-source.ts';
import { probe } from '../ffprobe.ts';
import { StageError, type ConcatTask, type ExportChunkTask, type InterpolationChunkTask, type InterpolationJoinTask, type StageResult } from '../tasks.ts';
import { requireFile, runStageFfmpeg, writeVia, type StageContext } from './common.ts';
import { encoderArgs } from './export.ts';
import { specFromArgs } from './spec-from-args.ts';

export async function runInterpolationJoin(task: InterpolationJoinTask, ctx: StageContext): Promise<StageResult> {
  task.inputs.forEach((path, i) => requireFile(path, 'interpolation', `segment ${i}`));
  return await writeVia(task.output, async (partial) => {
    const spec = specFromArgs('interpolation', joinSourceArgs(task, partial));
    const { elapsedMs } = await runStageFfmpeg(spec, ctx, undefined, { step: 'join' });
    return { output: task.output, elapsedMs };
  });
}

export async function runInterpolationChunk(task: InterpolationChunkTask, ctx: StageContext): Promise<StageResult> {
  requireFile(task.source, 'interpolation', 'joined source');
  return await writeVia(task.output, async (partial) => {
    const args = interpolationChunkArgs({ ...task, output: partial });
    const frames = task.end - task.start;
    const { elapsedMs } = await runStageFfmpeg(specFromArgs('interpolation', args), ctx, task.chaos?.mode, { expectedFrames: frames, step: `${task.method} chunk ${task.index}` });
    return { output: task.output, elapsedMs };
  });
}

export async function runExportChunk(task: ExportChunkTask, ctx: StageContext): Promise<StageResult> {
  requireFile(task.input, 'export', 'interpolated intermediate');
  return await writeVia(task.output, async (partial) => {
    const args = exportChunkArgs({ input: task.input, fps: task.fps, format: task.format, start: task.start, end: task.end, encoderArgs: encoderArgs(task), output: partial });
    const { elapsedMs } = await runStageFfmpeg(specFromArgs('export', args), ctx, task.chaos?.mode, { expectedFrames: task.end - task.start, step: `encode chunk ${task.index}` });
    return { output: task.output, elapsedMs };
  });
}

export async function runConcat(task: ConcatTask, ctx: StageContext): Promise<StageResult> {
  task.inputs.forEach((path, i) => requireFile(path, task.stage, `chunk ${i}`));
  return await writeVia(task.output, async (partial) => {
    const list = `${partial}.list.txt`;
    await writeFile(list, concatList(task.inputs));
    const spec = specFromArgs(task.stage, concatJoinArgs({ list, container: task.container, output: partial }));
    const { elapsedMs } = await runStageFfmpeg(spec, ctx, task.chaos?.mode, { expectedFrames: task.frames, step: 'concat' }).finally(() => rm(list, { force: true }));
    const { frames } = await probe(partial, { signal: ctx.signal, stage: task.stage });
    if (frames !== task.frames) throw new StageError('verification_failed', task.stage, `joined ${basename(task.output)} holds ${frames} frames, expected ${task.frames}`);
    return { output: task.output, elapsedMs };
  });
}
