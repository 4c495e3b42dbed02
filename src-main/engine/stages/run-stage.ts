/**
 * runStage: the one entry a worker calls. It validates the task (it crossed a process boundary),
 * dispatches to the stage, and guarantees that every failure is a StageError with a code, so
 * that retry and circuit decisions never depend on message text.
 */
import { describeIssues } from '../model.ts';
import { STAGES, StageError, StageTaskSchema, type ChaosMode, type StageLabel, type StageName, type StageResult, type StageTask } from '../tasks.ts';
import type { StageContext } from './common.ts';
import { runConcat, runExportChunk, runInterpolationChunk, runInterpolationJoin } from './chunk-runs.ts';
import { runExport } from './export.ts';
import { runFrameProcessing, runStill } from './frame.ts';
import { runInterpolation } from './interpolate.ts';

function stageOf(task: unknown): StageLabel {
  const stage = (task as { stage?: unknown } | null)?.stage;
  return (STAGES as readonly unknown[]).includes(stage) ? (stage as StageName) : 'unknown';
}

/**
 * Gives every failure the stage's name and a code, and names the chaos drill that caused it.
 * Errors from outside ffmpeg (mkdir, rename) become 'ffmpeg_failed': tasks.ts has no code for
 * I/O, and like an ffmpeg failure they are worth a retry.
 */
function classify(err: unknown, stage: StageName, chaos: ChaosMode | undefined): StageError {
  const drill = chaos && chaos !== 'crash' ? ` [chaos drill: ${chaos}]` : '';
  if (err instanceof StageError) {
    if (!drill && err.stage === stage) return err;
    return new StageError(err.code, err.stage === 'unknown' ? stage : err.stage, `${err.message}${drill}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StageError('ffmpeg_failed', stage, `${stage}: ${message}${drill}`);
}

export async function runStage(task: StageTask, ctx: StageContext): Promise<StageResult> {
  const parsed = StageTaskSchema.safeParse(task);
  if (!parsed.success) {
    throw new StageError('invalid_task', stageOf(task), `invalid stage task: ${describeIssues(parsed.error).join('; ')}`);
  }
  const valid = parsed.data;
  if (ctx.signal.aborted) throw new StageError('canceled', valid.stage, `${valid.stage}: canceled before it started`);
  try {
    if ('kind' in valid) {
      switch (valid.kind) {
        case 'still':
          return await runStill(valid, ctx);
        case 'join':
          return await runInterpolationJoin(valid, ctx);
        case 'chunk':
          return await runInterpolationChunk(valid, ctx);
        case 'encode_chunk':
          return await runExportChunk(valid, ctx);
        case 'concat':
          return await runConcat(valid, ctx);
      }
    }
    switch (valid.stage) {
      case 'frame_processing':
        return await runFrameProcessing(valid, ctx);
      case 'interpolation':
        return await runInterpolation(valid, ctx);
      case 'export':
        return await runExport(valid, ctx);
    }
  } catch (err) {
    throw classify(err, valid.stage, valid.chaos?.mode);
  }
}
