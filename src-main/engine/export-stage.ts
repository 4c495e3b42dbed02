/**
 * Stage 3, export. A long export is cut by the planner into chunk encodes (each its own encode of a
 * frame range, so a closed GOP at every chunk start; ProRes is intra-only), each one task under
 * video_export with its own deadline, retried alone; then one task joins them without re-encoding
 * and verifies and measures the whole against the intermediate, as an unchunked export is, before
 * renaming it into place. A short export, and every png sequence, is the whole-stage task.
 */
import { join } from 'node:path';
import { planChunks } from './chunks/planner.ts';
import { fanOut } from './fan-out.ts';
import type { ShotRun } from './shot-run.ts';
import { chunkTiming, learn, MIN_PARALLEL_SECONDS, type StageDeps } from './stage-deps.ts';
import type { ChaosMode, ExportChunkTask, ExportTask, StageResult } from './tasks.ts';

export async function renderExport(run: ShotRun, deps: StageDeps, input: string, output: string, signal: AbortSignal): Promise<StageResult> {
  const { shot, timeline, job } = run;
  const circuit = deps.circuits.getBreaker('video_export');
  const format = shot.export.format;
  const whole = (chaos?: ChaosMode): ExportTask => ({
    stage: 'export',
    shotId: shot.id,
    input,
    format,
    width: shot.resolution.width,
    height: shot.resolution.height,
    fps: timeline.fps,
    frames: timeline.totalFrames,
    quality: job.quality,
    output,
    ...(chaos ? { chaos: { mode: chaos } } : {}),
  });
  const key = { stage: 'export' as const, method: format, quality: job.quality };
  const plan = planChunks(
    { stage: 'export', method: format, quality: job.quality, frames: timeline.totalFrames, width: shot.resolution.width, height: shot.resolution.height, fps: timeline.fps },
    { circuit: circuit.name, timeoutMs: circuit.config.timeoutMs, maxConcurrent: circuit.config.maxConcurrent, workers: deps.lanes, secondsPerMpf: deps.throughput.figure(key).secondsPerMpf, minParallelSeconds: MIN_PARALLEL_SECONDS },
  );
  // A refused plan is left to the whole task and the circuit's timeout: the verified export is one operation either way.
  if (format === 'png_sequence' || !plan.ok || plan.chunks.length === 1) {
    const result = await deps.runner.run({ run, stage: 'export', circuit, task: whole, drillKey: 'export', whenOpen: 'wait', retries: 'policy', detail: format, signal });
    if (result.timingsMs) learn(run, deps, key, timeline.totalFrames, { ...result, elapsedMs: result.timingsMs.encode });
    return result;
  }
  run.setParts('export', plan.chunks.length + 1);
  const count = plan.chunks.length;
  const chunks = await fanOut({
    run,
    circuits: deps.circuits,
    stage: 'export',
    items: plan.chunks,
    limit: plan.lanes,
    signal,
    work: async (chunk, _, laneSignal) => {
      const task = (chaos: ChaosMode | undefined): ExportChunkTask => ({
        stage: 'export',
        kind: 'encode_chunk',
        shotId: shot.id,
        index: chunk.index,
        input,
        format,
        fps: timeline.fps,
        quality: job.quality,
        start: chunk.start,
        end: chunk.end,
        output: join(job.workDir, `export-chunk-${chunk.index}.${format}`),
        ...(chaos ? { chaos: { mode: chaos } } : {}),
      });
      const detail = `${format} chunk ${chunk.index + 1}/${count} (frames ${chunk.start}–${chunk.end - 1})`;
      const result = await deps.runner.run({ run, stage: 'export', circuit, task, drillKey: `export-chunk-${chunk.index}`, ...chunkTiming(chunk), whenOpen: 'wait', retries: 'policy', detail, signal: laneSignal });
      learn(run, deps, key, chunk.end - chunk.start, result);
      return result.output;
    },
  });
  return await deps.runner.run({ run, stage: 'export', circuit, task: () => ({ ...whole(), chunks }), whenOpen: 'wait', retries: 'policy', detail: `${format} join`, signal });
}
